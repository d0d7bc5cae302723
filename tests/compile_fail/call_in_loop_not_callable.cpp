// call_in_loop given a function that needs an argument.
// expect: call_in_loop: fn must be callable with no arguments; bind arguments in a lambda: [x] {
// expect: return f(x); }
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::AsyncRunner& runner) {
  runner.call_in_loop([](int number) { return number; });
}
