// The hand-overs with the Asio bridge installed and idle (see asio_idle_bench.hpp).
#include "asio_idle_bench.hpp"

#include <threaded_async/asio.hpp>
#include <threaded_async/threaded_async.hpp>

#include "footprint_bench.hpp"
#include "library_bench.hpp"

namespace ta = threaded_async;

namespace bench {
namespace {

// A runner whose loop has the Asio bridge as its reactor, with nothing pending:
// the loop's idle wait is its own futex, as on a runner without the bridge.
// An executor that does not track work leaves nothing pending.
struct BridgedRunner {
  ta::AsyncRunner runner;
  BridgedRunner() {
    (void)ta::asio_executor(runner);
    check(runner.loop()->reactor() != nullptr, "asio_executor installs the Asio bridge");
  }
};

}  // namespace

Figure queue_pingpong_asio_idle(const Plan& plan) {
  BridgedRunner bridged;
  return queue_pingpong_on(bridged.runner, plan);
}

Figure task_roundtrip_asio_idle(const Plan& plan) {
  BridgedRunner bridged;
  return task_roundtrip_on(bridged.runner, plan);
}

double idle_cpu_percent_asio_idle(double seconds) {
  BridgedRunner bridged;
  return idle_cpu_percent_on(bridged.runner, seconds);
}

}  // namespace bench
