// The Asio bridge: use_task in tasks, cancellation and deadlines reaching the
// operation, the runner's executor for callbacks and coroutines, and the loop's
// idle wait while I/O is pending.
#include <signal.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <threaded_async/asio.hpp>
#include <threaded_async/threaded_async.hpp>
#include <vector>

#include "process_cpu_time.hpp"

namespace ta = threaded_async;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// A listening socket on 127.0.0.1, on a port the OS picks.
tcp::acceptor listen_on_loopback(const ta::RunnerExecutor& executor) {
  tcp::acceptor acceptor(executor, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return acceptor;
}

// A connected pair of sockets on `runner`; made in a task.
struct SocketPair {
  tcp::socket a;
  tcp::socket b;
};

SocketPair connected_pair() {
  auto executor = ta::asio_executor();
  tcp::acceptor acceptor = listen_on_loopback(executor);
  tcp::socket a(executor);
  auto accepting = ta::create_task([&] { return acceptor.async_accept(ta::use_task); });
  a.async_connect(acceptor.local_endpoint(), ta::use_task);
  return SocketPair{std::move(a), std::move(accepting).result()};
}

}  // namespace

// Native only: WebAssembly has no sockets for Asio's reactor to wait on.
TEST_CASE("use_task reads and writes in both directions", "[native-only]") {
  ta::AsyncRunner runner;
  tcp::acceptor acceptor = listen_on_loopback(ta::asio_executor(runner));
  const auto endpoint = acceptor.local_endpoint();
  auto server = runner.create_task([&] {
    tcp::socket peer = acceptor.async_accept(ta::use_task);
    std::string line;
    const std::size_t n =
        asio::async_read_until(peer, asio::dynamic_buffer(line), '\n', ta::use_task);
    const std::string reply = "echo " + line.substr(0, n);
    asio::async_write(peer, asio::buffer(reply), ta::use_task);
    return line.substr(0, n - 1);
  });
  auto client = runner.create_task([&] {
    tcp::socket socket(ta::asio_executor());
    socket.async_connect(endpoint, ta::use_task);
    const std::size_t written = asio::async_write(socket, asio::buffer("hello\n", 6), ta::use_task);
    REQUIRE(written == 6);
    std::string reply(11, '\0');
    asio::async_read(socket, asio::buffer(reply), ta::use_task);
    return reply;
  });
  CHECK(server.wait(10s) == "hello");
  CHECK(client.wait(10s) == "echo hello\n");
}

// Native only: WebAssembly has no sockets for Asio's reactor to wait on.
TEST_CASE("use_task throws system_error for a refused connection", "[native-only]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    tcp::endpoint closed;
    {
      tcp::acceptor acceptor = listen_on_loopback(ta::asio_executor());
      closed = acceptor.local_endpoint();
    }
    tcp::socket socket(ta::asio_executor());
    try {
      socket.async_connect(closed, ta::use_task);
    } catch (const std::system_error& e) {
      return e.code();
    }
    return std::error_code();
  });
  CHECK(task.wait(10s) == asio::error::connection_refused);
}

// Native only: WebAssembly has no sockets for Asio's reactor to wait on.
TEST_CASE("use_task throws end of file as system_error", "[native-only]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    SocketPair pair = connected_pair();
    asio::async_write(pair.a, asio::buffer("bye", 3), ta::use_task);
    pair.a.close();
    char data[16];
    const std::size_t n = pair.b.async_read_some(asio::buffer(data), ta::use_task);
    REQUIRE(std::string(data, n) == "bye");
    try {
      pair.b.async_read_some(asio::buffer(data), ta::use_task);
    } catch (const asio::system_error& e) {
      return e.code();
    }
    return std::error_code();
  });
  CHECK(task.wait(10s) == asio::error::eof);
}

// Native only: WebAssembly has no sockets for Asio's reactor to wait on.
TEST_CASE("cancelling a task cancels its pending read and the socket stays usable",
          "[native-only]") {
  ta::AsyncRunner runner;
  std::unique_ptr<SocketPair> pair =
      runner.run([] { return std::make_unique<SocketPair>(connected_pair()); });
  ta::Event reading(runner);
  auto reader = runner.create_task([&] {
    char data[16];
    reading.set();
    pair->b.async_read_some(asio::buffer(data), ta::use_task);
    FAIL("the read returned although nothing was written");
  });
  reading.wait(10s);
  // The task ran to its suspension before the loop takes this call.
  runner.wait_for_next_eventloop_iteration(10s);
  reader.cancel();
  CHECK_THROWS_AS(reader.wait(10s), ta::CancelledError);
  auto second = runner.create_task([&] {
    asio::async_write(pair->a, asio::buffer("after", 5), ta::use_task);
    char data[16];
    const std::size_t n = pair->b.async_read_some(asio::buffer(data), ta::use_task);
    return std::string(data, n);
  });
  CHECK(second.wait(10s) == "after");
  runner.run([&] { pair.reset(); });
}

TEST_CASE("use_task within cancels a timer's wait at the deadline") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    asio::steady_timer timer(ta::asio_executor(), 1h);
    CHECK_THROWS_AS(timer.async_wait(ta::use_task.within(20ms)), ta::EventLoopTimeoutError);
    // The timer works after the timed-out wait.
    timer.expires_after(1ms);
    timer.async_wait(ta::use_task.within(10s));
    return timer.expiry() <= asio::steady_timer::clock_type::now();
  });
  CHECK(task.wait(10s));
}

// Native only: WebAssembly has no sockets for Asio's reactor to wait on.
TEST_CASE("use_task within cancels a read at the deadline", "[native-only]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    SocketPair pair = connected_pair();
    char data[16];
    CHECK_THROWS_AS(pair.b.async_read_some(asio::buffer(data), ta::use_task.within(50ms)),
                    ta::EventLoopTimeoutError);
    // The socket works after the timed-out read.
    asio::async_write(pair.a, asio::buffer("late", 4), ta::use_task);
    const std::size_t n = pair.b.async_read_some(asio::buffer(data), ta::use_task.within(10s));
    return std::string(data, n);
  });
  CHECK(task.wait(10s) == "late");
}

TEST_CASE("use_task waits for a steady_timer until it expires") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    asio::steady_timer timer(ta::asio_executor(), 20ms);
    timer.async_wait(ta::use_task);
    return timer.expiry() <= asio::steady_timer::clock_type::now();
  });
  CHECK(task.wait(10s));
}

// Native only: WebAssembly has no descriptors, sockets or signals for Asio's reactor.
TEST_CASE("use_task waits for descriptors resolvers and signals", "[native-only]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    auto executor = ta::asio_executor();
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    asio::posix::stream_descriptor read_end(executor, fds[0]), write_end(executor, fds[1]);
    asio::async_write(write_end, asio::buffer("pipe", 4), ta::use_task);
    char data[4];
    asio::async_read(read_end, asio::buffer(data), ta::use_task);
    CHECK(std::string(data, 4) == "pipe");

    tcp::resolver resolver(executor);
    auto results =
        resolver.async_resolve("127.0.0.1", "80", tcp::resolver::numeric_host, ta::use_task);
    CHECK(results.begin()->endpoint().port() == 80);

    asio::signal_set signals(executor, SIGUSR1);
    auto raiser = ta::create_task([] { ::raise(SIGUSR1); });
    const int number = signals.async_wait(ta::use_task);
    raiser.result();
    return number;
  });
  CHECK(task.wait(10s) == SIGUSR1);
}

TEST_CASE("leaving the runner cancels every task waiting for I/O") {
  std::atomic<int> cancelled{0};
  std::atomic<bool> handler_ran{false};
  constexpr int kReaders = 8;
  {
    ta::AsyncRunner runner;
    ta::Event ready(runner);
    runner.create_task([&] {
      // A handler of the plain callback kind, pending when the runner leaves: it never runs.
      auto timer = std::make_shared<asio::steady_timer>(ta::asio_executor(), 1h);
      timer->async_wait([timer, &handler_ran](std::error_code) { handler_ran = true; });
      std::vector<ta::BackgroundTask<void>> readers;
      for (int i = 0; i < kReaders; ++i) {
        readers.push_back(ta::create_task([&cancelled] {
          try {
            asio::steady_timer timer(ta::asio_executor(), 1h);
            timer.async_wait(ta::use_task);
          } catch (const ta::CancelledError&) {
            ++cancelled;
            throw;
          }
        }));
      }
      ready.set();
      ta::wait_all(readers);
    });
    ready.wait(10s);
    runner.wait_for_next_eventloop_iteration(10s);
  }
  CHECK(cancelled == kReaders);
  CHECK_FALSE(handler_ran);
}

TEST_CASE("posted callbacks and co_spawn coroutines run on the loop thread") {
  ta::AsyncRunner runner;
  auto executor = ta::asio_executor(runner);
  std::promise<bool> posted;
  asio::post(executor, [&] { posted.set_value(runner.in_runner_loop()); });
  CHECK(posted.get_future().get());

  auto coroutine = [&]() -> asio::awaitable<bool> {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
    co_await timer.async_wait(asio::use_awaitable);
    co_return runner.in_runner_loop();
  };
  std::future<bool> spawned = asio::co_spawn(executor, coroutine(), asio::use_future);
  CHECK(spawned.get());
}

TEST_CASE("a co_spawn coroutine and a task talk through a Queue") {
  ta::AsyncRunner runner;
  ta::Queue<int> numbers(runner);
  auto consumer = runner.create_task([numbers]() mutable {
    int sum = 0;
    for (int i = 0; i < 5; ++i) sum += numbers.get();
    return sum;
  });
  auto producer = [numbers]() mutable -> asio::awaitable<void> {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (int i = 1; i <= 5; ++i) {
      timer.expires_after(1ms);
      co_await timer.async_wait(asio::use_awaitable);
      numbers.try_put(i);
    }
  };
  asio::co_spawn(ta::asio_executor(runner), producer(), asio::detached);
  CHECK(consumer.wait(10s) == 15);
}

TEST_CASE("a task awaits a co_spawn coroutine with use_task") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    auto coroutine = []() -> asio::awaitable<int> {
      asio::steady_timer timer(co_await asio::this_coro::executor, 1ms);
      co_await timer.async_wait(asio::use_awaitable);
      co_return 42;
    };
    return asio::co_spawn(ta::asio_executor(), coroutine(), ta::use_task);
  });
  CHECK(task.wait(10s) == 42);
}

namespace {

// A task of `runner` that waits for an Asio timer of an hour, once it waits:
// the loop's idle wait is then the io_context's. Cancel it to end it.
ta::BackgroundTask<void> start_waiting_for_timer(ta::AsyncRunner& runner) {
  ta::Event waiting(runner);
  auto waiter = runner.create_task([waiting]() mutable {
    asio::steady_timer timer(ta::asio_executor(), 1h);
    waiting.set();
    timer.async_wait(ta::use_task);
  });
  waiting.wait(10s);
  return waiter;
}

}  // namespace

TEST_CASE("a thread-side call wakes a loop that waits for I/O") {
  ta::AsyncRunner runner;
  auto reader = start_waiting_for_timer(runner);
  runner.wait_for_next_eventloop_iteration(10s);
  // Loose bound, to catch a lost wake-up only: the reactor's wait ends on its
  // own every second, so 20 calls that were not woken would take 20 s.
  const auto start = ta::Clock::now();
  for (int i = 0; i < 20; ++i) CHECK(runner.call_in_loop([&] { return runner.in_runner_loop(); }));
  CHECK(ta::Clock::now() - start < 10s);
  reader.cancel();
  CHECK_THROWS_AS(reader.wait(10s), ta::CancelledError);
}

// In WebAssembly the reactor's select() sleeps only through the bridge's
// (asio/src/select_sleep.hpp): these three show the wait idle, a timer on
// time, and every way of reaching the loop from another thread ending it.
TEST_CASE("a wait for an Asio timer is idle and ends on time") {
  ta::AsyncRunner runner;
  // The io_context and the loop's first wait for it come before the measure.
  runner.run([] {
    asio::steady_timer timer(ta::asio_executor(), 1ms);
    timer.async_wait(ta::use_task);
  });
  const double cpu_before = process_cpu_seconds();
  const auto start = ta::Clock::now();
  runner.run([] {
    asio::steady_timer timer(ta::asio_executor());
    for (int i = 0; i < 4; ++i) {
      timer.expires_after(250ms);
      timer.async_wait(ta::use_task);
    }
  });
  const auto waited_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ta::Clock::now() - start).count();
  const double cpu_seconds = process_cpu_seconds() - cpu_before;
  // Loose bounds, to catch a wait that polls (in WebAssembly without the
  // bridge's select it took 0.25 to 0.9 s of CPU a second) or timers seen
  // only when the reactor's wait ends on its own, after 1 s (4 s in all).
  CHECK(waited_ms >= 1000);
  CHECK(waited_ms < 1700);
  CHECK(cpu_seconds < 0.15);
}

TEST_CASE("posts from other threads end a wait for an Asio timer at once") {
  ta::AsyncRunner runner;
  auto waiter = start_waiting_for_timer(runner);
  auto executor = ta::asio_executor(runner);
  // Loose bound, to catch a post that does not end the wait only: the
  // reactor's wait ends on its own every second, so that 30 posts which did
  // not end it would take about 30 s. Each comes once the loop waits again.
  const auto start = ta::Clock::now();
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(20ms);
    std::promise<bool> posted;
    asio::post(executor, [&] { posted.set_value(runner.in_runner_loop()); });
    CHECK(posted.get_future().get());
    std::this_thread::sleep_for(20ms);
    CHECK(runner.call_in_loop([&] { return runner.in_runner_loop(); }));
    std::this_thread::sleep_for(20ms);
    CHECK(runner.create_task([] { return 1; }).wait(10s) == 1);
  }
  CHECK(ta::Clock::now() - start < 6s);
  waiter.cancel();
  CHECK_THROWS_AS(waiter.wait(10s), ta::CancelledError);
}

TEST_CASE("an Asio timer started on another thread ends a wait for I/O early") {
  ta::AsyncRunner runner;
  auto waiter = start_waiting_for_timer(runner);
  // The loop starts a new wait, of 1 s at most, after the call. The timer
  // reaches the loop through the io_context alone (Asio's interrupter), which
  // in WebAssembly the select sees at its next poll, within 100 ms.
  runner.call_in_loop([] {});
  asio::steady_timer timer(ta::asio_executor(runner), 50ms);
  std::promise<void> fired;
  const auto start = ta::Clock::now();
  timer.async_wait([&](std::error_code) { fired.set_value(); });
  REQUIRE(fired.get_future().wait_for(10s) == std::future_status::ready);
  const auto fired_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ta::Clock::now() - start).count();
  // Loose bound, to catch a timer seen only when that wait ends (about 1 s).
  CHECK(fired_ms < 600);
  waiter.cancel();
  CHECK_THROWS_AS(waiter.wait(10s), ta::CancelledError);
}

// Native only: WebAssembly has no sockets for Asio's reactor to wait on.
TEST_CASE("1000 connections on one runner", "[native-only]") {
  constexpr int kConnections = 1000;
  ta::RunnerOptions options;
  options.stack_size = 64 * 1024;
  ta::AsyncRunner runner(options);
  auto total = runner.run(
      [] {
        tcp::acceptor acceptor = listen_on_loopback(ta::asio_executor());
        acceptor.listen(kConnections);
        const auto endpoint = acceptor.local_endpoint();
        std::vector<ta::BackgroundTask<void>> servers;
        auto accepting = ta::create_task([&] {
          for (int i = 0; i < kConnections; ++i) {
            servers.push_back(
                ta::create_task([peer = acceptor.async_accept(ta::use_task)]() mutable {
                  char data[8];
                  for (;;) {
                    std::size_t n;
                    try {
                      n = peer.async_read_some(asio::buffer(data), ta::use_task);
                    } catch (const asio::system_error&) {
                      return;  // the client closed
                    }
                    asio::async_write(peer, asio::buffer(data, n), ta::use_task);
                  }
                }));
          }
        });
        std::vector<ta::BackgroundTask<int>> clients;
        for (int i = 0; i < kConnections; ++i) {
          clients.push_back(ta::create_task([endpoint, i] {
            tcp::socket socket(ta::asio_executor());
            socket.async_connect(endpoint, ta::use_task);
            const std::string message = std::to_string(i);
            asio::async_write(socket, asio::buffer(message), ta::use_task);
            std::string echo(message.size(), '\0');
            asio::async_read(socket, asio::buffer(echo), ta::use_task);
            return std::stoi(echo);
          }));
        }
        long sum = 0;
        for (int value : ta::wait_all(std::move(clients))) sum += value;
        accepting.result();
        ta::wait_all(servers);
        return sum;
      },
      60s);
  CHECK(total == static_cast<long>(kConnections) * (kConnections - 1) / 2);
}

// A task that swallows the CancelledError of its Asio waits and waits on: during
// the shutdown each wait ends cancelled at once, so the loop spends its time in
// the library and in Asio. It is taken at one of those waits once a stop is
// under way, as at a cancelled wait of the library's own. Native only: in
// WebAssembly a forced stop terminates the worker (docs/stuck_loops.md).
TEST_CASE("a task that swallows cancelled Asio waits and waits on is forced down",
          "[native-only]") {
  ta::RunnerOptions options;
  options.exit_timeout = 200ms;
  options.name = "asio-waiter";
  options.report_forced_stop = false;
  std::atomic<bool> go_on{true};
  ta::AsyncRunner runner(options);
  auto waiter = runner.create_task([&go_on] {
    asio::steady_timer timer(ta::asio_executor());
    while (go_on.load(std::memory_order_relaxed)) {
      try {
        timer.expires_after(10ms);
        timer.async_wait(ta::use_task);
      } catch (const ta::CancelledError&) {
      }
    }
  });
  runner.wait_for_next_eventloop_iteration();
  // The task goes on until well after the stop (exit_timeout and its window).
  std::thread stopper([&go_on] {
    std::this_thread::sleep_for(1500ms);
    go_on = false;
  });
  runner.close();
  stopper.join();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  REQUIRE(waiter.cancelled());
}

// Native only: WebAssembly has no sockets for Asio's reactor to wait on.
TEST_CASE("a task that only yields does not keep I/O completions from the loop", "[native-only]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    SocketPair pair = connected_pair();
    bool read_done = false;
    auto reader = ta::create_task([&] {
      char data[8];
      pair.b.async_read_some(asio::buffer(data), ta::use_task);
      read_done = true;
    });
    ta::yield();  // the reader's read is pending
    asio::async_write(pair.a, asio::buffer("x", 1), ta::use_task);
    const auto give_up = ta::Clock::now() + 10s;  // a loop that never polled would spin for ever
    while (!read_done && ta::Clock::now() < give_up) ta::yield();
    const bool done = read_done;
    if (!done) reader.cancel();
    try {
      reader.result();
    } catch (const ta::CancelledError&) {
    }
    return done;
  });
  CHECK(task.wait(20s));
}
