// An lvalue of a move-only type given to Future::set_result, which would have to copy it.
// expect: Future<T>::set_result: a T cannot be made from this value; pass a T (for an lvalue of
// expect: a move-only type, std::move(value))
#include <memory>
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::AsyncRunner& runner) {
  threaded_async::Future<std::unique_ptr<int>> future(runner);
  auto value = std::make_unique<int>(1);
  future.set_result(value);
}
