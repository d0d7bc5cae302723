// Helper of stack_overflow_test: a task named "deep-recursion" recurses as deep
// as argv[1] says (the test asks for far more than its fiber stack holds). The
// process must then report that task and abort.
#include <cstdio>
#include <cstdlib>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;

namespace {

// Each call keeps a small frame alive below the next one, so the recursion
// walks down the stack page by page into the guard page.
long recurse(long depth, long limit) {
  if (depth >= limit) return 0;
  volatile char frame[128];
  frame[0] = static_cast<char>(depth);
  return recurse(depth + 1, limit) + frame[0];
}

}  // namespace

int main(int argc, char** argv) {
  const long limit = argc > 1 ? std::atol(argv[1]) : 100;
  ta::RunnerOptions options;
  options.stack_size = 64 * 1024;
  ta::AsyncRunner runner(options);
  auto task =
      runner.create_task(ta::TaskOptions{"deep-recursion"}, [limit] { return recurse(0, limit); });
  std::printf("recursion returned %ld\n", task.wait());
  return 0;
}
