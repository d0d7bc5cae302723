#include <catch2/catch.hpp>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

TEST_CASE("a task's result comes back to the thread", "[runner]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    ta::sleep(10ms);
    return 10;
  });
  REQUIRE(task.wait() == 10);
}
