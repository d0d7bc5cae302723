// The library's own benchmarks (see library_bench.hpp).
#include "library_bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;

namespace bench {
namespace {

void increment_worker(ta::Queue<long> in, ta::Queue<long> out) {
  for (;;) out.put(in.get() + 1);
}

int trivial() { return 1; }

void yielder(std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) ta::yield();
}

// Forwards items until it gets a negative one.
void forwarder(ta::Queue<long> in, ta::Queue<long> out) {
  for (long v; (v = in.get()) >= 0;) out.put(v);
}

// What the timer tasks share; only the loop thread touches it.
struct TimerRun {
  Clock::time_point next_deadline;
  Clock::time_point last_slept;
  std::vector<std::size_t> woke;  // task indices, in the order they woke
};

void timer_sleeper(TimerRun* run, std::size_t index) {
  // Distinct deadlines, one nanosecond apart, in the order the tasks start.
  // The loop's own sleep_until: ta::sleep takes a duration, and counting it
  // from a later now() would move the deadline.
  const Clock::time_point deadline = run->next_deadline;
  run->next_deadline += std::chrono::nanoseconds(1);
  run->last_slept = Clock::now();
  ta::detail::EventLoop::require_task("sleep_until", "a thread's sleep")
      .loop()
      .sleep_until(deadline);
  run->woke.push_back(index);
}

// `count` round trips of the queue ping-pong with increment_worker; the time they took.
Clock::duration pingpong_rounds(ta::Queue<long>& in, ta::Queue<long>& out, std::size_t count) {
  return pingpong_round_trips(
      count,
      [&](long sent) {
        in.put_wait(sent);
        return out.get_wait();
      },
      "queue ping-pong returns the number plus one");
}

// Cancels the ping-pong's increment_worker and waits for it to end so.
void end_pingpong_worker(ta::BackgroundTask<void>& worker) {
  worker.cancel();
  try {
    worker.wait();
  } catch (const ta::CancelledError&) {
  }
  check(worker.cancelled(), "the ping-pong worker ends cancelled");
}

}  // namespace

Figure queue_pingpong(const Plan& plan) {
  ta::AsyncRunner runner;
  return queue_pingpong_on(runner, plan);
}

Figure queue_pingpong_on(ta::AsyncRunner& runner, const Plan& plan) {
  ta::Queue<long> in(runner), out(runner);
  auto worker = runner.create_task(increment_worker, in, out);
  const Figure f = per_op<Micros>(plan, plan.ops(200000),
                                  [&](std::size_t ops) { return pingpong_rounds(in, out, ops); });
  end_pingpong_worker(worker);
  return f;
}

std::vector<std::pair<double, double>> pingpong_beside_floor(double seconds) {
  struct alignas(64) Slot {
    std::atomic<long> value{-2};
  };
  Slot question, answer;
  std::atomic<bool> floor_window{false}, stop{false};
  std::thread partner([&] {
    long last = -2;
    while (!stop.load(std::memory_order_relaxed)) {
      if (!floor_window.load(std::memory_order_acquire)) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        continue;
      }
      const long v = question.value.load(std::memory_order_acquire);
      if (v != last) {
        last = v;
        answer.value.store(v + 1, std::memory_order_release);
      }
    }
  });
  ta::AsyncRunner runner;
  ta::Queue<long> in(runner), out(runner);
  auto worker = runner.create_task(increment_worker, in, out);
  std::vector<std::pair<double, double>> windows;
  const auto micros_per = [](Clock::duration d, long n) {
    return std::chrono::duration<double, std::micro>(d).count() / static_cast<double>(n);
  };
  long next = 0;
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(seconds));
  while (Clock::now() < end) {
    floor_window.store(true, std::memory_order_release);
    auto start = Clock::now();
    for (int i = 0; i < 100000; ++i, ++next) {
      question.value.store(next, std::memory_order_release);
      while (answer.value.load(std::memory_order_acquire) != next + 1) ta::detail::cpu_relax();
    }
    const double floor = micros_per(Clock::now() - start, 100000);
    floor_window.store(false, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the partner is asleep
    windows.emplace_back(floor, micros_per(pingpong_rounds(in, out, 50000), 50000));
  }
  stop.store(true);
  partner.join();
  end_pingpong_worker(worker);
  return windows;
}

void print_pingpong_beside_floor(double seconds) {
  for (const auto& [floor, pingpong] : pingpong_beside_floor(seconds)) {
    std::printf("%.3f %.3f\n", floor, pingpong);
  }
}

Figure task_roundtrip(const Plan& plan) {
  ta::AsyncRunner runner;
  return task_roundtrip_on(runner, plan);
}

Figure task_roundtrip_on(ta::AsyncRunner& runner, const Plan& plan) {
  return per_op<Micros>(plan, plan.ops(100000), [&](std::size_t ops) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < ops; ++i) {
      check(runner.create_task(trivial).wait() == 1, "the task's result comes back");
    }
    return Clock::now() - start;
  });
}

Figure call_in_loop(const Plan& plan) {
  ta::AsyncRunner runner;
  return per_op<Micros>(plan, plan.ops(200000), [&](std::size_t ops) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < ops; ++i) {
      check(runner.call_in_loop([&runner] { return runner.in_runner_loop(); }),
            "call_in_loop runs the function on the loop thread");
    }
    return Clock::now() - start;
  });
}

Figure task_switch(const Plan& plan) {
  ta::AsyncRunner runner;
  // Each of the two tasks yields `ops / 2` times: `ops` switches in all.
  return per_op<Nanos>(plan, plan.ops(4000000), [&](std::size_t ops) {
    return runner.run([ops] {
      const auto start = Clock::now();
      auto a = ta::create_task(yielder, ops / 2);
      auto b = ta::create_task(yielder, ops - ops / 2);
      a.result();
      b.result();
      return Clock::now() - start;
    });
  });
}

namespace {
// Inside a task of `runner`: starts `ops` tasks and lets them finish; the time it took.
Clock::duration spawn_and_finish(ta::AsyncRunner& runner, std::size_t ops) {
  return runner.run([ops] {
    std::vector<ta::BackgroundTask<int>> tasks;
    tasks.reserve(ops);
    const auto start = Clock::now();
    for (std::size_t i = 0; i < ops; ++i) tasks.push_back(ta::create_task(trivial));
    long sum = 0;
    for (auto& t : tasks) sum += t.result();
    const auto elapsed = Clock::now() - start;
    check(sum == static_cast<long>(ops), "every spawned task ran once");
    return elapsed;
  });
}
}  // namespace

Figure spawn_rate(const Plan& plan) {
  ta::AsyncRunner runner;
  const Figure cost = per_op<Nanos>(plan, plan.ops(500000),
                                    [&](std::size_t ops) { return spawn_and_finish(runner, ops); });
  // Per second, from nanoseconds per task: the fastest cost is the highest rate.
  return Figure{1e9 / cost.median, 1e9 / cost.max, 1e9 / cost.min};
}

Figure contention(const Plan& plan, int producers) {
  ta::AsyncRunner runner;
  ta::Queue<long> in(runner, 64), out(runner, 64);
  auto a = runner.create_task(forwarder, in, out);
  auto b = runner.create_task(forwarder, in, out);
  const Figure cost = per_op<Nanos>(plan, contention_ops(plan, producers), [&](std::size_t ops) {
    return contend(
        producers, ops, [&](long v) { in.put_wait(v); }, [&] { return out.get_wait(); });
  });
  in.put_wait(-1);
  in.put_wait(-1);
  a.wait();
  b.wait();
  return per_second(cost);
}

Figure scaling_spawn(const Plan& plan, std::size_t count, double& first_run) {
  ta::AsyncRunner runner;
  return per_op<Micros>(
      plan, count, [&](std::size_t ops) { return spawn_and_finish(runner, ops); }, &first_run);
}

Figure scaling_timer(const Plan& plan, std::size_t count, double& first_run) {
  ta::AsyncRunner runner;
  // The first deadline falls after the last task has gone to sleep, so that
  // all `count` timers are pending at once: `count` times what a task took to
  // start and sleep in the previous run, and half as much again.
  double start_ns_per_task = 5000;
  return per_op<Micros>(
      plan, count,
      [&](std::size_t ops) {
        return runner.run([ops, &start_ns_per_task] {
          TimerRun run;
          run.woke.reserve(ops);
          std::vector<ta::BackgroundTask<void>> tasks;
          tasks.reserve(ops);
          const auto start = Clock::now();
          const auto first_deadline =
              start + std::chrono::nanoseconds(
                          static_cast<long>(1.5 * start_ns_per_task * static_cast<double>(ops)));
          run.next_deadline = first_deadline;
          for (std::size_t i = 0; i < ops; ++i)
            tasks.push_back(ta::create_task(timer_sleeper, &run, i));
          for (auto& t : tasks) t.result();
          const auto end = Clock::now();
          check(run.woke.size() == ops, "every timer task woke once");
          check(std::is_sorted(run.woke.begin(), run.woke.end()) &&
                    std::adjacent_find(run.woke.begin(), run.woke.end()) == run.woke.end(),
                "timer tasks wake in the order of their deadlines");
          const auto asleep = run.last_slept - start;
          start_ns_per_task =
              std::chrono::duration<double, std::nano>(asleep).count() / static_cast<double>(ops);
          // Leave out the loop's idle wait for the first deadline, if it had one.
          const auto idle = std::max(first_deadline - run.last_slept, Clock::duration::zero());
          return end - start - idle;
        });
      },
      &first_run);
}

}  // namespace bench
