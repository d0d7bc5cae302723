// The browser bundle's demo (make wasm-size measures it; docs/wasm.md shows
// how a page loads it). main() runs on a pthread (-sPROXY_TO_PTHREAD), where
// it may block: a runner, a task, an event and two queues, as in the cookbook.
// ta_demo_block_here() is exported for the page to call on the browser's main
// thread, where blocking is refused with a clear error.
#include <emscripten/emscripten.h>

#include <cstdio>
#include <exception>
#include <string>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

int add_one_later(int n) {
  ta::sleep(10ms);
  return n + 1;
}

void increment_worker(ta::Queue<int> in_queue, ta::Queue<int> out_queue) {
  while (true) out_queue.put(in_queue.get() + 1);
}

}  // namespace

// Tries to construct a runner on the calling thread; returns "ok" or the
// error's message (a string the caller must not free).
extern "C" EMSCRIPTEN_KEEPALIVE const char* ta_demo_block_here() {
  static std::string result;
  try {
    ta::AsyncRunner runner;
    result = "ok: " + std::to_string(runner.create_task(add_one_later, 1).wait());
  } catch (const std::exception& e) {
    result = e.what();
  }
  return result.c_str();
}

int main() {
  ta::AsyncRunner runner;
  std::printf("task: %d\n", runner.create_task(add_one_later, 9).wait());

  ta::Event ready(runner);
  auto waiter = runner.create_task([ready] {
    ready.as_async_event().wait();
    return 11;
  });
  ready.set();
  std::printf("event: %d\n", waiter.wait());

  ta::Queue<int> in_queue(runner), out_queue(runner);
  auto worker = runner.create_task(increment_worker, in_queue, out_queue);
  int sum = 0;
  for (int i = 0; i < 10; ++i) {
    in_queue.put_wait(i);
    sum += out_queue.get_wait();
  }
  worker.cancel();
  std::printf("queues: %d\n", sum);
  return 0;
}
