// Echo round trips over loopback: threaded_async's tasks with use_task, Asio's
// coroutines and Asio's callbacks, each one connection with a 64-byte message.
#include "echo_bench.hpp"

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstring>
#include <functional>
#include <memory>
#include <threaded_async/asio.hpp>
#include <threaded_async/threaded_async.hpp>

namespace bench {
namespace {

namespace ta = threaded_async;
using asio::ip::tcp;
constexpr std::size_t kMessage = 64;
using Message = std::array<char, kMessage>;

tcp::endpoint loopback() { return tcp::endpoint(asio::ip::address_v4::loopback(), 0); }

Message numbered(std::size_t i) {
  Message m{};
  std::memcpy(m.data(), &i, sizeof i);
  return m;
}

void check_echo(const Message& got, std::size_t i) {
  std::size_t echoed = 0;
  std::memcpy(&echoed, got.data(), sizeof echoed);
  check(echoed == i, "the echo carries the message's number");
}

// Echoes 64-byte messages on `peer` until the client closes it.
void serve_task(tcp::socket peer) {
  Message data;
  for (;;) {
    try {
      asio::async_read(peer, asio::buffer(data), ta::use_task);
    } catch (const asio::system_error&) {
      return;  // the client closed
    }
    asio::async_write(peer, asio::buffer(data), ta::use_task);
  }
}

asio::awaitable<void> serve_coroutine(tcp::socket peer) {
  Message data;
  for (;;) {
    auto [error, n] = co_await asio::async_read(peer, asio::buffer(data),
                                                asio::experimental::as_tuple(asio::use_awaitable));
    if (error) co_return;
    co_await asio::async_write(peer, asio::buffer(data, n), asio::use_awaitable);
  }
}

// A callback server of one connection: read 64, write them back, again.
struct CallbackServer : std::enable_shared_from_this<CallbackServer> {
  explicit CallbackServer(tcp::socket s) : peer(std::move(s)) {}
  tcp::socket peer;
  Message data;
  void read() {
    asio::async_read(peer, asio::buffer(data),
                     [self = shared_from_this()](std::error_code error, std::size_t) {
                       if (!error) self->write();
                     });
  }
  void write() {
    asio::async_write(peer, asio::buffer(data),
                      [self = shared_from_this()](std::error_code error, std::size_t) {
                        if (!error) self->read();
                      });
  }
};

// A callback client: `count` round trips, then `done` with the elapsed time.
struct CallbackClient : std::enable_shared_from_this<CallbackClient> {
  explicit CallbackClient(tcp::socket s, std::size_t n, Clock::duration& out)
      : socket(std::move(s)), count(n), elapsed(out) {}
  tcp::socket socket;
  std::size_t count;
  Clock::duration& elapsed;
  std::size_t i = 0;
  Message out, in;
  Clock::time_point start;
  void begin() {
    start = Clock::now();
    send();
  }
  void send() {
    if (i == count) {
      elapsed = Clock::now() - start;
      socket.close();
      return;
    }
    out = numbered(i);
    asio::async_write(socket, asio::buffer(out),
                      [self = shared_from_this()](std::error_code error, std::size_t) {
                        check(!error, "callback client write");
                        self->receive();
                      });
  }
  void receive() {
    asio::async_read(socket, asio::buffer(in),
                     [self = shared_from_this()](std::error_code error, std::size_t) {
                       check(!error, "callback client read");
                       check_echo(self->in, self->i);
                       ++self->i;
                       self->send();
                     });
  }
};

}  // namespace

Figure echo_roundtrip_threaded_async(const Plan& plan) {
  ta::AsyncRunner runner;
  return per_op<Micros>(plan, plan.ops(plan.smoke ? 10 : 20000), [&](std::size_t n) {
    return runner.run([n] {
      tcp::acceptor acceptor(ta::asio_executor(), loopback());
      auto server =
          ta::create_task([&acceptor] { serve_task(acceptor.async_accept(ta::use_task)); });
      tcp::socket socket(ta::asio_executor());
      socket.async_connect(acceptor.local_endpoint(), ta::use_task);
      socket.set_option(tcp::no_delay(true));
      Message in;
      const auto start = Clock::now();
      for (std::size_t i = 0; i < n; ++i) {
        const Message out = numbered(i);
        asio::async_write(socket, asio::buffer(out), ta::use_task);
        asio::async_read(socket, asio::buffer(in), ta::use_task);
        check_echo(in, i);
      }
      const auto elapsed = Clock::now() - start;
      socket.close();
      server.result();
      return elapsed;
    });
  });
}

Figure echo_roundtrip_asio_coroutines(const Plan& plan) {
  return per_op<Micros>(plan, plan.ops(plan.smoke ? 10 : 20000), [&](std::size_t n) {
    asio::io_context io(1);
    tcp::acceptor acceptor(io, loopback());
    Clock::duration elapsed{};
    auto client = [&]() -> asio::awaitable<void> {
      tcp::socket socket(io);
      co_await socket.async_connect(acceptor.local_endpoint(), asio::use_awaitable);
      socket.set_option(tcp::no_delay(true));
      Message in;
      const auto start = Clock::now();
      for (std::size_t i = 0; i < n; ++i) {
        const Message out = numbered(i);
        co_await asio::async_write(socket, asio::buffer(out), asio::use_awaitable);
        co_await asio::async_read(socket, asio::buffer(in), asio::use_awaitable);
        check_echo(in, i);
      }
      elapsed = Clock::now() - start;
    };
    auto server = [&]() -> asio::awaitable<void> {
      co_await serve_coroutine(co_await acceptor.async_accept(asio::use_awaitable));
    };
    asio::co_spawn(io, server(), asio::detached);
    asio::co_spawn(io, client(), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    io.run();
    return elapsed;
  });
}

Figure echo_roundtrip_asio_callbacks(const Plan& plan) {
  return per_op<Micros>(plan, plan.ops(plan.smoke ? 10 : 20000), [&](std::size_t n) {
    asio::io_context io(1);
    tcp::acceptor acceptor(io, loopback());
    Clock::duration elapsed{};
    acceptor.async_accept([](std::error_code error, tcp::socket peer) {
      check(!error, "callback accept");
      std::make_shared<CallbackServer>(std::move(peer))->read();
    });
    auto client = std::make_shared<CallbackClient>(tcp::socket(io), n, elapsed);
    client->socket.async_connect(acceptor.local_endpoint(), [client](std::error_code error) {
      check(!error, "callback connect");
      client->socket.set_option(tcp::no_delay(true));
      client->begin();
    });
    client.reset();
    io.run();
    return elapsed;
  });
}

}  // namespace bench
