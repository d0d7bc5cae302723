// What users would write instead of the library, measured the same way in the
// same run: a second thread with a mutex and a condition variable, a
// Boost.Asio io_context on a thread with post() and std::future, Boost.Fiber
// channels, and raw Boost.Context switches. Native only.
#pragma once

#include "harness.hpp"

namespace bench {

// The floor of any hand-over between two cores: two threads spinning on two
// atomics, passing a number back and forth. µs per round trip.
Figure atomic_pingpong(const Plan& plan);
// Queue ping-pong between two threads over two mutex+condvar queues. µs per round trip.
Figure condvar_pingpong(const Plan& plan);
// post() a handler that answers through a std::promise; the thread waits on its future.
// µs per round trip.
Figure asio_pingpong(const Plan& plan);
// post() a std::packaged_task running a trivial function and wait for its result.
// µs per round trip.
Figure asio_task_roundtrip(const Plan& plan);
// A plain thread and a Boost.Fiber fiber on another thread passing a number
// through two boost::fibers::buffered_channel. µs per round trip.
Figure boost_fiber_pingpong(const Plan& plan);
// The contention topology of library_bench.hpp's contention(): `producers`
// threads push into a bounded queue (64 items), two forwarders move each item
// to a second bounded queue (64 items), the calling thread pops them all.
// Items per second. condvar: mutex+condition_variable queues and two
// forwarding threads. boost_fiber: buffered_channels and two forwarding fibers
// on one thread.
Figure condvar_contention(const Plan& plan, int producers);
Figure boost_fiber_contention(const Plan& plan, int producers);
// Boost.Context fibers resuming each other. ns per switch (half a resume round trip).
Figure boost_context_switch(const Plan& plan);

}  // namespace bench
