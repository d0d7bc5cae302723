// The cross-thread hand-overs on a runner whose Asio bridge is installed with
// no operation pending (issue 15: one idle wait serves both). Each is the
// library's own benchmark of the same name, run on such a runner, so that
// results.json compares them with the plain runner's figures of the same run.
// Native only; needs the Asio bridge (threaded_async::asio).
#pragma once

#include "harness.hpp"

namespace bench {

// queue_pingpong (library_bench.hpp) with the bridge installed and idle.
Figure queue_pingpong_asio_idle(const Plan& plan);
// task_roundtrip (library_bench.hpp) with the bridge installed and idle.
Figure task_roundtrip_asio_idle(const Plan& plan);
// idle_cpu_percent (footprint_bench.hpp) with the bridge installed and idle.
double idle_cpu_percent_asio_idle(double seconds);

}  // namespace bench
