// An lvalue of a move-only type given to a queue, which would have to copy it.
// expect: Queue: this item is an lvalue of a move-only type; pass std::move(item) (a put that
// expect: times out, is cancelled or is refused leaves it untouched)
#include <memory>
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::AsyncRunner& runner) {
  threaded_async::Queue<std::unique_ptr<int>> queue(runner);
  auto item = std::make_unique<int>(1);
  queue.try_put(item);
}
