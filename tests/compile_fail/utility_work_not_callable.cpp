// with_timeout given work that needs an argument.
// expect: wait_for_or_cancel, run_or_raise, with_timeout: the work (and the watcher) must be
// expect: callable with no arguments; bind arguments in a lambda: [x] { return f(x); }
#include <chrono>
#include <threaded_async/threaded_async.hpp>

void misuse() {
  threaded_async::with_timeout(std::chrono::seconds(1), [](int number) { return number; });
}
