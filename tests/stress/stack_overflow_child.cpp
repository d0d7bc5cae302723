// Helper of stack_overflow_test, in two modes.
//
// `stack_overflow_child DEPTH`: a task named "deep-recursion" recurses DEPTH
// calls deep (the test asks for far more than its fiber stack holds), on a
// stack with a guard page below it. The process must then report that task
// and abort.
//
// `stack_overflow_child canary`: stacks without guard pages (slab stacks). A
// first task holds a slot of the slab; a task named "past-the-bottom" on the
// slot above it recurses to 1 KiB above its stack's lowest byte and writes 4 KiB
// below that (into the first task's slot, which is mapped, so nothing faults),
// then sleeps. Its switch away must find its canary overwritten, report the
// task and abort.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;

namespace {

constexpr std::size_t kStackSize = 64 * 1024;

// Each call keeps a small frame alive below the next one, so the recursion
// walks down the stack page by page into the guard page.
long recurse(long depth, long limit) {
  if (depth >= limit) return 0;
  volatile char frame[128];
  frame[0] = static_cast<char>(depth);
  return recurse(depth + 1, limit) + frame[0];
}

// Recurses until its frame lies `depth` bytes under `start`, then writes 4 KiB
// below it (past the stack's lowest byte, the first word below included) and
// sleeps there. Every byte is written: a sparse overflow could step over the
// canary. The frame's address, not a local's, and alloca: under ASan locals
// may live on its heap of fake frames.
long flood_past_the_bottom(const char* start, std::size_t depth) {
  volatile char frame[64];
  frame[0] = 1;
  const char* here = static_cast<const char*>(__builtin_frame_address(0));
  if (static_cast<std::size_t>(start - here) < depth) {
    return flood_past_the_bottom(start, depth) + frame[0];
  }
  auto* flood = static_cast<volatile char*>(__builtin_alloca(4096));
  for (std::size_t i = 0; i < 4096; ++i) flood[i] = 0x5a;
  ta::sleep(std::chrono::milliseconds(1));
  return frame[0] + flood[0];
}

int overflow_past_the_canary() {
  ta::RunnerOptions options;
  options.stack_size = kStackSize;
  options.guard_pages = false;
  ta::AsyncRunner runner(options);
  ta::Event never(runner);
  auto holder =
      runner.create_task([&never] { never.as_async_event().wait(); });  // the slab's first slot
  auto task = runner.create_task(ta::TaskOptions{"past-the-bottom"}, [] {
    // From a frame near the top of the stack to 1 KiB above its bottom.
    return flood_past_the_bottom(static_cast<const char*>(__builtin_frame_address(0)),
                                 kStackSize - 1024);
  });
  std::printf("the task returned %ld\n", task.wait());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "canary") == 0) return overflow_past_the_canary();
  const long limit = argc > 1 ? std::atol(argv[1]) : 100;
  ta::RunnerOptions options;
  options.stack_size = kStackSize;
  ta::AsyncRunner runner(options);
  auto task =
      runner.create_task(ta::TaskOptions{"deep-recursion"}, [limit] { return recurse(0, limit); });
  std::printf("recursion returned %ld\n", task.wait());
  return 0;
}
