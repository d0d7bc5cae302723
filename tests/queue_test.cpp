// Queue<T>: maxsize, FIFO, sizes, suspending and blocking ends, every direction,
// and nothing lost or duplicated.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <utility>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// How far the producer's log runs ahead of the consumer's: the largest number
// of 'p' entries minus 'c' entries over all prefixes of `log`.
int largest_lead(const std::string& log) {
  int lead = 0;
  int most = 0;
  for (char c : log) {
    lead += c == 'p' ? 1 : -1;
    most = std::max(most, lead);
  }
  return most;
}

// Producer and consumer tasks on one loop, passing `count` items through a
// queue of `maxsize`; returns the log ('p' after each put, 'c' after each get)
// and the items as the consumer got them.
std::pair<std::string, std::vector<int>> hand_over(std::size_t maxsize, int count) {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner, maxsize);
  auto parent = runner.create_task([queue, count]() mutable {
    std::string log;
    std::vector<int> got;
    auto producer = ta::create_task([&] {
      for (int i = 0; i < count; ++i) {
        queue.put(i);
        log += 'p';
      }
    });
    auto consumer = ta::create_task([&] {
      for (int i = 0; i < count; ++i) {
        got.push_back(queue.get());
        log += 'c';
      }
    });
    producer.result();
    consumer.result();
    return std::pair(log, got);
  });
  return parent.wait();
}

std::vector<int> iota(int count) {
  std::vector<int> v;
  for (int i = 0; i < count; ++i) v.push_back(i);
  return v;
}

// What each consumer got (`got`), from `producers` producers that put items
// producer * per_producer + i for i in [0, per_producer): each consumer saw each
// producer's items in the order they were put, and every item arrived once.
void require_all_once_in_order(const std::vector<std::vector<int>>& got, int producers,
                               int per_producer) {
  std::vector<int> all;
  for (const auto& items : got) {
    std::vector<int> last(static_cast<std::size_t>(producers), -1);
    for (int v : items) {
      REQUIRE(v % per_producer > last[static_cast<std::size_t>(v / per_producer)]);
      last[static_cast<std::size_t>(v / per_producer)] = v % per_producer;
    }
    all.insert(all.end(), items.begin(), items.end());
  }
  std::sort(all.begin(), all.end());
  REQUIRE(all == iota(producers * per_producer));
}

}  // namespace

TEST_CASE("a queue of maxsize 0 is unbounded", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  REQUIRE(queue.maxsize() == 0);
  for (int i = 0; i < 1000; ++i) queue.put_wait(i, 0ms);
  REQUIRE(queue.qsize() == 1000);
  REQUIRE_FALSE(queue.full());
  int extra = 1000;
  REQUIRE(queue.try_put(extra));
}

TEST_CASE("a bounded queue is full at maxsize", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<std::string> queue(runner, 2);
  REQUIRE(queue.maxsize() == 2);
  REQUIRE(queue.empty());
  REQUIRE_FALSE(queue.full());
  std::string a = "a", b = "b", c = "c";
  REQUIRE(queue.try_put(a));
  REQUIRE_FALSE(queue.empty());
  REQUIRE(queue.try_put(b));
  REQUIRE(queue.full());
  REQUIRE(queue.qsize() == 2);
  REQUIRE_FALSE(queue.try_put(c));
  REQUIRE(c == "c");  // a refused item is left untouched
  REQUIRE(queue.try_get() == std::optional<std::string>("a"));
  REQUIRE_FALSE(queue.full());
  REQUIRE(queue.qsize() == 1);
  REQUIRE(queue.try_get() == std::optional<std::string>("b"));
  REQUIRE_FALSE(queue.try_get().has_value());
  REQUIRE(queue.empty());
}

TEST_CASE("items come out in the order they went in", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  for (int i = 0; i < 50; ++i) queue.put_wait(i);
  std::vector<int> got;
  while (!queue.empty()) got.push_back(queue.get_wait());
  REQUIRE(got == iota(50));
}

TEST_CASE("a task's get suspends until a thread puts", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  auto task = runner.create_task([queue]() mutable { return queue.get(); });
  runner.wait_for_next_eventloop_iteration();
  REQUIRE_FALSE(task.done());
  queue.put_wait(5);
  REQUIRE(task.wait() == 5);
  REQUIRE(queue.empty());
}

TEST_CASE("a task's put suspends while the queue is full", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner, 1);
  std::atomic<int> put{0};
  auto task = runner.create_task([queue, &put]() mutable {
    for (int i = 1; i <= 3; ++i) {
      queue.put(i);
      put = i;
    }
  });
  runner.wait_for_next_eventloop_iteration();
  REQUIRE(put == 1);  // the second put waits for room
  REQUIRE(queue.full());
  REQUIRE(queue.get_wait() == 1);
  REQUIRE(queue.get_wait() == 2);
  REQUIRE(queue.get_wait() == 3);
  task.wait();
  REQUIRE(put == 3);
}

TEST_CASE("a thread's get_wait blocks until a task puts", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  runner.create_task([queue]() mutable {
    ta::sleep(20ms);
    queue.put(77);
  });
  REQUIRE(queue.get_wait(10s) == 77);
}

TEST_CASE("a thread's put_wait blocks while the queue is full", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner, 1);
  queue.put_wait(1);
  REQUIRE_THROWS_AS(queue.put_wait(2, 10ms), ta::EventLoopTimeoutError);
  REQUIRE(queue.qsize() == 1);  // the timed-out put left nothing behind
  auto task = runner.create_task([queue]() mutable {
    ta::sleep(20ms);
    return queue.get();
  });
  queue.put_wait(2, 10s);  // returns once the task made room
  REQUIRE(task.wait() == 1);
  REQUIRE(queue.get_wait() == 2);
}

TEST_CASE("threads pass items to each other through the queue", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner, 3);
  constexpr int kCount = 2000;
  std::thread producer([queue]() mutable {
    for (int i = 0; i < kCount; ++i) queue.put_wait(i, 10s);
  });
  std::vector<int> got;
  std::thread consumer([&, queue]() mutable {
    for (int i = 0; i < kCount; ++i) got.push_back(queue.get_wait(10s));
  });
  producer.join();
  consumer.join();
  REQUIRE(got == iota(kCount));
}

TEST_CASE("two tasks hand items over in turn through a queue of maxsize 1", "[queue]") {
  const auto [log, got] = hand_over(1, 100);
  REQUIRE(got == iota(100));
  REQUIRE(log.size() == 200);
  // With room for one item the producer is never more than two puts ahead
  // (one item in the queue, one handed straight to the waiting consumer).
  REQUIRE(largest_lead(log) <= 2);
  // An unbounded queue lets the producer run ahead: the check above can fail.
  const auto [free_log, free_got] = hand_over(0, 100);
  REQUIRE(free_got == iota(100));
  REQUIRE(largest_lead(free_log) == 100);
}

TEST_CASE("items go thread to task to thread and back (the cookbook's example)", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> in_queue(runner), out_queue(runner);
  auto task = runner.create_task(
      [](ta::Queue<int> in, ta::Queue<int> out) {
        while (true) out.put(in.get() + 1);
      },
      in_queue, out_queue);
  std::vector<int> got;
  for (int i = 0; i < 10; ++i) {
    in_queue.put_wait(i);
    got.push_back(out_queue.get_wait());
  }
  REQUIRE(got == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  task.cancel();
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
}

// A task that a thread wakes while the loop has nothing else to do runs on
// without a round trip through the scheduler (EventLoop::wait_in_place): the
// loop's timers, calls from threads and cancellation must still get in.
TEST_CASE("a thread's ping-pong with a task lets timers and calls and cancellation in", "[queue]") {
  const bool timed = GENERATE(false, true);  // the task's get waits for ever, or has a timeout
  ta::AsyncRunner runner;
  ta::Queue<int> in_queue(runner), out_queue(runner);
  auto worker = runner.create_task(
      [timed](ta::Queue<int> in, ta::Queue<int> out) {
        while (true) out.put((timed ? in.get(ta::Timeout(30s)) : in.get()) + 1);
      },
      in_queue, out_queue);
  std::atomic<int> ticks{0};
  auto ticker = runner.create_task([&ticks] {
    while (true) {
      ta::sleep(1ms);
      ++ticks;
    }
  });
  const auto give_up = std::chrono::steady_clock::now() + 60s;  // a hang, not a speed target
  int sent = 0;
  auto round_trip = [&] {
    in_queue.put_wait(sent);
    REQUIRE(out_queue.get_wait() == sent + 1);
    ++sent;
    REQUIRE(std::chrono::steady_clock::now() < give_up);
  };
  while (ticks.load() < 20) round_trip();  // the ticker's timer fires meanwhile
  int calls = 0;
  for (int i = 1; i <= 2000; ++i) {
    round_trip();
    if (i % 500 == 0) runner.call_in_loop([&calls] { ++calls; });
  }
  REQUIRE(calls == 4);
  worker.cancel();
  REQUIRE_THROWS_AS(worker.wait(), ta::CancelledError);
  ticker.cancel();
  REQUIRE_THROWS_AS(ticker.wait(), ta::CancelledError);
}

TEST_CASE("nothing is lost or duplicated with several producers and consumers", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner, 4);
  constexpr int kPerProducer = 500;
  constexpr int kThreadProducers = 2, kTaskProducers = 2;
  constexpr int kThreadConsumers = 2, kTaskConsumers = 2;
  constexpr int kStop = -1;
  auto value = [](int producer, int i) { return producer * kPerProducer + i; };

  std::mutex got_lock;
  std::vector<std::vector<int>> got;  // per consumer, in the order received
  auto record = [&](std::vector<int> items) {
    std::lock_guard<std::mutex> guard(got_lock);
    got.push_back(std::move(items));
  };

  std::vector<ta::BackgroundTask<void>> tasks;
  for (int c = 0; c < kTaskConsumers; ++c) {
    tasks.push_back(runner.create_task([queue, record]() mutable {
      std::vector<int> items;
      for (int v; (v = queue.get()) != kStop;) items.push_back(v);
      record(std::move(items));
    }));
  }
  std::vector<std::thread> threads;
  for (int c = 0; c < kThreadConsumers; ++c) {
    threads.emplace_back([queue, record]() mutable {
      std::vector<int> items;
      for (;;) {
        int v;
        try {
          v = queue.get_wait(1ms);  // short timeouts: waiters keep giving up and coming back
        } catch (const ta::EventLoopTimeoutError&) {
          continue;
        }
        if (v == kStop) break;
        items.push_back(v);
      }
      record(std::move(items));
    });
  }
  std::vector<ta::BackgroundTask<void>> producers;
  for (int p = 0; p < kTaskProducers; ++p) {
    producers.push_back(runner.create_task([queue, p, value]() mutable {
      for (int i = 0; i < kPerProducer; ++i) {
        queue.put(value(p, i));
        if (i % 7 == 0) ta::yield();
      }
    }));
  }
  std::vector<std::thread> thread_producers;
  for (int p = kTaskProducers; p < kTaskProducers + kThreadProducers; ++p) {
    thread_producers.emplace_back([queue, p, value]() mutable {
      for (int i = 0; i < kPerProducer; ++i) queue.put_wait(value(p, i), 10s);
    });
  }
  for (auto& t : producers) t.wait(10s);
  for (auto& t : thread_producers) t.join();
  for (int c = 0; c < kTaskConsumers + kThreadConsumers; ++c) queue.put_wait(kStop, 10s);
  for (auto& t : tasks) t.wait(10s);
  for (auto& t : threads) t.join();

  constexpr int kProducers = kTaskProducers + kThreadProducers;
  require_all_once_in_order(got, kProducers, kPerProducer);
  REQUIRE(queue.empty());
}

// The loop thread wakes the first blocked thread it hands over to and leaves
// the next ones to it (detail/wake_relay.hpp): a wake-up lost there leaves a
// thread asleep with its item handed over. Many threads block in put_wait on a
// full queue, a task forwards (one, so that each producer's items stay in
// order), and threads block in get_wait on the second queue; some waits are short and keep timing
// out, so that threads give up while they are being handed over to. Every wait has a bound: a lost
// wake-up fails the test instead of hanging it.
TEST_CASE("no wake-up is lost with many blocked putters and getters and a task forwarding",
          "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> in(runner, 4), out(runner, 4);
  constexpr int kProducers = 16, kConsumers = 3, kPerProducer = 400;
  constexpr int kStop = -1;
  auto forwarder = runner.create_task([in, out]() mutable {
    for (int v; (v = in.get()) != kStop;) out.put(v);
  });
  // Retries a wait that timed out; gives up (and fails) after 30 s in all.
  auto patiently = [](bool short_waits, auto wait) {
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      try {
        return wait(short_waits ? ta::Timeout(100us) : ta::Timeout(30s));
      } catch (const ta::EventLoopTimeoutError&) {
        if (std::chrono::steady_clock::now() > give_up) throw;
      }
    }
  };
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([in, p, patiently]() mutable {
      for (int i = 0; i < kPerProducer; ++i) {
        patiently(p % 4 == 0, [&](ta::Timeout t) {
          in.put_wait(p * kPerProducer + i, t);
          return 0;
        });
      }
    });
  }
  std::mutex got_lock;
  std::vector<std::vector<int>> got;
  std::atomic<int> remaining{kProducers * kPerProducer};
  std::vector<std::thread> consumers;
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, out, c]() mutable {
      std::vector<int> items;
      while (remaining.fetch_sub(1) > 0) {
        items.push_back(patiently(c == 0, [&](ta::Timeout t) { return out.get_wait(t); }));
      }
      std::lock_guard<std::mutex> guard(got_lock);
      got.push_back(std::move(items));
    });
  }
  for (auto& t : producers) t.join();
  for (auto& t : consumers) t.join();
  in.put_wait(kStop, 10s);
  forwarder.wait(10s);

  require_all_once_in_order(got, kProducers, kPerProducer);
  REQUIRE(in.empty());
  REQUIRE(out.empty());
}

TEST_CASE("a cancelled getter does not take an item", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  auto getter = runner.create_task([queue]() mutable { return queue.get(); });
  runner.wait_for_next_eventloop_iteration();
  getter.cancel();
  REQUIRE_THROWS_AS(getter.wait(), ta::CancelledError);
  queue.put_wait(3);
  REQUIRE(queue.qsize() == 1);
  REQUIRE(queue.get_wait() == 3);
}

TEST_CASE("a cancelled putter does not leave its item behind", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner, 1);
  queue.put_wait(1);
  auto putter = runner.create_task([queue]() mutable { queue.put(2); });
  runner.wait_for_next_eventloop_iteration();
  putter.cancel();
  REQUIRE_THROWS_AS(putter.wait(), ta::CancelledError);
  REQUIRE(queue.get_wait() == 1);
  REQUIRE(queue.empty());
}

TEST_CASE("a queue moves items, so move-only items work", "[queue]") {
  ta::AsyncRunner runner;
  ta::Queue<std::unique_ptr<int>> queue(runner, 1);
  auto task = runner.create_task([queue]() mutable {
    auto p = queue.get();
    *p += 1;
    queue.put(std::move(p));
  });
  queue.put_wait(std::make_unique<int>(41));
  task.wait();
  REQUIRE(*queue.get_wait() == 42);
}

TEST_CASE("copies of a queue are the same queue, and outlive the creator's scope", "[queue]") {
  ta::AsyncRunner runner;
  ta::BackgroundTask<int> consumer;
  {
    ta::Queue<int> local(runner);
    ta::Queue<int> copy = local;
    copy.put_wait(20);
    REQUIRE(local.qsize() == 1);
    consumer = runner.create_task([local]() mutable { return local.get() + local.get(); });
    runner.create_task([copy]() mutable {
      ta::sleep(20ms);
      copy.put(22);
    });
  }
  REQUIRE(consumer.wait(10s) == 42);
}
