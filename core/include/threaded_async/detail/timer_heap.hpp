// The loop's timers: a binary min-heap of deadlines. Loop thread only. Each
// timer knows its place in the heap, so it can be taken out early in O(log n)
// (a task woken before its timeout).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

class EventLoop;

struct Timer {
  Clock::time_point deadline;
  std::uint64_t sequence = 0;  // equal deadlines fire in arming order
  std::size_t heap_index = kNotArmed;
  static constexpr std::size_t kNotArmed = static_cast<std::size_t>(-1);
  bool armed() const noexcept { return heap_index != kNotArmed; }
  // Runs on the loop thread when the deadline has passed.
  virtual void fire(EventLoop& loop) = 0;

 protected:
  ~Timer() = default;
};

class TimerHeap {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  Clock::time_point next_deadline() const noexcept {
    return heap_.empty() ? Clock::time_point::max() : heap_.front()->deadline;
  }

  // Makes room for one more timer, so that the next arm() cannot fail. Throws
  // std::bad_alloc, and then nothing has changed.
  void reserve_one() {
    if (heap_.size() == heap_.capacity()) heap_.reserve(heap_.empty() ? 16 : 2 * heap_.size());
  }

  // Throws std::bad_alloc without room (see reserve_one), and then nothing has changed.
  void arm(Timer* timer, Clock::time_point deadline) {
    heap_.push_back(timer);
    timer->deadline = deadline;
    timer->sequence = next_sequence_++;
    timer->heap_index = heap_.size() - 1;
    sift_up(timer->heap_index);
  }

  void disarm(Timer* timer) noexcept {
    if (!timer->armed()) return;
    std::size_t i = timer->heap_index;
    timer->heap_index = Timer::kNotArmed;
    Timer* last = heap_.back();
    heap_.pop_back();
    if (last == timer) return;
    heap_[i] = last;
    last->heap_index = i;
    sift_down(i);
    sift_up(last->heap_index);
  }

  // Removes and returns the earliest timer whose deadline is <= now, or nullptr.
  Timer* pop_expired(Clock::time_point now) noexcept {
    if (heap_.empty() || heap_.front()->deadline > now) return nullptr;
    Timer* timer = heap_.front();
    disarm(timer);
    return timer;
  }

 private:
  static bool before(const Timer* a, const Timer* b) noexcept {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->sequence < b->sequence);
  }
  void place(std::size_t i, Timer* t) noexcept {
    heap_[i] = t;
    t->heap_index = i;
  }
  void sift_up(std::size_t i) noexcept {
    Timer* t = heap_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / 2;
      if (!before(t, heap_[parent])) break;
      place(i, heap_[parent]);
      i = parent;
    }
    place(i, t);
  }
  void sift_down(std::size_t i) noexcept {
    Timer* t = heap_[i];
    const std::size_t n = heap_.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
      if (!before(heap_[child], t)) break;
      place(i, heap_[child]);
      i = child;
    }
    place(i, t);
  }

  std::vector<Timer*> heap_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace threaded_async::detail
