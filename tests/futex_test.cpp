// How threads sleep and are woken: the futex word, the loop's parker, and the
// primitives' lock, which wakes only once it is let go.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <threaded_async/detail/futex.hpp>
#include <threaded_async/detail/parker.hpp>
#include <threaded_async/detail/wait_lock.hpp>
#include <vector>

namespace detail = threaded_async::detail;
using namespace std::chrono_literals;
using threaded_async::Clock;

namespace {

// Long enough that a thread started before it has reached its sleep.
constexpr auto kSettle = 100ms;
// Only there to turn a lost wake-up into a failure instead of a hang.
constexpr auto kHang = 20s;

}  // namespace

TEST_CASE("futex_wait returns at once when the word differs", "[futex]") {
  detail::FutexWord word{1};
  const auto start = Clock::now();
  detail::futex_wait(word, 0, Clock::now() + kHang);
  CHECK(Clock::now() - start < kHang / 2);
}

TEST_CASE("futex_wait returns at its deadline, not before", "[futex]") {
  detail::FutexWord word{0};
  const auto deadline = Clock::now() + 50ms;
  while (Clock::now() < deadline) detail::futex_wait(word, 0, deadline);
  CHECK(Clock::now() >= deadline);
  CHECK(word.load() == 0);
}

TEST_CASE("futex_wake_one wakes a thread sleeping on the word", "[futex]") {
  detail::FutexWord word{0};
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    const auto give_up = Clock::now() + kHang;
    while (word.load() == 0 && Clock::now() < give_up) detail::futex_wait(word, 0, give_up);
    woke = word.load() == 1;
  });
  std::this_thread::sleep_for(kSettle);
  word.store(1);
  detail::futex_wake_one(&word);
  sleeper.join();
  CHECK(woke);
}

TEST_CASE("Parker: a permit given before park_until is kept, and consumed", "[futex]") {
  detail::Parker parker;
  parker.unpark();
  const auto start = Clock::now();
  parker.park_until(Clock::now() + kHang);
  CHECK(Clock::now() - start < kHang / 2);
  // The permit is gone: the next park sleeps until its deadline.
  const auto deadline = Clock::now() + 30ms;
  parker.park_until(deadline);
  CHECK(Clock::now() >= deadline);
}

TEST_CASE("Parker: unpark from another thread wakes a parked thread", "[futex]") {
  detail::Parker parker;
  std::atomic<bool> back{false};
  std::thread loop([&] {
    parker.park_until(Clock::time_point::max());
    back = true;
  });
  std::this_thread::sleep_for(kSettle);
  parker.unpark();
  loop.join();
  CHECK(back);
}

// A thread that sleeps once on a word, without re-checking it: only a wake (or
// the give-up deadline) ends its sleep. Started and settled by the constructor:
// it waits until the thread runs (starting one can take long in WebAssembly on
// a busy machine), then long enough for it to be asleep.
//
// In WebAssembly futex_wait sleeps in slices of 100 ms (wasm/futex_emscripten.cpp),
// and a wake that comes between two slices, the word unchanged, is lost: the
// library's wakers always change the word first, these tests do not. With a
// settle of 100 ms, and the lock held for as long again, the wakes came within
// a millisecond of a slice's end, and in one run of the wasm suite one was lost (the
// sleeper slept on until its give-up deadline). So the wakes come half a slice
// away from the slices' ends.
constexpr auto kOffSlice = 150ms;

struct OneSleep {
  detail::FutexWord word{0};
  std::atomic<bool> running{false};
  std::atomic<bool> woke{false};
  std::thread sleeper{[this] {
    running = true;
    detail::futex_wait(word, 0, Clock::now() + kHang);
    woke = true;
  }};
  OneSleep() {
    while (!running) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(kOffSlice);
  }
  ~OneSleep() {
    if (sleeper.joinable()) {
      detail::futex_wake_one(&word);
      sleeper.join();
    }
  }
  // Waits for the sleeper; true if something woke it well before its deadline.
  bool woken_since(Clock::time_point since) {
    sleeper.join();
    return woke && Clock::now() - since < kHang / 2;
  }
};

TEST_CASE("WaitLock: a wake decided under the lock happens when the lock is let go", "[futex]") {
  detail::WaitLock lock;
  OneSleep one;
  {
    std::lock_guard<detail::WaitLock> guard(lock);
    detail::WaitLock::wake_one(&one.word);
    std::this_thread::sleep_for(kSettle);  // a whole slice: the wake stays off the slices' ends
    CHECK_FALSE(one.woke);                 // still asleep: the wake waits for the unlock
  }
  CHECK(one.woken_since(Clock::now()));
}

TEST_CASE("WaitLock: without a lock held, a wake happens at once", "[futex]") {
  OneSleep one;
  const auto start = Clock::now();
  detail::WaitLock::wake_one(&one.word);
  CHECK(one.woken_since(start));
}

TEST_CASE("WaitLock: a thread that finds it held sleeps and gets it when it is let go", "[futex]") {
  detail::WaitLock lock;
  std::atomic<bool> started{false};
  std::atomic<bool> taken{false};
  lock.lock();
  std::thread waiter([&] {
    started = true;
    lock.lock();  // held for longer than the spin: this thread sleeps on the word
    taken = true;
    lock.unlock();
  });
  while (!started) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(kOffSlice);
  CHECK_FALSE(taken);  // excluded while the lock is held
  CHECK_FALSE(lock.try_lock());
  const auto start = Clock::now();
  lock.unlock();  // wakes the sleeper
  waiter.join();
  CHECK(taken);
  CHECK(Clock::now() - start < kHang / 2);
  CHECK(lock.try_lock());  // let go by the waiter
  lock.unlock();
  CHECK_FALSE(detail::WaitLock::held_by_this_thread());
}

TEST_CASE("WaitLock: threads that contend for it take it one at a time", "[futex]") {
  detail::WaitLock lock;
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  long counter = 0;  // not atomic: only the lock keeps the increments whole
  int inside = 0;
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard<detail::WaitLock> guard(lock);
        if (++inside != 1) ++overlaps;
        ++counter;
        // Now and then held long enough that the others sleep on it.
        if ((i + t) % 2000 == 0) std::this_thread::sleep_for(200us);
        --inside;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(overlaps == 0);
  CHECK(counter == long{kThreads} * kRounds);
}
