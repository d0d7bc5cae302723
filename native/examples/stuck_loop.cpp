// Cookbook 6: stuck event loops.
#include <iostream>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

void hang_forever() {
  ta::sleep(100ms);
  for (volatile bool spin = true; spin;) {
  }  // never suspends
}

int main() {
  ta::AsyncRunner runner;
  try {
    runner.create_task(ta::TaskOptions{"hang_forever"}, hang_forever).wait(1s);
  } catch (const ta::EventLoopTimeoutError&) {
    std::cout << "Event loop was stuck.\n";
  }
  runner.close();  // finds the loop stuck and forces it down
  std::cout << "Runner shutdown type: " << runner.shutdown_type() << "\n";
}
