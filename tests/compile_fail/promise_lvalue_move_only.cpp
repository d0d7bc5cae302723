// An lvalue of a move-only type given as a request's answer, which would have to copy it.
// expect: Promise::set_result: the answer is an lvalue of a move-only type; pass
// expect: std::move(answer)
#include <memory>
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::Promise& promise) {
  auto answer = std::make_unique<int>(1);
  promise.set_result(answer);
}
