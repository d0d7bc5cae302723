// Memory and idle cost. Native only (reads /proc and getrusage); each runs in
// a child process of its own so that earlier benchmarks leave nothing behind.
#pragma once

#include <cstddef>

namespace threaded_async {
class AsyncRunner;
}

namespace bench {

struct SuspendedTasks {
  double rss_per_task_kib = 0;          // resident memory added per suspended task
  double rss_total_gib = 0;             // resident memory added by all of them
  double page_tables_per_task_kib = 0;  // kernel page tables added per task (not in RSS)
  double start_seconds = 0;             // from the first create_task until all are suspended
};

// Starts `count` tasks from a thread on one runner, each of which suspends on
// one Event; measures, sets the event and checks that every task finished.
// The runner has no guard pages and 32 KiB stacks, or with `default_options`
// the default RunnerOptions, which users get.
SuspendedTasks suspended_tasks(std::size_t count, bool default_options = false);

// Resident memory of this process now, in KiB (from /proc/self/statm, exact and cheap).
double rss_kib();

// Percent of one core that the process uses while a runner is idle and a
// thread is blocked in get_wait, over `seconds`.
double idle_cpu_percent(double seconds);
// The same on a runner the caller made (and set up: asio_idle_bench.hpp).
double idle_cpu_percent_on(threaded_async::AsyncRunner& runner, double seconds);

}  // namespace bench
