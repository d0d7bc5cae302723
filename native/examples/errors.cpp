// Cookbook 5: error handling.
#include <iostream>
#include <stdexcept>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;

void raises_error() { throw std::invalid_argument("This is an error"); }

int main() {
  try {
    ta::AsyncRunner runner;
    for (int i = 0; i < 3; ++i) runner.create_task(raises_error);
  } catch (const ta::ExceptionGroup& e) {  // thrown when the scope ends
    std::cout << "Got the following exceptions: " << e.describe() << "\n";
  }
}
