// Tests of the wasm backend itself (make test-wasm runs them beside the shared
// suite): what wasm/fiber_runtime.js and wasm/loop_thread_emscripten.cpp add
// to Emscripten 3.1.6.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <exception>
#include <stdexcept>
#include <string>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

TEST_CASE("a task suspended in a catch block keeps its own exception", "[wasm]") {
  ta::AsyncRunner runner;
  auto first = runner.create_task([]() -> std::string {
    try {
      throw std::runtime_error("first");
    } catch (...) {
      ta::sleep(30ms);  // the second task throws and catches meanwhile
      try {
        throw;
      } catch (const std::exception& e) {
        return e.what();
      }
    }
  });
  auto second = runner.create_task([]() -> std::string {
    ta::sleep(5ms);
    try {
      throw std::logic_error("second");
    } catch (const std::exception& e) {
      ta::sleep(50ms);
      return e.what();
    }
  });
  REQUIRE(first.wait() == "first");
  REQUIRE(second.wait() == "second");
}

TEST_CASE("uncaught_exceptions counts only the task's own exceptions", "[wasm]") {
  ta::AsyncRunner runner;
  ta::Event thrown(runner);
  struct Probe {
    int* seen;
    ~Probe() { *seen = std::uncaught_exceptions(); }
  };
  auto unwinding = runner.create_task([thrown]() mutable {
    int seen = -1;
    try {
      Probe probe{&seen};
      throw std::runtime_error("unwinding");
    } catch (const std::exception&) {
      thrown.set();
    }
    return seen;
  });
  auto bystander = runner.create_task([thrown] {
    thrown.as_async_event().wait();
    return std::uncaught_exceptions();
  });
  REQUIRE(unwinding.wait() == 1);
  REQUIRE(bystander.wait() == 0);
}

TEST_CASE("an exception of a type not derived from std::exception is described by its type",
          "[wasm]") {
  ta::AsyncRunner runner;
  runner.create_task([] { throw 42; });
  try {
    runner.close();
    FAIL("close() did not raise the task's error");
  } catch (const ta::ExceptionGroup& group) {
    REQUIRE(group.describe() == "(int(),)");
  }
}

TEST_CASE("a loop thread that ran fibers ends and is joined", "[wasm]") {
  for (int i = 0; i < 3; ++i) {
    ta::AsyncRunner runner;
    REQUIRE(runner
                .create_task([] {
                  ta::sleep(1ms);
                  return 1;
                })
                .wait() == 1);
    runner.close();
    REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
  }
}

TEST_CASE("a stuck loop's worker is terminated and a new runner works", "[wasm]") {
  ta::RunnerOptions options;
  options.exit_timeout = 200ms;
  options.report_forced_stop = false;
  {
    ta::AsyncRunner stuck(options);
    stuck.create_task([] {
      for (volatile bool spin = true; spin;) {
      }
    });
    stuck.close();
    REQUIRE(stuck.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  }
  ta::AsyncRunner fresh;
  REQUIRE(fresh.create_task([] { return 7; }).wait(5s) == 7);
}
