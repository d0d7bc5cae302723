// The loop's clock reads (detail/clock.hpp): the time of Clock::now(), read
// the target's cheapest way, and its coarse read.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <threaded_async/detail/clock.hpp>

namespace detail = threaded_async::detail;
using namespace std::chrono_literals;
using threaded_async::Clock;

TEST_CASE("clock_now reads the time of Clock::now", "[clock]") {
  // Read between two reads of Clock::now(), many times: a clock of another
  // origin or another unit (milliseconds taken for nanoseconds, say) falls
  // outside them at once.
  for (int i = 0; i < 10000; ++i) {
    const auto before = Clock::now();
    const auto read = detail::clock_now();
    const auto after = Clock::now();
    REQUIRE(before <= read);
    REQUIRE(read <= after);
  }
}

TEST_CASE("clock_now moves on with Clock::now", "[clock]") {
  const auto start = detail::clock_now();
  std::this_thread::sleep_for(20ms);
  const auto elapsed = detail::clock_now() - start;
  CHECK(elapsed >= 20ms);
  CHECK(elapsed < 20s);  // only a hang or a wrong unit is this long
}

TEST_CASE("clock_now_coarse lags Clock::now by a scheduler tick at most", "[clock]") {
  for (int i = 0; i < 1000; ++i) {
    const auto coarse = detail::clock_now_coarse();
    const auto now = Clock::now();
    REQUIRE(coarse <= now);
    REQUIRE(now - coarse < 100ms);  // a tick is 1 to 10 ms; a loaded machine may add some
  }
}
