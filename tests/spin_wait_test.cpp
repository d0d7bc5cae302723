// How long a waiting thread spins before it sleeps (detail/spin_wait.hpp): the
// budget adapts, a thread whose spins keep running out stops spinning, and
// probes, short and long, bring it back when spinning pays again.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <threaded_async/detail/spin_wait.hpp>
#include <threaded_async/threaded_async.hpp>

namespace detail = threaded_async::detail;
using threaded_async::Clock;

namespace {

// Runs `body` on a new thread, which starts with a fresh spin budget.
template <class Body>
void on_fresh_thread(Body body) {
  std::thread(body).join();
}

// One wait whose answer never comes; how many times it looked, and how long it spun.
struct Unanswered {
  int looks = 0;
  Clock::duration spun{};
};

// What the waits look at: a word another thread could set, as the library's
// waits look at theirs. A look must read it: a look that only counted would
// cost nothing in WebAssembly, where a spin's pause is no instruction and the
// compiler folds a round of counting looks into one addition, and a round
// would then be just its clock read.
std::atomic<bool> never_answered{false};

Unanswered wait_unanswered() {
  Unanswered u;
  const auto start = Clock::now();
  detail::spin_until(
      [&] {
        ++u.looks;
        return never_answered.load(std::memory_order_acquire);
      },
      Clock::time_point::max());
  u.spun = Clock::now() - start;
  return u;
}

// Spins run out until the thread stops spinning; returns how many waits that took.
int stop_spinning() {
  int waits = 0;
  while (detail::spin_budget() != Clock::duration::zero()) {
    wait_unanswered();
    ++waits;
  }
  return waits;
}

}  // namespace

TEST_CASE("a thread starts spinning for the full budget and stops after spins run out", "[spin]") {
  on_fresh_thread([] {
    CHECK(detail::spin_budget() == detail::kSpinFor);
    const Unanswered first = wait_unanswered();
    CHECK(first.spun >= detail::kSpinFor);
    CHECK(first.looks > 1);
    // A quarter each time, until under kMinSpin: natively 12.5 -> 3.1 -> 0 us.
    int quarters = 0;
    for (auto b = detail::kSpinFor / 4; b >= detail::kMinSpin; b /= 4) ++quarters;
    CHECK(stop_spinning() == quarters);
    // Not spinning: a wait looks once and goes to sleep.
    CHECK(wait_unanswered().looks == 1);
  });
}

TEST_CASE("a loop thread's spins shrink to kLoopMinSpin and no further", "[spin]") {
  on_fresh_thread([] {
    detail::tls_spin_floor = detail::kLoopMinSpin;  // what EventLoop::run sets
    for (int i = 0; i < 8; ++i) wait_unanswered();
    CHECK(detail::spin_budget() == Clock::duration(detail::kLoopMinSpin));
    // Still spinning, for the floor: more than one look and at least that long.
    const Unanswered u = wait_unanswered();
    CHECK(u.looks > 1);
    CHECK(u.spun >= detail::kLoopMinSpin);
  });
  // A plain thread's floor is zero: its spins stop (the test above).
  on_fresh_thread([] { CHECK(detail::tls_spin_floor == Clock::duration::zero()); });
}

TEST_CASE("a runner's loop thread spins down to kLoopMinSpin, and the calling thread to nothing",
          "[spin]") {
  threaded_async::AsyncRunner runner;
  CHECK(runner.call_in_loop([] { return detail::tls_spin_floor; }) ==
        Clock::duration(detail::kLoopMinSpin));
  CHECK(detail::tls_spin_floor == Clock::duration::zero());
}

TEST_CASE("a thread that stopped spinning probes briefly, and for the full budget now and then",
          "[spin]") {
  on_fresh_thread([] {
    stop_spinning();
    const unsigned waits = detail::kProbeEvery * detail::kLongProbeEvery;
    for (unsigned i = 1; i <= waits; ++i) {
      const Unanswered u = wait_unanswered();
      const bool probe = i % detail::kProbeEvery == 0;
      CHECK((u.looks > 1) == probe);
      if (i == waits) {
        CHECK(u.spun >= detail::kSpinFor);  // the long probe
      } else if (probe) {
        CHECK(u.spun >= detail::kMinSpin);
      }
      // A probe that ran out leaves the thread not spinning.
      CHECK(detail::spin_budget() == Clock::duration::zero());
    }
  });
}

TEST_CASE("a long probe that sees its answer makes the thread spin again", "[spin]") {
  on_fresh_thread([] {
    stop_spinning();
    // Only the long probe's wait gets an answer, and only once it spins (its
    // first look, before spinning, finds nothing): the short probes run out.
    const unsigned long_probe = detail::kProbeEvery * detail::kLongProbeEvery;
    for (unsigned i = 1; i < long_probe; ++i) wait_unanswered();
    CHECK(detail::spin_budget() == Clock::duration::zero());
    int looks = 0;
    const bool answered = detail::spin_until([&] { return ++looks > 1; }, Clock::time_point::max());
    CHECK(answered);
    CHECK(detail::spin_budget() == detail::kSpinFor);
    // And the next wait spins again.
    CHECK(wait_unanswered().looks > 1);
  });
}

TEST_CASE("a thread learns how many looks make a round between two clock reads", "[spin]") {
  on_fresh_thread([] {
    // Looks that cost 300 ns each: 32 of them are far more than a round, so
    // the thread halves its looks per round, down to the least.
    const auto slow_look = [] {
      const auto until = Clock::now() + std::chrono::nanoseconds(300);
      while (Clock::now() < until) {
      }
      return false;
    };
    detail::spin_until(slow_look, Clock::time_point::max());
    CHECK(detail::tls_looks_per_round == detail::kMinLooks);
  });
  on_fresh_thread([] {
    // Looks that cost what a pause costs here: after a full spin a round takes
    // about kRoundFor, or the looks are at a bound.
    const Unanswered u = wait_unanswered();
    const unsigned looks = detail::tls_looks_per_round;
    const double look_ns = std::chrono::duration<double, std::nano>(u.spun).count() / u.looks;
    const double round_ns = look_ns * looks;
    const double target_ns = std::chrono::duration<double, std::nano>(detail::kRoundFor).count();
    INFO("looks per round " << looks << ", a look " << look_ns << " ns");
    CHECK(looks >= detail::kMinLooks);
    CHECK(looks <= detail::kMaxLooks);
    if (looks != detail::kMinLooks && looks != detail::kMaxLooks) {
      CHECK(round_ns > target_ns / 8);
      CHECK(round_ns < target_ns * 8);
    }
  });
}
