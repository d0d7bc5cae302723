// The library's own benchmarks (see library_bench.hpp).
#include "library_bench.hpp"

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

}  // namespace

Figure queue_pingpong(const Plan& plan) {
  ta::AsyncRunner runner;
  ta::Queue<long> in(runner), out(runner);
  auto worker = runner.create_task(increment_worker, in, out);
  const Figure f = per_op<Micros>(plan, plan.ops(200000), [&](std::size_t ops) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < ops; ++i) {
      const long sent = static_cast<long>(i);
      in.put_wait(sent);
      check(out.get_wait() == sent + 1, "queue ping-pong returns the number plus one");
    }
    return Clock::now() - start;
  });
  worker.cancel();
  try {
    worker.wait();
  } catch (const ta::CancelledError&) {
  }
  check(worker.cancelled(), "the ping-pong worker ends cancelled");
  return f;
}

Figure task_roundtrip(const Plan& plan) {
  ta::AsyncRunner runner;
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

Figure spawn_rate(const Plan& plan) {
  ta::AsyncRunner runner;
  const Figure cost = per_op<Nanos>(plan, plan.ops(500000), [&](std::size_t ops) {
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
  });
  // Per second, from nanoseconds per task: the fastest cost is the highest rate.
  return Figure{1e9 / cost.median, 1e9 / cost.max, 1e9 / cost.min};
}

}  // namespace bench
