// Cookbook 1: deploying async code in the background.
#include <iostream>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

int foo() {
  ta::sleep(100ms);  // suspends this task's fiber; the loop runs on
  return 10;
}

int main() {
  ta::AsyncRunner runner;                          // the loop thread is running
  auto background_task = runner.create_task(foo);  // ta::BackgroundTask<int>
  std::cout << background_task.wait() << "\n";     // blocks this thread: 10
}  // leaving the scope = leaving the seed's `with`
