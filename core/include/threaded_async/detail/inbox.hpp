// The loop's cross-thread inbox: a lock-free multi-producer, single-consumer
// queue of intrusive items (D. Vyukov's design). Any thread pushes; only the
// loop thread pops. Pushing never allocates and never blocks.
#pragma once

#include <atomic>

namespace threaded_async::detail {

class EventLoop;

struct InboxItem {
  std::atomic<InboxItem*> inbox_next{nullptr};
  // Runs on the loop thread when the loop takes the item out of its inbox.
  virtual void on_loop(EventLoop& loop) = 0;

 protected:
  ~InboxItem() = default;
};

class Inbox {
 public:
  Inbox() : head_(&stub_), tail_(&stub_) {}
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Any thread.
  void push(InboxItem* item) noexcept {
    item->inbox_next.store(nullptr, std::memory_order_relaxed);
    InboxItem* prev = head_.exchange(item, std::memory_order_seq_cst);
    prev->inbox_next.store(item, std::memory_order_release);
  }

  // Loop thread only. False once any push has begun, even one not finished yet.
  bool empty() const noexcept {
    return tail_ == &stub_ && stub_.inbox_next.load(std::memory_order_acquire) == nullptr &&
           head_.load(std::memory_order_seq_cst) == &stub_;
  }

  // Loop thread only. The oldest item, left in the inbox, or nullptr if none
  // is ready yet. pop() may still return nullptr for it while a later push is
  // mid-way.
  InboxItem* front() const noexcept {
    if (tail_ != &stub_) return tail_;
    return stub_.inbox_next.load(std::memory_order_acquire);
  }

  // Loop thread only. Returns the oldest item, or nullptr if none is ready yet.
  InboxItem* pop() noexcept {
    InboxItem* tail = tail_;
    InboxItem* next = tail->inbox_next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->inbox_next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // a push is mid-way
    push(&stub_);
    next = tail->inbox_next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

 private:
  struct Stub final : InboxItem {
    void on_loop(EventLoop&) override {}
  };
  Stub stub_;
  alignas(64) std::atomic<InboxItem*> head_;
  alignas(64) InboxItem* tail_;
};

}  // namespace threaded_async::detail
