// Timeout: how long a blocking call may wait.
//
// Every blocking call takes a Timeout. It is one of three things:
//   - a duration ("this long"): any std::chrono duration converts to it,
//   - Timeout::forever() ("wait for ever"),
//   - Timeout::runner_default() ("the runner's default", its call_in_loop_timeout),
//     which is what a call gets when it is given nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace threaded_async {

// The clock of every timeout and deadline.
using Clock = std::chrono::steady_clock;

// How long a blocking call may wait (see the file comment).
class Timeout {
 public:
  // Which of the three a timeout is.
  enum class Kind { kDuration, kForever, kRunnerDefault };

  // The runner's default.
  constexpr Timeout() noexcept : kind_(Kind::kRunnerDefault) {}

  // "This long". Negative durations count as zero; durations longer than the
  // clock can count (e.g. std::chrono::hours::max()) as the longest it can.
  template <class Rep, class Period>
  constexpr Timeout(std::chrono::duration<Rep, Period> d) noexcept  // NOLINT: implicit on purpose
      : kind_(Kind::kDuration),
        duration_(d.count() < 0 ? Clock::duration::zero()
                  : std::chrono::duration<double>(d) >=
                          std::chrono::duration<double>(Clock::duration::max())
                      ? Clock::duration::max()
                      : std::chrono::ceil<Clock::duration>(d)) {}

  // "Wait for ever".
  static constexpr Timeout forever() noexcept { return Timeout(Kind::kForever); }
  // "The runner's default", as Timeout{}.
  static constexpr Timeout runner_default() noexcept { return Timeout(Kind::kRunnerDefault); }

  // Which of the three this is.
  constexpr Kind kind() const noexcept { return kind_; }
  // kind() == Kind::kForever.
  constexpr bool is_forever() const noexcept { return kind_ == Kind::kForever; }
  // kind() == Kind::kRunnerDefault.
  constexpr bool is_runner_default() const noexcept { return kind_ == Kind::kRunnerDefault; }
  // The duration; only meaningful when kind() == Kind::kDuration.
  constexpr Clock::duration duration() const noexcept { return duration_; }

  // This timeout with "the runner's default" replaced by `fallback`.
  constexpr Timeout or_default(Timeout fallback) const noexcept {
    return is_runner_default() ? fallback : *this;
  }

  // The absolute deadline, counted from now; Clock::time_point::max() for ever,
  // without reading the clock (in WebAssembly a read costs about as much as a
  // hand-over between threads). A runner default that was not resolved counts
  // as for ever.
  Clock::time_point deadline() const noexcept {
    return kind_ == Kind::kDuration ? deadline(Clock::now()) : Clock::time_point::max();
  }
  // The same, counted from `now`.
  Clock::time_point deadline(Clock::time_point now) const noexcept {
    if (kind_ != Kind::kDuration) return Clock::time_point::max();
    if (duration_ > Clock::time_point::max() - now) return Clock::time_point::max();
    return now + duration_;
  }

  // "1.000 s", "for ever", "the runner's default".
  std::string describe() const;

 private:
  constexpr explicit Timeout(Kind k) noexcept : kind_(k) {}
  Kind kind_;
  Clock::duration duration_{};
};

// Shorthand for Timeout::forever().
inline constexpr Timeout forever = Timeout::forever();

}  // namespace threaded_async
