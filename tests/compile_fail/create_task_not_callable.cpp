// create_task given arguments the function cannot take.
// expect: create_task: the function cannot be called with these arguments; it gets each as an
// expect: rvalue of its decayed type (as with std::thread): check their number and types, and
// expect: pass std::ref(arg) for a non-const reference parameter
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::AsyncRunner& runner) {
  runner.create_task([](int number) { return number; }, "not a number");
}
