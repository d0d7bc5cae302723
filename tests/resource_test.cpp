// Running out of resources: each case runs in a child process of its own
// (fork), where it sets the limit, so that the limit cannot harm the suite.
// A child prints what went wrong and exits non-zero; 0 means every check held.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <threaded_async/threaded_async.hpp>
#include <vector>

#include "child_process.hpp"
#include "thread_count.hpp"

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

long read_number(const char* path) {
  long value = 0;
  std::ifstream(path) >> value;
  return value;
}

int mapping_count() {
  std::ifstream maps("/proc/self/maps");
  int n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}

long virtual_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmSize:", 0) == 0) return std::stol(line.substr(7)) * 1024;
  }
  return 0;
}

void limit_address_space(long bytes) {
  rlimit limit{};
  ::getrlimit(RLIMIT_AS, &limit);
  limit.rlim_cur = static_cast<rlim_t>(bytes);
  ::setrlimit(RLIMIT_AS, &limit);
}

}  // namespace

TEST_CASE("100000 suspended tasks with default options keep to their share of the mappings",
          "[resources][native-only]") {
  REQUIRE(in_child([] {
            constexpr int kTasks = 100000;
            const long max_map_count = read_number("/proc/sys/vm/max_map_count");
            CHILD_CHECK(max_map_count > 0);
            const int before = mapping_count();
            ta::AsyncRunner runner;
            ta::Event event(runner);
            std::vector<ta::BackgroundTask<int>> tasks;
            tasks.reserve(kTasks);
            for (int i = 0; i < kTasks; ++i) {
              tasks.push_back(runner.create_task([event, i]() mutable {
                event.as_async_event().wait();
                return i;
              }));
            }
            runner.wait_for_next_eventloop_iteration();
            runner.wait_for_next_eventloop_iteration();
            const int taken = mapping_count() - before;
            std::fprintf(stderr, "child: %d tasks took %d of %ld mappings\n", kTasks, taken,
                         max_map_count);
            // A quarter for guarded stacks, one a slab of 256 beyond, and a little slack.
            CHILD_CHECK(taken <= max_map_count / 4 + kTasks / 256 + 64);
            event.set();
            for (int i = 0; i < kTasks; ++i) CHILD_CHECK(tasks[i].wait(60s) == i);
            return 0;
          }) == 0);
}

TEST_CASE("a task whose stack cannot be had fails with ResourceError and the runner goes on",
          "[resources][native-only]") {
  REQUIRE(
      in_child([] {
        ta::AsyncRunner runner;
        ta::Event event(runner);
        // Room for the tasks' records, not for 20000 stacks of 256 KiB.
        limit_address_space(virtual_bytes() + 1024L * 1024 * 1024);
        std::vector<ta::BackgroundTask<void>> tasks;
        for (int i = 0; i < 20000; ++i) {
          tasks.push_back(runner.create_task([event]() mutable { event.as_async_event().wait(); }));
        }
        runner.wait_for_next_eventloop_iteration();
        event.set();
        int failed = 0;
        int done = 0;
        for (auto& task : tasks) {
          try {
            task.wait(60s);
            ++done;
          } catch (const ta::ResourceError& e) {
            ++failed;
            CHILD_CHECK(std::string(e.what()).find("RunnerOptions::stack_size") !=
                        std::string::npos);
          }
        }
        std::fprintf(stderr, "child: %d tasks ran, %d failed for lack of a stack\n", done, failed);
        CHILD_CHECK(failed > 0);
        CHILD_CHECK(done > 0);
        CHILD_CHECK(done + failed == 20000);
        CHILD_CHECK(runner.create_task([] { return 7; }).wait(10s) == 7);
        runner.close();
        CHILD_CHECK(runner.shutdown_type() == ta::ShutdownType::STOPPED);
        return 0;
      }) == 0);
}

TEST_CASE("a runner whose thread cannot start throws ResourceError and leaves nothing behind",
          "[resources][native-only]") {
  REQUIRE(in_child([] {
            const int threads_before = thread_count();
            rlimit saved{};
            ::getrlimit(RLIMIT_AS, &saved);
            // No room for a thread's stack (8 MiB).
            limit_address_space(virtual_bytes() + 2L * 1024 * 1024);
            bool thrown = false;
            try {
              ta::AsyncRunner runner;
            } catch (const ta::ResourceError& e) {
              thrown = std::string(e.what()).find("could not start the loop thread") !=
                       std::string::npos;
            }
            ::setrlimit(RLIMIT_AS, &saved);
            CHILD_CHECK(thrown);
            CHILD_CHECK(thread_count_settled(threads_before) == threads_before);
            ta::AsyncRunner runner;
            CHILD_CHECK(runner.create_task([] { return 5; }).wait(10s) == 5);
            return 0;
          }) == 0);
}

TEST_CASE("a runner started at the process limit of threads throws ResourceError",
          "[resources][native-only]") {
  REQUIRE(in_child([] {
            // Root is exempt from RLIMIT_NPROC: the child gives up root first
            // and becomes a user that runs nothing else (nobody).
            if (::getuid() == 0) {
              CHILD_CHECK(::setgid(65534) == 0);
              CHILD_CHECK(::setuid(65534) == 0);
            }
            const int threads_before = thread_count();
            rlimit saved{};
            ::getrlimit(RLIMIT_NPROC, &saved);
            rlimit limit = saved;
            limit.rlim_cur = 1;  // this process's one thread, and no more
            CHILD_CHECK(::setrlimit(RLIMIT_NPROC, &limit) == 0);
            std::string message;
            try {
              ta::AsyncRunner runner;
            } catch (const ta::ResourceError& e) {
              message = e.what();
            }
            ::setrlimit(RLIMIT_NPROC, &saved);
            std::fprintf(stderr, "child: %s\n", message.c_str());
            CHILD_CHECK(message.find("could not start the loop thread") != std::string::npos);
            CHILD_CHECK(message.find("ulimit -u") != std::string::npos);
            CHILD_CHECK(thread_count_settled(threads_before) == threads_before);
            ta::AsyncRunner runner;
            CHILD_CHECK(runner.create_task([] { return 3; }).wait(10s) == 3);
            return 0;
          }) == 0);
}
