// Errors: EventLoopTimeoutError, ExceptionGroup at the end of a runner's
// scope, what counts as retrieved, close(), and the error types.
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace errors_test {
struct CustomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace errors_test

namespace {

// Blocks until `task` finished, without retrieving its error.
template <class T>
void until_done(const ta::BackgroundTask<T>& task) {
  const auto give_up = ta::Clock::now() + 10s;
  while (!task.done() && ta::Clock::now() < give_up) std::this_thread::sleep_for(1ms);
}

void raises_error() { throw std::invalid_argument("This is an error"); }

}  // namespace

TEST_CASE("EventLoopTimeoutError is a runtime error that says what timed out and how long",
          "[errors]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task(ta::TaskOptions{"sleepy"}, [] { ta::sleep(10s); });
  try {
    task.wait(250ms);
    FAIL("wait did not time out");
  } catch (const std::runtime_error& e) {
    REQUIRE(dynamic_cast<const ta::EventLoopTimeoutError*>(&e) != nullptr);
    REQUIRE(std::string(e.what()) == "waiting for task 'sleepy' timed out after 0.250 s");
  }
  task.cancel();
}

TEST_CASE("leaving the scope raises the unretrieved errors as one group (the cookbook's example)",
          "[errors]") {
  std::string described;
  std::size_t count = 0;
  try {
    ta::AsyncRunner runner;
    for (int i = 0; i < 3; ++i) runner.create_task(raises_error);
  } catch (const ta::ExceptionGroup& e) {
    described = e.describe();
    count = e.exceptions().size();
  }
  REQUIRE(count == 3);
  REQUIRE(described ==
          "(std::invalid_argument('This is an error'), std::invalid_argument('This is an "
          "error'), std::invalid_argument('This is an error'))");
}

TEST_CASE("the group lists its members in task order, not in the order they failed", "[errors]") {
  std::vector<std::string> messages;
  std::string what;
  try {
    ta::AsyncRunner runner;
    std::vector<ta::BackgroundTask<void>> tasks;
    for (int i = 0; i < 3; ++i) {
      tasks.push_back(runner.create_task([i] {
        ta::sleep(std::chrono::milliseconds(30 * (2 - i)));  // the last one fails first
        throw std::runtime_error("failure " + std::to_string(i));
      }));
    }
    for (const auto& t : tasks) until_done(t);
  } catch (const ta::ExceptionGroup& e) {
    what = e.what();
    for (const auto& error : e.exceptions()) {
      try {
        std::rethrow_exception(error);
      } catch (const std::runtime_error& r) {
        messages.push_back(r.what());
      }
    }
  }
  REQUIRE(messages == std::vector<std::string>{"failure 0", "failure 1", "failure 2"});
  REQUIRE_THAT(what, Catch::StartsWith("3 unretrieved task errors: (std::runtime_error('failure "
                                       "0'), "));
}

TEST_CASE("describe gives each member's type and message", "[errors]") {
  REQUIRE(ta::describe_exception(std::make_exception_ptr(errors_test::CustomError("custom"))) ==
          "errors_test::CustomError('custom')");
  REQUIRE(ta::describe_exception(std::make_exception_ptr(42)) == "int()");
  REQUIRE(ta::describe_exception(nullptr) == "None");

  const ta::ExceptionGroup one({std::make_exception_ptr(std::out_of_range("x"))});
  REQUIRE(one.describe() == "(std::out_of_range('x'),)");
  REQUIRE(std::string(one.what()) == "1 unretrieved task error: (std::out_of_range('x'),)");
  const ta::ExceptionGroup two({std::make_exception_ptr(std::out_of_range("x")),
                                std::make_exception_ptr(errors_test::CustomError("y"))});
  REQUIRE(two.describe() == "(std::out_of_range('x'), errors_test::CustomError('y'))");
}

TEST_CASE("an error retrieved by wait is not in the group", "[errors]") {
  std::string described;
  try {
    ta::AsyncRunner runner;
    auto retrieved = runner.create_task([] { throw std::runtime_error("retrieved"); });
    auto left = runner.create_task([] { throw std::runtime_error("left"); });
    REQUIRE_THROWS_WITH(retrieved.wait(), "retrieved");
    until_done(left);
  } catch (const ta::ExceptionGroup& e) {
    described = e.describe();
  }
  REQUIRE(described == "(std::runtime_error('left'),)");
}

TEST_CASE("an error retrieved by another task's result() is not in the group", "[errors]") {
  ta::AsyncRunner runner;
  auto parent = runner.create_task([] {
    auto child = ta::create_task([]() -> int { throw std::runtime_error("child"); });
    try {
      return child.result();
    } catch (const std::runtime_error&) {
      return -1;
    }
  });
  REQUIRE(parent.wait() == -1);
  REQUIRE_NOTHROW(runner.close());
}

TEST_CASE("a cancelled task is not an error", "[errors]") {
  auto leave = [] {
    ta::AsyncRunner runner;
    auto cancelled = runner.create_task([] { ta::sleep(10s); });
    runner.create_task([] { ta::sleep(10s); });  // cancelled by leaving
    runner.create_task([] { throw ta::CancelledError(); });
    cancelled.cancel();
    until_done(cancelled);
  };
  REQUIRE_NOTHROW(leave());
}

TEST_CASE("an error thrown by cleanup code after the cancellation is an error", "[errors]") {
  std::string described;
  try {
    ta::AsyncRunner runner;
    runner.create_task([] {
      try {
        ta::sleep(10s);
      } catch (const ta::CancelledError&) {
        throw std::runtime_error("cleanup failed");
      }
    });
    runner.wait_for_next_eventloop_iteration();
  } catch (const ta::ExceptionGroup& e) {
    described = e.describe();
  }
  REQUIRE(described == "(std::runtime_error('cleanup failed'),)");
}

TEST_CASE("close raises the group explicitly, once", "[errors]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task(raises_error);
  until_done(task);
  REQUIRE_THROWS_AS(runner.close(), ta::ExceptionGroup);
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
  REQUIRE_NOTHROW(runner.close());
}  // and the destructor raises nothing more

TEST_CASE("leaving the scope while another exception is in flight does not terminate", "[errors]") {
  std::string caught;
  try {
    ta::AsyncRunner runner;
    auto task = runner.create_task(raises_error);
    until_done(task);
    throw std::logic_error("the caller's own error");
  } catch (const ta::ExceptionGroup&) {
    caught = "group";
  } catch (const std::logic_error& e) {
    caught = e.what();
  }
  REQUIRE(caught == "the caller's own error");
}

TEST_CASE("usage errors are logic errors, runtime conditions are runtime errors", "[errors]") {
  ta::AsyncRunner runner;
  const auto kind = [](auto&& call) -> std::string {
    try {
      call();
    } catch (const ta::WouldDeadlockError&) {
      return "deadlock";
    } catch (const ta::NotInTaskError&) {
      return "not in task";
    } catch (const ta::InvalidStateError&) {
      return "invalid state";
    } catch (const ta::UsageError&) {
      return "usage";
    } catch (const std::logic_error&) {
      return "other logic error";
    } catch (const ta::CancelledError&) {
      return "cancelled";
    } catch (const std::runtime_error&) {
      return "runtime";
    }
    return "nothing";
  };
  ta::Future<int> future(runner);
  future.set_result(1);
  REQUIRE(kind([&] { future.set_result(2); }) == "invalid state");
  REQUIRE(kind([] { ta::sleep(1ms); }) == "not in task");
  REQUIRE(kind([&] { runner.call_in_loop([&] { runner.run([] {}); }); }) == "deadlock");
  REQUIRE(kind([] { ta::BackgroundTask<int>().wait(); }) == "usage");
  auto cancelled = runner.create_task([] { ta::sleep(10s); });
  cancelled.cancel();
  REQUIRE(kind([&] { cancelled.wait(); }) == "cancelled");
  REQUIRE(kind([&] { ta::Event(runner).wait(1ms); }) == "runtime");
}
