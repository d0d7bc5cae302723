// Cookbook 3: using queues.
#include <iostream>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;

void increment_worker(ta::Queue<int> in_queue, ta::Queue<int> out_queue) {
  while (true) out_queue.put(in_queue.get() + 1);  // get and put suspend the task
}

int main() {
  ta::AsyncRunner runner;
  ta::Queue<int> in_queue(runner), out_queue(runner);
  auto task = runner.create_task(increment_worker, in_queue, out_queue);
  for (int i = 0; i < 10; ++i) {
    in_queue.put_wait(i);                       // blocks this thread
    std::cout << out_queue.get_wait() << "\n";  // 1 ... 10
  }
  task.cancel();  // tasks are also cancelled when the runner's scope ends
}
