// Cookbook 2: using events.
#include <iostream>
#include <optional>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;

std::optional<int> global_var;

int increment_global(ta::Event global_initialized) {  // a handle: the copy is the same event
  global_initialized.as_async_event().wait();         // suspends the task
  return *global_var + 1;
}

int main() {
  ta::AsyncRunner runner;
  ta::Event global_initialized(runner);
  auto task = runner.create_task(increment_global, global_initialized);
  global_var = 10;
  global_initialized.set();
  std::cout << task.wait() << "\n";  // 11
}
