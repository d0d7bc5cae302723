// The library's own benchmarks. Portable: built natively and for WebAssembly.
#pragma once

#include "harness.hpp"

namespace bench {

// A thread put_waits a number, a task gets it and puts it plus one on a second
// queue, the thread get_waits that. Microseconds per round trip.
Figure queue_pingpong(const Plan& plan);
// create_task(trivial).wait() from a thread. Microseconds per round trip.
Figure task_roundtrip(const Plan& plan);
// call_in_loop(trivial) from a thread. Microseconds per round trip.
Figure call_in_loop(const Plan& plan);
// Two tasks calling yield() in turn. Nanoseconds from one task to the other.
Figure task_switch(const Plan& plan);
// A task starts trivial tasks and waits for them all. Tasks per second.
Figure spawn_rate(const Plan& plan);

}  // namespace bench
