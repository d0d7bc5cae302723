// A task that returns a reference, which would outlive the call.
// expect: create_task: the function returns a reference, but a task's result outlives the call;
// expect: return a value, a pointer, or std::ref(x) (a std::reference_wrapper)
#include <threaded_async/threaded_async.hpp>

int counter = 0;

void misuse(threaded_async::AsyncRunner& runner) {
  runner.create_task([]() -> int& { return counter; });
}
