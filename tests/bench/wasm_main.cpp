// The portable benchmarks on their own, for the WebAssembly build: run under
// Node (node --no-experimental-fetch threaded_async_bench_wasm.js [--smoke]),
// it prints "name median" lines that threaded_async_bench --wasm reads.
#include <cstdio>
#include <cstring>

#include "library_bench.hpp"

int main(int argc, char** argv) {
  bench::Plan plan;
  plan.repetitions = 5;
  plan.scale = 0.1;  // a tenth of the native sizes: Node's runs are slower
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      plan.smoke = true;
      plan.repetitions = 1;
      plan.scale = 0.001;
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
