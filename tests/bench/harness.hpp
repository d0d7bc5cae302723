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
#include <thread>
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
  // per_op's warm-up runs go on at least this long (the WebAssembly build's: wasm_main.cpp).
  Clock::duration warm_up{};
  std::size_t ops(std::size_t full) const {
    const auto n = static_cast<std::size_t>(static_cast<double>(full) * scale);
    return std::max<std::size_t>(n, 1);
  }
  // The operations of per_op's one warm-up run on `ops` (a tenth).
  static std::size_t warm_up_ops(std::size_t ops) { return std::max<std::size_t>(ops / 10, 1); }
  // All that per_op runs on `ops` without a timed warm-up (warm_up zero):
  // the warm-up run, then the repetitions.
  std::size_t total_ops(std::size_t ops) const {
    return warm_up_ops(ops) + static_cast<std::size_t>(repetitions) * ops;
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

// Runs `timed` on a tenth of `ops` to warm up (again until plan.warm_up has
// passed), then on `ops` plan.repetitions times; each run returns its elapsed
// time. Returns the cost of one operation in `Unit`. With `first_run`, one
// more run on `ops` comes right after the warm-up, before the repetitions and
// not among them, and its cost of one operation is stored there: the run that
// meets the memory the process has not used yet (a page fault per 4 KiB).
template <class Unit>
Figure per_op(const Plan& plan, std::size_t ops,
              const std::function<Clock::duration(std::size_t)>& timed,
              double* first_run = nullptr) {
  const auto per_op_of = [ops](Clock::duration elapsed) {
    return std::chrono::duration<double, typename Unit::period>(elapsed).count() /
           static_cast<double>(ops);
  };
  const auto warm_until = Clock::now() + plan.warm_up;
  do {
    timed(Plan::warm_up_ops(ops));
  } while (Clock::now() < warm_until);
  if (first_run != nullptr) *first_run = per_op_of(timed(ops));
  std::vector<double> samples;
  for (int r = 0; r < plan.repetitions; ++r) samples.push_back(per_op_of(timed(ops)));
  return summarize(std::move(samples));
}

// The ping-pong benchmarks: `count` round trips, each sending a number
// through `ask` (long -> long, the answer) and checking that the answer is the
// number plus one (`what` says so when it is not). Returns the elapsed time.
template <class Ask>
Clock::duration pingpong_round_trips(std::size_t count, Ask ask, const char* what) {
  const auto start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    const long sent = static_cast<long>(i);
    check(ask(sent) == sent + 1, what);
  }
  return Clock::now() - start;
}

// The contention benchmarks: `producers` threads push `ops / producers` numbers
// each through `put`, the calling thread takes them all through `get` and
// checks that each arrived once. Returns the elapsed time.
template <class Put, class Get>
Clock::duration contend(int producers, std::size_t ops, Put put, Get get) {
  const std::size_t per = std::max<std::size_t>(ops / static_cast<std::size_t>(producers), 1);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&put, p, per] {
      for (std::size_t i = 0; i < per; ++i) put(static_cast<long>(p * per + i));
    });
  }
  const std::size_t total = per * static_cast<std::size_t>(producers);
  long sum = 0;
  for (std::size_t i = 0; i < total; ++i) sum += get();
  const auto elapsed = Clock::now() - start;
  for (auto& t : threads) t.join();
  const auto n = static_cast<long>(total);
  check(sum == n * (n - 1) / 2, "every item arrived once");
  return elapsed;
}

// How many items a contention run moves: 100,000 at full size, a multiple of `producers`.
inline std::size_t contention_ops(const Plan& plan, int producers) {
  const auto p = static_cast<std::size_t>(producers);
  return std::max<std::size_t>(plan.ops(100000) / p, 1) * p;
}

// A rate from the cost of one operation in nanoseconds: the fastest cost is the highest rate.
inline Figure per_second(const Figure& cost_ns) {
  return Figure{1e9 / cost_ns.median, 1e9 / cost_ns.max, 1e9 / cost_ns.min};
}

using Micros = std::chrono::microseconds;
using Nanos = std::chrono::nanoseconds;

}  // namespace bench
