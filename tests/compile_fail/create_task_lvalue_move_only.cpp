// create_task given an lvalue of a move-only type, which it would have to copy.
// expect: create_task: the function or an argument cannot be copied into the task; for an
// expect: lvalue of a move-only type pass std::move(x), to pass a reference std::ref(x)
#include <memory>
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::AsyncRunner& runner) {
  auto p = std::make_unique<int>(1);
  runner.create_task([](std::unique_ptr<int> q) { return *q; }, p);
}
