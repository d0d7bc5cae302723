// call_in_loop given a function that returns a reference.
// expect: call_in_loop: fn returns a reference, which would leave the loop thread; return a
// expect: value, a pointer, or std::ref(x) (a std::reference_wrapper)
#include <threaded_async/threaded_async.hpp>

int counter = 0;

void misuse(threaded_async::AsyncRunner& runner) {
  runner.call_in_loop([]() -> int& { return counter; });
}
