// Many producers and consumers on one queue, threads and tasks on either side:
// every item arrives exactly once, and each consumer sees each producer's
// items in the order they were put.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "stress.hpp"

namespace ta = threaded_async;

namespace {

enum class Side { kThreads, kTasks };

constexpr std::uint64_t kStop = ~std::uint64_t{0};
constexpr int kSeqBits = 40;

std::uint64_t encode(int producer, std::uint64_t seq) {
  return (static_cast<std::uint64_t>(producer) << kSeqBits) | seq;
}
int producer_of(std::uint64_t item) { return static_cast<int>(item >> kSeqBits); }
std::uint64_t seq_of(std::uint64_t item) { return item & ((std::uint64_t{1} << kSeqBits) - 1); }

// What one consumer took, in the order it took it.
using Taken = std::vector<std::uint64_t>;

template <class Pop>
Taken drain(Pop pop) {
  Taken taken;
  for (std::uint64_t item = pop(); item != kStop; item = pop()) taken.push_back(item);
  return taken;
}

// Empty if `takens` hold each of `per_producer` items of every producer exactly
// once, each consumer's share of a producer in increasing order; else the first problem.
std::string check(const std::vector<Taken>& takens, int producers, std::uint64_t per_producer) {
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(producers) * per_producer, 0);
  for (std::size_t c = 0; c < takens.size(); ++c) {
    std::vector<std::uint64_t> next(static_cast<std::size_t>(producers), 0);
    for (std::uint64_t item : takens[c]) {
      const int p = producer_of(item);
      const std::uint64_t seq = seq_of(item);
      if (p >= producers || seq >= per_producer)
        return "consumer got a foreign item " + std::to_string(item);
      if (seq < next[static_cast<std::size_t>(p)]) {
        return "consumer " + std::to_string(c) + " got item " + std::to_string(seq) +
               " of producer " + std::to_string(p) + " after a later one";
      }
      next[static_cast<std::size_t>(p)] = seq + 1;
      auto& mark = seen[static_cast<std::size_t>(p) * per_producer + seq];
      if (mark++ != 0) {
        return "item " + std::to_string(seq) + " of producer " + std::to_string(p) +
               " arrived twice";
      }
    }
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] == 0) {
      return "item " + std::to_string(i % per_producer) + " of producer " +
             std::to_string(i / per_producer) + " was lost";
    }
  }
  return {};
}

// Moves `total` items from kThreads producers to kThreads consumers through one
// queue of `maxsize`, then checks what arrived.
void exchange(Side producer_side, Side consumer_side, std::size_t maxsize, std::size_t total) {
  const int producers = stress::kThreads;
  const int consumers = stress::kThreads;
  const std::uint64_t per_producer = total / producers;
  ta::AsyncRunner runner(stress::runner_options("queue-stress"));
  ta::Queue<std::uint64_t> queue(runner, maxsize);

  std::vector<Taken> takens(consumers);
  std::vector<std::thread> consumer_threads;
  std::vector<ta::BackgroundTask<Taken>> consumer_tasks;
  for (int c = 0; c < consumers; ++c) {
    if (consumer_side == Side::kThreads) {
      consumer_threads.emplace_back(
          [&queue, &taken = takens[c]] { taken = drain([&] { return queue.get_wait(); }); });
    } else {
      consumer_tasks.push_back(
          runner.create_task(ta::TaskOptions{"consumer-" + std::to_string(c)},
                             [queue]() mutable { return drain([&] { return queue.get(); }); }));
    }
  }

  std::vector<std::thread> producer_threads;
  std::vector<ta::BackgroundTask<void>> producer_tasks;
  for (int p = 0; p < producers; ++p) {
    if (producer_side == Side::kThreads) {
      producer_threads.emplace_back([&queue, p, per_producer] {
        for (std::uint64_t seq = 0; seq < per_producer; ++seq) queue.put_wait(encode(p, seq));
      });
    } else {
      producer_tasks.push_back(runner.create_task(
          ta::TaskOptions{"producer-" + std::to_string(p)}, [queue, p, per_producer]() mutable {
            for (std::uint64_t seq = 0; seq < per_producer; ++seq) queue.put(encode(p, seq));
          }));
    }
  }
  for (auto& t : producer_threads) t.join();
  for (auto& t : producer_tasks) t.wait();
  for (int c = 0; c < consumers; ++c) queue.put_wait(kStop);
  for (auto& t : consumer_threads) t.join();
  for (std::size_t c = 0; c < consumer_tasks.size(); ++c) takens[c] = consumer_tasks[c].wait();

  REQUIRE(check(takens, producers, per_producer) == "");
  REQUIRE(queue.empty());
  runner.close();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
}

}  // namespace

TEST_CASE("threads put into one queue drained by tasks", "[stress][queue]") {
  exchange(Side::kThreads, Side::kTasks, 0, stress::items());
}

TEST_CASE("tasks put into one queue drained by threads", "[stress][queue]") {
  exchange(Side::kTasks, Side::kThreads, 0, stress::items());
}

TEST_CASE("threads hand items to threads through the runner", "[stress][queue]") {
  exchange(Side::kThreads, Side::kThreads, 0, stress::items());
}

TEST_CASE("maxsize 1: threads hand items to tasks under contention", "[stress][queue]") {
  exchange(Side::kThreads, Side::kTasks, 1, stress::handover_items());
}

TEST_CASE("maxsize 1: tasks hand items to threads under contention", "[stress][queue]") {
  exchange(Side::kTasks, Side::kThreads, 1, stress::handover_items());
}

TEST_CASE("maxsize 1: threads hand items to threads under contention", "[stress][queue]") {
  exchange(Side::kThreads, Side::kThreads, 1, stress::handover_items());
}

TEST_CASE("maxsize 1: tasks hand items to tasks in turn", "[stress][queue]") {
  exchange(Side::kTasks, Side::kTasks, 1, stress::handover_items());
}

TEST_CASE("the checker itself finds a lost, a doubled and a reordered item", "[stress][queue]") {
  const std::vector<Taken> good{{encode(0, 0), encode(1, 0)}, {encode(0, 1), encode(1, 1)}};
  REQUIRE(check(good, 2, 2) == "");
  const std::vector<Taken> lost{{encode(0, 0), encode(1, 0)}, {encode(0, 1)}};
  REQUIRE(check(lost, 2, 2).find("lost") != std::string::npos);
  const std::vector<Taken> doubled{{encode(0, 0), encode(0, 1)}, {encode(0, 1)}};
  REQUIRE(check(doubled, 1, 2).find("twice") != std::string::npos);
  const std::vector<Taken> reordered{{encode(0, 1), encode(0, 0)}};
  REQUIRE(check(reordered, 1, 2).find("after a later one") != std::string::npos);
}
