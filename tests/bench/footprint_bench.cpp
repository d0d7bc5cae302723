// Memory and idle cost (see footprint_bench.hpp).
#include "footprint_bench.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

#include "harness.hpp"

namespace ta = threaded_async;

namespace bench {
namespace {

// A "Key:   123 kB" line of /proc/self/status, in KiB.
double status_kib(const std::string& key) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1));
  }
  throw BenchError("/proc/self/status has no " + key);
}

long waiting_task(ta::Event go, std::atomic<std::size_t>* arrived, long id) {
  arrived->fetch_add(1, std::memory_order_relaxed);
  go.as_async_event().wait();
  return id;
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

}  // namespace

SuspendedTasks suspended_tasks(std::size_t count, bool default_options) {
  ta::RunnerOptions options;
  if (!default_options) {
    options.guard_pages = false;  // canaries only: no guarded stacks at all
    options.stack_size = 32 * 1024;
  }
  options.exit_timeout = std::chrono::seconds(30);
  ta::AsyncRunner runner(options);
  ta::Event go(runner);
  std::atomic<std::size_t> arrived{0};
  std::vector<ta::BackgroundTask<long>> tasks;
  tasks.reserve(count);

  const double rss_before = rss_kib();
  const double pte_before = status_kib("VmPTE");
  const auto start = Clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    tasks.push_back(runner.create_task(waiting_task, go, &arrived, static_cast<long>(i)));
  }
  runner.wait_for_next_eventloop_iteration();  // every task has run up to its wait
  const auto started = Clock::now();
  check(arrived.load() == count, "every task reached its wait within one loop iteration");
  check(!tasks.back().done(), "the tasks are suspended, not finished");
  const double rss_after = rss_kib();
  const double pte_after = status_kib("VmPTE");

  go.set();
  long sum = 0;
  for (auto& t : tasks) sum += t.wait();
  const auto n = static_cast<long>(count);
  check(sum == n * (n - 1) / 2, "every task woke up and returned its id");

  SuspendedTasks r;
  r.rss_per_task_kib = (rss_after - rss_before) / static_cast<double>(count);
  r.rss_total_gib = (rss_after - rss_before) / (1024.0 * 1024.0);
  r.page_tables_per_task_kib = (pte_after - pte_before) / static_cast<double>(count);
  r.start_seconds = std::chrono::duration<double>(started - start).count();
  return r;
}

double idle_cpu_percent(double seconds) {
  ta::AsyncRunner runner;
  return idle_cpu_percent_on(runner, seconds);
}

double idle_cpu_percent_on(ta::AsyncRunner& runner, double seconds) {
  ta::Queue<int> queue(runner);
  int received = 0;
  std::thread blocked([&] { received = queue.get_wait(); });
  // Let the loop and the thread finish spinning and fall asleep.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double cpu_before = cpu_seconds();
  const auto wall_before = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const double cpu = cpu_seconds() - cpu_before;
  const double wall = std::chrono::duration<double>(Clock::now() - wall_before).count();
  queue.put_wait(7);
  blocked.join();
  check(received == 7, "the blocked thread gets the item");
  return 100.0 * cpu / wall;
}

double rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  if (!statm) throw BenchError("cannot read /proc/self/statm");
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1024.0;
}

}  // namespace bench
