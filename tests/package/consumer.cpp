// A program of a team that uses the library: it runs a task and prints its
// result with the version it was compiled against. tests/package/run.sh builds
// it every way the README shows and checks what it printed.
#include <iostream>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

int answer() {
  ta::sleep(10ms);
  return 42;
}

int main() {
  ta::AsyncRunner runner;
  auto task = runner.create_task(answer);
  std::cout << "threaded_async " << THREADED_ASYNC_VERSION << " (" << THREADED_ASYNC_VERSION_MAJOR
            << '.' << THREADED_ASYNC_VERSION_MINOR << '.' << THREADED_ASYNC_VERSION_PATCH
            << "): " << task.wait() << "\n";
}
