// The peers' benchmarks (see peer_bench.hpp).
#include "peer_bench.hpp"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/context/fiber.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <threaded_async/detail/spin_wait.hpp>
#include <vector>

namespace bench {
namespace {

// The textbook blocking queue.
class CondvarQueue {
 public:
  void put(long v) {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      items_.push_back(v);
    }
    cv_.notify_one();
  }
  long get() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return !items_.empty(); });
    const long v = items_.front();
    items_.pop_front();
    return v;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<long> items_;
};

// The textbook bounded blocking queue; get() returns -1 once closed and empty.
class BoundedCondvarQueue {
 public:
  explicit BoundedCondvarQueue(std::size_t maxsize) : maxsize_(maxsize) {}
  void put(long v) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      not_full_.wait(lock, [this] { return items_.size() < maxsize_; });
      items_.push_back(v);
    }
    not_empty_.notify_one();
  }
  long get() {
    long v;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      not_empty_.wait(lock, [this] { return !items_.empty() || closed_; });
      if (items_.empty()) return -1;
      v = items_.front();
      items_.pop_front();
    }
    not_full_.notify_one();
    return v;
  }
  void close() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      closed_ = true;
    }
    not_empty_.notify_all();
  }

 private:
  const std::size_t maxsize_;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
  std::deque<long> items_;
  bool closed_ = false;
};

// An io_context running on its own thread until destroyed.
class AsioThread {
 public:
  AsioThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~AsioThread() {
    guard_.reset();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

int trivial() { return 1; }

}  // namespace

Figure atomic_pingpong(const Plan& plan) {
  // The number sent and the answer, each on its own cache line; -1: stop.
  struct alignas(64) Slot {
    std::atomic<long> value{-2};
  };
  Slot question, answer;
  std::thread worker([&] {
    long last = -2;
    for (;;) {
      long v;
      while ((v = question.value.load(std::memory_order_acquire)) == last)
        threaded_async::detail::cpu_relax();
      if (v == -1) return;
      last = v;
      answer.value.store(v + 1, std::memory_order_release);
    }
  });
  long next = 0;
  const Figure f = per_op<Micros>(plan, plan.ops(2000000), [&](std::size_t ops) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < ops; ++i, ++next) {
      question.value.store(next, std::memory_order_release);
      while (answer.value.load(std::memory_order_acquire) != next + 1)
        threaded_async::detail::cpu_relax();
    }
    return Clock::now() - start;
  });
  question.value.store(-1, std::memory_order_release);
  worker.join();
  return f;
}

Figure condvar_pingpong(const Plan& plan) {
  CondvarQueue in, out;
  std::thread worker([&] {
    for (long v; (v = in.get()) >= 0;) out.put(v + 1);
  });
  const Figure f = per_op<Micros>(plan, plan.ops(50000), [&](std::size_t ops) {
    return pingpong_round_trips(
        ops,
        [&](long sent) {
          in.put(sent);
          return out.get();
        },
        "condvar ping-pong returns the number plus one");
  });
  in.put(-1);
  worker.join();
  return f;
}

Figure asio_pingpong(const Plan& plan) {
  AsioThread loop;
  return per_op<Micros>(plan, plan.ops(50000), [&](std::size_t ops) {
    return pingpong_round_trips(
        ops,
        [&](long sent) {
          std::promise<long> reply;
          std::future<long> answer = reply.get_future();
          boost::asio::post(loop.io(), [&reply, sent] { reply.set_value(sent + 1); });
          return answer.get();
        },
        "asio ping-pong returns the number plus one");
  });
}

Figure asio_task_roundtrip(const Plan& plan) {
  AsioThread loop;
  return per_op<Micros>(plan, plan.ops(50000), [&](std::size_t ops) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < ops; ++i) {
      std::packaged_task<int()> task(trivial);
      std::future<int> result = task.get_future();
      boost::asio::post(loop.io(), std::move(task));
      check(result.get() == 1, "the posted task's result comes back");
    }
    return Clock::now() - start;
  });
}

Figure condvar_contention(const Plan& plan, int producers) {
  BoundedCondvarQueue in(64), out(64);
  std::vector<std::thread> forwarders;
  for (int i = 0; i < 2; ++i) {
    forwarders.emplace_back([&] {
      for (long v; (v = in.get()) >= 0;) out.put(v);
    });
  }
  const Figure cost = per_op<Nanos>(plan, contention_ops(plan, producers), [&](std::size_t ops) {
    return contend(
        producers, ops, [&](long v) { in.put(v); }, [&] { return out.get(); });
  });
  in.close();
  for (auto& t : forwarders) t.join();
  return per_second(cost);
}

Figure boost_context_switch(const Plan& plan) {
  namespace ctx = boost::context;
  // Each resume is a round trip, main -> fiber -> main: two switches.
  return per_op<Nanos>(plan, plan.ops(10000000), [&](std::size_t ops) {
    const std::size_t round_trips = ops / 2;
    std::size_t counted = 0;
    ctx::fiber f([&counted, round_trips](ctx::fiber&& main) {
      while (counted < round_trips) {
        ++counted;
        main = std::move(main).resume();
      }
      return std::move(main);
    });
    const auto start = Clock::now();
    for (std::size_t i = 0; i < round_trips; ++i) f = std::move(f).resume();
    const auto elapsed = Clock::now() - start;
    f = std::move(f).resume();  // lets the fiber return and end
    check(counted == round_trips, "the fiber ran once per resume");
    return elapsed;
  });
}

}  // namespace bench
