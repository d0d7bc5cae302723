// Queue<T>: a FIFO queue between threads and tasks.
//
// Made for one runner; maxsize 0 means unbounded. From a task, get() and put()
// suspend while the queue is empty / full; from a plain thread, get_wait() and
// put_wait() block. Items go straight from a putter to a waiting getter, so
// nothing is lost or duplicated, whatever times out or is cancelled. A cheap
// handle: copies share one queue.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "threaded_async/async_runner.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/waiter.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

// A FIFO queue of T between tasks and threads, bounded by maxsize (0: no
// bound). Tasks use get/put, which suspend only the task; plain threads use
// get_wait/put_wait, which block the thread. Copies share the queue.
template <class T>
class Queue {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && std::is_move_constructible_v<T>,
                "Queue<T>: items are moved in and out, so T must be a movable object type that "
                "is not const; for references use Queue<std::reference_wrapper<T>>, for a "
                "signal without a value use Event");

 public:
  // An empty queue whose waiting tasks run on `runner`; maxsize 0 is unbounded.
  explicit Queue(const AsyncRunner& runner, std::size_t maxsize = 0)
      : state_(std::make_shared<State>(runner.loop(), maxsize)) {}

  // Items are moved in from rvalues and copied in from lvalues, once; they are
  // moved out to the getter. A put that times out, is cancelled or is refused
  // leaves the item untouched in the caller's hands.

  // Inside a task: takes the oldest item, suspending while the queue is empty.
  // Throws EventLoopTimeoutError after `timeout` (default: for ever).
  T get(Timeout timeout = Timeout::forever()) {
    detail::EventLoop::require_task("Queue::get", "Queue::get_wait");
    return take(timeout, "Queue::get");
  }
  // Inside a task: adds an item, suspending while the queue is full.
  void put(T&& item, Timeout timeout = Timeout::forever()) {
    detail::EventLoop::require_task("Queue::put", "Queue::put_wait");
    give(item, timeout, "Queue::put");
  }
  // The same, copying the item in.
  void put(const T& item, Timeout timeout = Timeout::forever()) {
    if constexpr (copyable_items()) put(T(item), timeout);
  }
  // On a plain thread: takes the oldest item, blocking while the queue is empty.
  // Throws EventLoopTimeoutError after `timeout`. Not on the runner's loop thread.
  T get_wait(Timeout timeout = {}) {
    state_->loop->check_thread_side("Queue::get_wait", "Queue::get");
    return take(state_->loop->resolve(timeout), "Queue::get_wait");
  }
  // On a plain thread: adds an item, blocking while the queue is full.
  void put_wait(T&& item, Timeout timeout = {}) {
    state_->loop->check_thread_side("Queue::put_wait", "Queue::put");
    give(item, state_->loop->resolve(timeout), "Queue::put_wait");
  }
  // The same, copying the item in.
  void put_wait(const T& item, Timeout timeout = {}) {
    if constexpr (copyable_items()) put_wait(T(item), timeout);
  }
  // Anywhere; never blocks. The item, or nothing if the queue is empty.
  std::optional<T> try_get() {
    state_->loop->check_running("Queue::try_get");
    std::lock_guard<detail::WaitLock> guard(state_->lock);
    std::optional<T> item;
    if (!state_->items.empty()) {
      admit_putter_locked();
      item.emplace(std::move(state_->items.front()));
      state_->items.pop_front();
    }
    return item;
  }
  // Anywhere; never blocks. False (and the item untouched) if the queue is full.
  bool try_put(T&& item) { return try_push(std::move(item)); }
  // The same; an lvalue item is copied only if it is taken.
  bool try_put(const T& item) {
    if constexpr (copyable_items()) {
      return try_push(item);
    } else {
      return false;
    }
  }

  // True if no item is queued now. Never blocks (for long: it takes the queue's lock).
  bool empty() const { return qsize() == 0; }
  // True if a bounded queue holds maxsize items now. Never blocks.
  bool full() const {
    std::lock_guard<detail::WaitLock> guard(state_->lock);
    return state_->maxsize != 0 && state_->items.size() >= state_->maxsize;
  }
  // The number of items queued now. Never blocks.
  std::size_t qsize() const {
    std::lock_guard<detail::WaitLock> guard(state_->lock);
    return state_->items.size();
  }
  // The bound given at construction (0: none).
  std::size_t maxsize() const noexcept { return state_->maxsize; }

 private:
  struct State {
    State(std::shared_ptr<detail::EventLoop> l, std::size_t m) : loop(std::move(l)), maxsize(m) {}
    // What every hand-over touches first, on a cache line of its own.
    alignas(64) mutable detail::WaitLock lock;
    detail::WaitList getters;  // waiting while empty; their slot is a std::optional<T>
    detail::WaitList putters;  // waiting while full; their slot is their T
    std::deque<T> items;
    std::shared_ptr<detail::EventLoop> loop;
    std::size_t maxsize;
  };

  // True if lvalue items can be copied in; otherwise a static_assert says to move them.
  static constexpr bool copyable_items() {
    static_assert(std::is_copy_constructible_v<T>,
                  "Queue: this item is an lvalue of a move-only type; pass std::move(item) (a "
                  "put that times out, is cancelled or is refused leaves it untouched)");
    return std::is_copy_constructible_v<T>;
  }

  // admit_putter_locked, pop_locked and push_locked are always inlined into
  // take and give: they may throw (std::bad_alloc, T's constructors), and in
  // WebAssembly a call that may throw, made while the caller's lock guard is
  // alive, goes out through a JavaScript invoke_ trampoline and back, which
  // cost more than the rest of the hand-over (docs/performance.md, "Fewer
  // calls out to JavaScript").

  // Lets the oldest waiting putter's item in behind the others, before the
  // caller takes the front one out. Lock held. If the queue has no memory for
  // it, this throws std::bad_alloc and nothing has changed (the putter waits on).
  [[gnu::always_inline]] void admit_putter_locked() {
    State& s = *state_;
    if (detail::Waiter* putter = s.putters.claim_front()) {
      try {
        s.items.push_back(std::move(*static_cast<T*>(putter->slot)));
      } catch (...) {
        s.putters.unclaim_front(putter);
        throw;
      }
      putter->wake();
    }
  }

  // Takes the front item out and lets the oldest waiting putter in. Lock held.
  [[gnu::always_inline]] T pop_locked() {
    admit_putter_locked();
    T item(std::move(state_->items.front()));
    state_->items.pop_front();
    return item;
  }

  // Gives the item (T&& to move it, const T& to copy it) to a waiting getter
  // or stores it; false, the item untouched, if full. Lock held.
  template <class U>
  [[gnu::always_inline]] bool push_locked(U&& item) {
    State& s = *state_;
    if (detail::Waiter* getter = s.getters.claim_front()) {
      try {
        static_cast<std::optional<T>*>(getter->slot)->emplace(std::forward<U>(item));
      } catch (...) {  // a copy that failed: the getter waits on, the item is untouched
        s.getters.unclaim_front(getter);
        throw;
      }
      getter->wake();
      return true;
    }
    if (s.maxsize != 0 && s.items.size() >= s.maxsize) return false;
    s.items.push_back(std::forward<U>(item));
    return true;
  }

  template <class U>
  bool try_push(U&& item) {
    state_->loop->check_running("Queue::try_put");
    std::lock_guard<detail::WaitLock> guard(state_->lock);
    return push_locked(std::forward<U>(item));
  }

  T take(Timeout timeout, const char* what) {
    State& s = *state_;
    s.loop->check_running(what);
    std::unique_lock<detail::WaitLock> lock(s.lock);
    if (!s.items.empty()) return pop_locked();
    std::optional<T> slot;
    detail::Waiter waiter;
    waiter.slot = &slot;
    finish_wait(s.loop->wait(lock, s.getters, waiter, timeout.deadline()), timeout, what);
    return std::move(*slot);
  }

  // Moves the item in, or leaves it untouched if the wait times out or is cancelled.
  void give(T& item, Timeout timeout, const char* what) {
    State& s = *state_;
    s.loop->check_running(what);
    std::unique_lock<detail::WaitLock> lock(s.lock);
    if (push_locked(std::move(item))) return;
    detail::Waiter waiter;
    waiter.slot = &item;
    finish_wait(s.loop->wait(lock, s.putters, waiter, timeout.deadline()), timeout, what);
  }

  // Inline, calling out only to throw (see EventLoop::check_running).
  static void finish_wait(detail::WaitStatus status, Timeout timeout, const char* what) {
    if (status != detail::WaitStatus::kNotified) [[unlikely]]
      refuse_wait(status, timeout, what);
  }
  static void refuse_wait(detail::WaitStatus status, Timeout timeout, const char* what) {
    if (status == detail::WaitStatus::kTimedOut) {
      throw EventLoopTimeoutError(std::string(what) + " timed out after " + timeout.describe());
    }
    if (status == detail::WaitStatus::kCancelled) throw CancelledError();
  }

  std::shared_ptr<State> state_;
};

}  // namespace threaded_async
