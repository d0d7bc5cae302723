// A small benchmark harness: run a measurement several times, keep the median.
//
// A measurement is a callable that does the work `ops` times and returns the
// elapsed time; the harness turns it into a cost per operation. Benchmarks
// check the values they pass around (BenchError on a wrong one), so a broken
// hand-over fails loudly instead of looking fast.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

// Thrown when a benchmark sees a wrong value.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(bool ok, const std::string& what) {
  if (!ok) throw BenchError("benchmark check failed: " + what);
}

// How long and how often to measure.
struct Plan {
  int repetitions = 7;  // measured runs; the median is reported
  double scale = 1.0;   // multiplies every benchmark's operation count
  bool smoke = false;   // tiny sizes, to check that everything still works
  std::size_t ops(std::size_t full) const {
    const auto n = static_cast<std::size_t>(static_cast<double>(full) * scale);
    return std::max<std::size_t>(n, 1);
  }
};

// One figure: the median of the repetitions, and their spread.
struct Figure {
  double median = 0;
  double min = 0;
  double max = 0;
};

inline Figure summarize(std::vector<double> samples) {
  if (samples.empty()) throw BenchError("no samples");
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  Figure f;
  f.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  f.min = samples.front();
  f.max = samples.back();
  return f;
}

// Runs `timed(ops)` once to warm up, then plan.repetitions times; each run
// returns its elapsed time. Returns the cost of one operation in `Unit`.
template <class Unit>
Figure per_op(const Plan& plan, std::size_t ops,
              const std::function<Clock::duration(std::size_t)>& timed) {
  timed(std::max<std::size_t>(ops / 10, 1));
  std::vector<double> samples;
  for (int r = 0; r < plan.repetitions; ++r) {
    const auto elapsed = timed(ops);
    samples.push_back(std::chrono::duration<double, typename Unit::period>(elapsed).count() /
                      static_cast<double>(ops));
  }
  return summarize(std::move(samples));
}

using Micros = std::chrono::microseconds;
using Nanos = std::chrono::nanoseconds;

}  // namespace bench
