// The library's own benchmarks. Portable: built natively and for WebAssembly.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace threaded_async {
class AsyncRunner;
}

namespace bench {

// For `seconds`, windows in turn of two hand-overs between the calling thread
// and another: 100,000 round trips of the atomics floor (two threads spinning
// on two atomics; the other thread sleeps outside these windows), then 50,000
// of queue_pingpong's. Each window's µs per round trip, {floor, ping-pong}:
// how the library's hand-over follows the machine's (docs/performance.md,
// "Two speeds of the machine").
std::vector<std::pair<double, double>> pingpong_beside_floor(double seconds);
// The same, one "floor_us pingpong_us" line a window on stdout.
void print_pingpong_beside_floor(double seconds);

// A thread put_waits a number, a task gets it and puts it plus one on a second
// queue, the thread get_waits that. Microseconds per round trip.
Figure queue_pingpong(const Plan& plan);
// create_task(trivial).wait() from a thread. Microseconds per round trip.
Figure task_roundtrip(const Plan& plan);
// The same two on a runner the caller made (and set up: asio_idle_bench.hpp).
Figure queue_pingpong_on(threaded_async::AsyncRunner& runner, const Plan& plan);
Figure task_roundtrip_on(threaded_async::AsyncRunner& runner, const Plan& plan);
// call_in_loop(trivial) from a thread. Microseconds per round trip.
Figure call_in_loop(const Plan& plan);
// Two tasks calling yield() in turn. Nanoseconds from one task to the other.
Figure task_switch(const Plan& plan);
// A task starts trivial tasks and waits for them all. Tasks per second.
Figure spawn_rate(const Plan& plan);

// `producers` threads put_wait into a queue of maxsize 64, two tasks forward
// each item to a second queue of maxsize 64, the calling thread get_waits them
// all. Items per second.
Figure contention(const Plan& plan, int producers);
// A task starts `count` trivial tasks and waits for them all, on a runner with
// default options. Microseconds per task, of the runs after the first at
// `count`; `first_run` gets that first run's (per_op): the one that meets
// memory the process has not used yet.
Figure scaling_spawn(const Plan& plan, std::size_t count, double& first_run);
// `count` tasks each sleep until a deadline of its own, one nanosecond after
// the previous task's, and record that they woke; checks that they woke in
// the order of their deadlines (BenchError if not). Microseconds per task of
// the loop's busy time: from the first create_task until the last task slept,
// and from the first deadline until the last task woke (the wait between the
// two, in which the loop idles, is left out). The runs and `first_run` as
// for scaling_spawn.
Figure scaling_timer(const Plan& plan, std::size_t count, double& first_run);

}  // namespace bench
