// Brief spinning before a thread goes to sleep: most hand-overs between a
// thread and the loop complete within a few microseconds, and spinning for them
// costs far less than a sleep and a wake-up.
//
// Spinning only pays while the other side is running on another core. When the
// cores are oversubscribed, the other side is often descheduled and a spinner
// only burns the time it needs, so each thread learns how long its spins should
// be: a spin that ends in time doubles the next budget (up to kSpinFor, the
// target's: detail/futex.hpp), a spin that runs out quarters it, and below
// kMinSpin the thread stops spinning, except for one probe spin of kMinSpin
// every kProbeEvery waits, so that it learns when spinning pays again. A short
// probe succeeds only while the other side spins too: when both sides have
// stopped spinning (after a slow start, say), every hand-over waits for a
// wake-up and no short probe can see an answer in time. So every
// kLongProbeEvery-th probe spins for the full kSpinFor, long enough to see the
// other side wake and answer.
#pragma once

#include <algorithm>
#include <chrono>

#include "threaded_async/detail/clock.hpp"
#include "threaded_async/detail/futex.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// The shortest a waiter spins before it sleeps (the longest is kSpinFor).
inline constexpr std::chrono::microseconds kMinSpin{2};
inline constexpr unsigned kProbeEvery = 32;
inline constexpr unsigned kLongProbeEvery = 32;
// The shortest a loop thread's spin gets however often its spins run out
// (tls_spin_floor): the loop is the hub of every hand-over, and each time it
// sleeps, whoever hands it work next pays a wake-up system call and waits for
// the loop to be scheduled again. A plain thread's spins may shrink to
// nothing, since its spinning takes the core from the threads it waits for;
// the loop's takes it only from threads that share its core, and for at most
// this long (docs/performance.md, "The loop's spin floor").
inline constexpr std::chrono::microseconds kLoopMinSpin{10};

// A spin reads the clock once a round of looks, and each thread learns how
// many looks make a round of about kRoundFor: natively a look pauses and a
// round of 32 takes about that, in WebAssembly a look costs a few nanoseconds
// (no pause instruction) and a clock read (a call out to JavaScript,
// detail/clock.hpp) costs far more, so a fixed 32 looks spent more on the
// clock than on the looks. Within [kMinLooks, kMaxLooks].
inline constexpr std::chrono::nanoseconds kRoundFor{1000};
inline constexpr unsigned kMinLooks = 16;
inline constexpr unsigned kMaxLooks = 4096;

// This thread's current spin budget (zero: it does not spin; max(): it has not
// waited yet, the full kSpinFor), its waits since the last probe, its probes
// since the last long one, and its looks per round.
inline thread_local Clock::duration tls_spin_budget = Clock::duration::max();
inline thread_local unsigned tls_waits_since_probe = 0;
inline thread_local unsigned tls_probes_since_long = 0;
inline thread_local unsigned tls_looks_per_round = 32;
// The least this thread's spin budget shrinks to: zero, or kLoopMinSpin on a
// loop thread (EventLoop::run).
inline thread_local Clock::duration tls_spin_floor = Clock::duration::zero();

// How long this thread's next spin may last, unless it is a probe.
inline Clock::duration spin_budget() noexcept { return std::min(tls_spin_budget, kSpinFor); }

// Spins until `done()` is true, this thread's spin budget has passed, or
// `deadline` is reached. Returns done().
template <class Done>
bool spin_until(Done&& done, Clock::time_point deadline) {
  if (done()) return true;
  Clock::duration budget = spin_budget();
  const bool probe = budget == Clock::duration::zero();
  if (probe) {
    if (++tls_waits_since_probe < kProbeEvery) return false;
    tls_waits_since_probe = 0;
    if (++tls_probes_since_long < kLongProbeEvery) {
      budget = kMinSpin;
    } else {
      tls_probes_since_long = 0;
      budget = kSpinFor;
    }
  }
  // The clock is first read after the first round of looks: most hand-overs
  // come sooner, and in WebAssembly a read costs about as much as a hand-over.
  Clock::time_point budget_end = Clock::time_point::max();
  Clock::time_point stop = Clock::time_point::max();
  Clock::time_point last_read{};
  for (;;) {
    const unsigned looks = tls_looks_per_round;
    for (unsigned i = 0; i < looks; ++i) {
      cpu_relax();
      if (done()) {
        tls_spin_budget = std::min<Clock::duration>(budget * 2, kSpinFor);
        return true;
      }
    }
    const auto now = clock_now();
    if (budget_end == Clock::time_point::max()) {
      budget_end = now + budget;
      stop = std::min(deadline, budget_end);
    } else {  // a whole round lies between this read and the last
      const auto round = now - last_read;
      if (round < kRoundFor / 2 && looks < kMaxLooks) {
        tls_looks_per_round = looks * 2;
      } else if (round > kRoundFor * 2 && looks > kMinLooks) {
        tls_looks_per_round = looks / 2;
      }
    }
    last_read = now;
    if (now >= stop) {
      if (now >= budget_end) {
        // A probe that ran out leaves the thread not spinning.
        tls_spin_budget = probe || budget / 4 < kMinSpin ? Clock::duration::zero() : budget / 4;
        tls_spin_budget = std::max(tls_spin_budget, tls_spin_floor);
      }
      return done();
    }
  }
}

}  // namespace threaded_async::detail
