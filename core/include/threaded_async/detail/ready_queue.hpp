// The loop's ready queue: what runs next, in FIFO order. Loop thread only,
// intrusive, never allocates.
#pragma once

namespace threaded_async::detail {

class EventLoop;

struct ReadyItem {
  ReadyItem* ready_next = nullptr;
  bool is_task = false;  // a TaskBase: a yielding task may switch to it directly
  // Runs on the loop thread when the item reaches the front of the queue.
  virtual void run(EventLoop& loop) = 0;

 protected:
  ~ReadyItem() = default;
};

class ReadyQueue {
 public:
  bool empty() const noexcept { return head_ == nullptr; }

  void push(ReadyItem* item) noexcept {
    item->ready_next = nullptr;
    if (tail_ == nullptr) {
      head_ = tail_ = item;
    } else {
      tail_->ready_next = item;
      tail_ = item;
    }
  }

  ReadyItem* pop() noexcept {
    ReadyItem* item = head_;
    if (item != nullptr) {
      head_ = item->ready_next;
      if (head_ == nullptr) tail_ = nullptr;
    }
    return item;
  }

  // The last item now queued: a loop iteration runs up to and including it.
  ReadyItem* back() const noexcept { return tail_; }
  // The item pop() would return, or nullptr.
  ReadyItem* front() const noexcept { return head_; }

 private:
  ReadyItem* head_ = nullptr;
  ReadyItem* tail_ = nullptr;
};

}  // namespace threaded_async::detail
