// The portable benchmarks on their own, for the WebAssembly build: run under
// Node (node --no-experimental-fetch threaded_async_bench_wasm.js [--smoke]),
// it prints "name median" lines that threaded_async_bench --wasm reads.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "library_bench.hpp"

int main(int argc, char** argv) {
  bench::Plan plan;
  plan.repetitions = 9;
  plan.scale = 0.1;  // a tenth of the native sizes: Node's runs are slower
  // V8 runs a module's code first as baseline code (Liftoff) and compiles its
  // hot functions again, optimized, on background threads. Until that is done
  // a ping-pong took 10 to 26 us here instead of 1 to 2, under Node and in
  // Chromium alike, for about the first second (docs/performance.md, "Warmed
  // up before they are measured"): with only a tenth of a repetition to warm
  // up, the median of five took some of those in, and the runs differed by up
  // to 4x. So each benchmark warms up for 2 s before it is measured.
  plan.warm_up = std::chrono::seconds(2);
  bool pingpong_only = false;
  double beside_floor_seconds = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      plan.smoke = true;
      plan.repetitions = 1;
      plan.scale = 0.001;
      plan.warm_up = {};
    } else if (std::strcmp(argv[i], "--pingpong-only") == 0) {
      // A known number of round trips and nothing else, for counting what one
      // costs (tests/bench/js_calls.py): a warm-up of a tenth, then 9 runs.
      pingpong_only = true;
      plan.warm_up = {};
    } else if (std::strcmp(argv[i], "--beside-floor") == 0 && i + 1 < argc) {
      // Windows of the atomics floor and of the ping-pong in turn, one
      // "floor_us pingpong_us" line each (library_bench.hpp).
      beside_floor_seconds = std::atof(argv[++i]);
    }
  }
  try {
    if (beside_floor_seconds > 0) {
      bench::print_pingpong_beside_floor(beside_floor_seconds);
      return 0;
    }
    if (pingpong_only) {
      const double us = bench::queue_pingpong(plan).median;
      const std::size_t ops = plan.ops(200000);
      std::printf("queue_pingpong_us %.6f\nround_trips %zu\n", us, plan.total_ops(ops));
      return 0;
    }
    std::printf("queue_pingpong_us %.6f\n", bench::queue_pingpong(plan).median);
    std::printf("task_roundtrip_us %.6f\n", bench::task_roundtrip(plan).median);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "threaded_async_bench_wasm: %s\n", e.what());
    return 1;
  }
  return 0;
}
