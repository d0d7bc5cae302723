#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

class Stub : public ta::Client {
 public:
  using ta::Client::Client;
  int increment(int number) { return execute<int>(&Stub::increment, number); }
  int decrement(int number) { return execute<int>(&Stub::decrement, number); }
  std::string greet(std::string who) { return execute<&Stub::greet>(who); }
  void notify() { execute<&Stub::notify>(); }
  double wrong_types(double x) { return execute<double>(&Stub::wrong_types, x); }
};

// Answers at once: increment, decrement, greet; keeps notify's promise for later.
class TestServer : public ta::Server {
 public:
  using ta::Server::Server;
  std::vector<std::string> seen;
  std::optional<ta::Promise> kept;
  bool keep_increments = false;

 protected:
  void handle_request(ta::ExecutionRequest& request, ta::Promise& future) override {
    seen.push_back(request.name());
    if (request.is(&Stub::increment)) {
      auto [n] = request.args<int>();
      if (keep_increments) {
        kept = future;
        return;
      }
      future.set_result(n + 1);
    } else if (request.is(&Stub::decrement)) {
      auto [n] = request.args<int>();
      if (n < 0) throw std::out_of_range("negative " + std::to_string(n));
      future.set_result(n - 1);
    } else if (request.is(&Stub::greet)) {
      auto [who] = request.args<std::string>();
      future.set_result("hello " + who);
    } else if (request.is(&Stub::notify)) {
      kept = future;
    } else if (request.is(&Stub::wrong_types)) {
      auto [x] = request.args<int>();  // the stub sends a double: TypeMismatchError
      future.set_result(x);
    }
  }
};

}  // namespace

TEST_CASE("process answers a queued request at once and returns false when none is queued",
          "[control_inversion]") {
  TestServer server;
  Stub client(server);
  REQUIRE_FALSE(server.process());
  auto task = server.create_background_task([client]() mutable { return client.increment(41); });
  REQUIRE(server.process());
  REQUIRE(task.wait(5s) == 42);
  REQUIRE_FALSE(server.process());
}

TEST_CASE("process returns only once the client has reacted to the answer", "[control_inversion]") {
  TestServer server;
  Stub client(server);
  std::vector<int> got;  // written by the task, read by this thread after process()
  server.create_background_task([client, &got]() mutable {
    for (int i = 0; i < 5; ++i) got.push_back(client.increment(i));
  });
  for (int i = 0; i < 5; ++i) {
    REQUIRE(server.process());
    REQUIRE(got.size() == static_cast<std::size_t>(i + 1));
    REQUIRE(got.back() == i + 1);
  }
}

TEST_CASE("a kept promise is answered later; process returns false while the client waits",
          "[control_inversion]") {
  TestServer server;
  server.keep_increments = true;
  Stub client(server);
  auto task = server.create_background_task([client]() mutable { return client.increment(1); });
  REQUIRE(server.process());
  REQUIRE(server.kept.has_value());
  REQUIRE_FALSE(server.process());
  REQUIRE_FALSE(server.process());
  REQUIRE_FALSE(task.done());
  std::thread answerer([&] { server.kept->set_result(100); });
  answerer.join();
  REQUIRE(task.wait(5s) == 100);
}

TEST_CASE("a hundred requests are all answered in order", "[control_inversion]") {
  TestServer server;
  Stub client(server);
  auto task = server.create_background_task([client]() mutable {
    long sum = 0;
    for (int i = 0; i < 100; ++i) sum += client.increment(i);
    return sum;
  });
  int processed = 0;
  while (!task.done()) {
    if (server.process()) ++processed;
  }
  REQUIRE(processed == 100);
  REQUIRE(task.wait() == 100 * 101 / 2);
}

TEST_CASE("several clients share the server's bounded queue", "[control_inversion]") {
  TestServer server(2);
  REQUIRE(server.queue_size() == 2);
  std::vector<ta::BackgroundTask<int>> tasks;
  for (int c = 0; c < 5; ++c) {
    Stub client = Stub(server);
    tasks.push_back(server.create_background_task([client, c]() mutable {
      int total = 0;
      for (int i = 0; i < 10; ++i) total += client.increment(c);
      return total;
    }));
  }
  int processed = 0;
  auto all_done = [&] {
    for (auto& t : tasks)
      if (!t.done()) return false;
    return true;
  };
  while (!all_done()) {
    if (server.process()) ++processed;
  }
  REQUIRE(processed == 50);
  for (int c = 0; c < 5; ++c) REQUIRE(tasks[c].wait() == 10 * (c + 1));
}

TEST_CASE("a long-running request does not block the loop", "[control_inversion]") {
  TestServer server;
  server.keep_increments = true;
  Stub client(server);
  auto waiting = server.create_background_task([client]() mutable { return client.increment(7); });
  auto ticker = server.runner().create_task([] {
    int ticks = 0;
    for (; ticks < 20; ++ticks) ta::sleep(1ms);
    return ticks;
  });
  REQUIRE(server.process());
  REQUIRE(ticker.wait(5s) == 20);  // the loop ran on while the request waited
  REQUIRE_FALSE(waiting.done());
  server.kept->set_result(8);
  REQUIRE(waiting.wait(5s) == 8);
}

TEST_CASE("a handler that throws fails that request's client with the error",
          "[control_inversion]") {
  TestServer server;
  Stub client(server);
  auto task = server.create_background_task([client]() mutable { return client.decrement(-3); });
  REQUIRE(server.process());
  REQUIRE_THROWS_MATCHES(task.wait(5s), std::out_of_range, Catch::Message("negative -3"));
}

TEST_CASE("wrong argument types are a TypeMismatchError at the call", "[control_inversion]") {
  TestServer server;
  Stub client(server);
  auto task = server.create_background_task([client]() mutable { return client.wrong_types(1.5); });
  REQUIRE(server.process());
  try {
    task.wait(5s);
    FAIL("expected TypeMismatchError");
  } catch (const ta::TypeMismatchError& e) {
    const std::string message = e.what();
    REQUIRE_THAT(message, Catch::Contains("(double)"));
    REQUIRE_THAT(message, Catch::Contains("(int)"));
  }
}

TEST_CASE("an answer of the wrong type is a TypeMismatchError naming both types",
          "[control_inversion]") {
  class WrongAnswer : public ta::Server {
   protected:
    void handle_request(ta::ExecutionRequest&, ta::Promise& future) override {
      future.set_result(std::string("not a number"));
    }
  };
  WrongAnswer server;
  Stub client(server);
  auto task = server.create_background_task([client]() mutable { return client.increment(1); });
  REQUIRE(server.process());
  try {
    task.wait(5s);
    FAIL("expected TypeMismatchError");
  } catch (const ta::TypeMismatchError& e) {
    REQUIRE_THAT(std::string(e.what()), Catch::Contains("must be of type int, not std::string"));
  }
}

TEST_CASE("requests say which stub function was asked for", "[control_inversion]") {
  TestServer server;
  Stub client(server);
  auto task = server.create_background_task([client]() mutable {
    std::string g = client.greet("you");
    return g + "/" + std::to_string(client.decrement(5));
  });
  REQUIRE(server.process());
  REQUIRE(server.process());
  REQUIRE(task.wait(5s) == "hello you/4");
  REQUIRE(server.seen.size() == 2);
  REQUIRE_THAT(server.seen[0], Catch::EndsWith("Stub::greet"));
  REQUIRE_THAT(server.seen[1], Catch::Contains("Stub::<int (int)>"));
}

TEST_CASE("void requests and futures made by the server", "[control_inversion]") {
  TestServer server;
  Stub client(server);
  ta::Future<int> extra = server.create_future<int>();
  auto task = server.create_background_task([client, extra]() mutable {
    client.notify();
    return extra.result();
  });
  REQUIRE(server.process());
  server.kept->set_result();
  extra.set_result(5);
  REQUIRE(task.wait(5s) == 5);
  Stub other = Stub(server);
  (void)other;
  ta::Client made = server.create_client();
  (void)made;
}

TEST_CASE("leaving the server while a task waits on a request cancels it quickly",
          "[control_inversion]") {
  ta::BackgroundTask<int> task;
  const auto start = std::chrono::steady_clock::now();
  {
    TestServer server;
    server.keep_increments = true;
    Stub client(server);
    task = server.create_background_task([client]() mutable { return client.increment(1); });
    REQUIRE(server.process());
  }
  REQUIRE(std::chrono::steady_clock::now() - start < 5s);  // loose: catches a hang only
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
}

TEST_CASE("leaving the server while a task sleeps cancels it quickly", "[control_inversion]") {
  ta::BackgroundTask<void> task;
  const auto start = std::chrono::steady_clock::now();
  {
    TestServer server;
    task = server.create_background_task([] { ta::sleep(30s); });
  }
  REQUIRE(std::chrono::steady_clock::now() - start < 5s);
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
}

TEST_CASE("the server exposes its runner's two timeouts as settable properties",
          "[control_inversion]") {
  TestServer server;
  REQUIRE(server.event_loop_timeout().is_forever());
  REQUIRE(server.event_loop_exit_timeout().duration() == std::chrono::seconds(1));
  server.set_event_loop_timeout(50ms);
  server.set_event_loop_exit_timeout(2s);
  REQUIRE(server.event_loop_timeout().duration() == std::chrono::milliseconds(50));
  REQUIRE(server.event_loop_exit_timeout().duration() == std::chrono::seconds(2));
  auto task = server.runner().create_task([] { ta::sleep(10s); });
  REQUIRE_THROWS_AS(task.wait(), ta::EventLoopTimeoutError);  // the new default applies
  REQUIRE_THROWS_AS(server.set_event_loop_timeout(ta::Timeout::runner_default()), ta::UsageError);
}

TEST_CASE("execute outside a task and a zero queue size are usage errors", "[control_inversion]") {
  TestServer server;
  Stub client(server);
  REQUIRE_THROWS_AS(client.increment(1), ta::NotInTaskError);
  REQUIRE_THROWS_AS(TestServer(0), ta::UsageError);
}
