// The portable benchmarks on their own, for the WebAssembly build: run under
// Node (node --no-experimental-fetch threaded_async_bench_wasm.js [--smoke]),
// it prints "name median" lines that threaded_async_bench --wasm reads.
#include <cstdio>
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
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      plan.smoke = true;
      plan.repetitions = 1;
      plan.scale = 0.001;
      plan.warm_up = {};
    }
  }
  try {
    std::printf("queue_pingpong_us %.6f\n", bench::queue_pingpong(plan).median);
    std::printf("task_roundtrip_us %.6f\n", bench::task_roundtrip(plan).median);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "threaded_async_bench_wasm: %s\n", e.what());
    return 1;
  }
  return 0;
}
