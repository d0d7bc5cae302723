// Echo over loopback: threaded_async's tasks with use_task, Asio's stackless
// coroutines, Asio's callbacks and, where Boost.Coroutine is, Asio's stackful
// coroutines (asio::spawn).
#include "echo_bench.hpp"

#include "footprint_bench.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#if defined(THREADED_ASYNC_BENCH_SPAWN)
#include <asio/spawn.hpp>
#endif
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <threaded_async/asio.hpp>
#include <threaded_async/threaded_async.hpp>
#include <vector>

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

// Message `i` of connection `c`: every byte depends on both, so a mixed-up or
// damaged echo does not compare equal.
Message message(std::size_t c, std::size_t i) {
  Message m;
  for (std::size_t b = 0; b < kMessage; ++b) m[b] = static_cast<char>(c * 31 + i * 7 + b);
  return m;
}

void check_message(const Message& got, std::size_t c, std::size_t i) {
  check(got == message(c, i),
        "connection " + std::to_string(c) + " got message " + std::to_string(i) + " back intact");
}

// Messages per second over `connections`: `run(trips)` does `trips` round
// trips on each connection and returns the elapsed time.
Figure throughput(const Plan& plan, std::size_t connections,
                  const std::function<Clock::duration(std::size_t)>& run) {
  const std::size_t trips = std::max<std::size_t>(plan.ops(40000) / connections, 1);
  return per_second(per_op<Nanos>(plan, trips * connections, [&](std::size_t messages) {
    return run(std::max<std::size_t>(messages / connections, 1));
  }));
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

// Callback clients of the throughput benchmark: connects them one after the
// other, then starts them all, and closes every socket when the last is done.
struct CallbackFleet {
  CallbackFleet(asio::io_context& io, std::size_t connections, std::size_t n) : trips(n) {
    sockets.reserve(connections);
    for (std::size_t c = 0; c < connections; ++c) sockets.emplace_back(io);
  }
  std::vector<tcp::socket> sockets;
  std::size_t trips;
  std::size_t finished = 0;
  Clock::time_point start;
  Clock::duration elapsed{};
  void connect(const tcp::endpoint& to, std::size_t c);
  void finish() {
    if (++finished < sockets.size()) return;
    elapsed = Clock::now() - start;
    for (auto& s : sockets) s.close();
  }
};

// One client of a fleet: `trips` round trips on connection `c`.
struct FleetClient : std::enable_shared_from_this<FleetClient> {
  FleetClient(CallbackFleet& f, std::size_t n) : fleet(f), c(n) {}
  CallbackFleet& fleet;
  std::size_t c;
  std::size_t i = 0;
  Message out, in;
  void send() {
    if (i == fleet.trips) {
      fleet.finish();
      return;
    }
    out = message(c, i);
    asio::async_write(fleet.sockets[c], asio::buffer(out),
                      [self = shared_from_this()](std::error_code error, std::size_t) {
                        check(!error, "callback client write");
                        self->receive();
                      });
  }
  void receive() {
    asio::async_read(fleet.sockets[c], asio::buffer(in),
                     [self = shared_from_this()](std::error_code error, std::size_t) {
                       check(!error, "callback client read");
                       check_message(self->in, self->c, self->i);
                       ++self->i;
                       self->send();
                     });
  }
};

void CallbackFleet::connect(const tcp::endpoint& to, std::size_t c) {
  if (c == sockets.size()) {
    start = Clock::now();
    for (std::size_t k = 0; k < sockets.size(); ++k) {
      std::make_shared<FleetClient>(*this, k)->send();
    }
    return;
  }
  sockets[c].async_connect(to, [this, to, c](std::error_code error) {
    check(!error, "callback connect");
    sockets[c].set_option(tcp::no_delay(true));
    connect(to, c + 1);
  });
}

// One throughput run of the coroutine peers on one io_context run by one
// thread: the listener, the clients' sockets and the clock, which the last
// client to finish stops.
struct CoroutineFleet {
  explicit CoroutineFleet(std::size_t n) : connections(n) { sockets.reserve(n); }
  asio::io_context io{1};
  tcp::acceptor acceptor{io, loopback()};
  std::vector<tcp::socket> sockets;
  std::size_t connections;
  std::size_t finished = 0;
  Clock::time_point start;
  Clock::duration elapsed{};
  // A client is done; the last one stops the clock and closes every socket.
  void finish() {
    if (++finished < connections) return;
    elapsed = Clock::now() - start;
    for (auto& s : sockets) s.close();
  }
  // Runs the io_context until every coroutine is done; returns the clients' time.
  Clock::duration run() {
    io.run();
    check(finished == connections, "every coroutine client finished");
    return elapsed;
  }
};

// Accepts `count` connections, each served by a CallbackServer.
void accept_callbacks(tcp::acceptor& acceptor, std::size_t count) {
  if (count == 0) return;
  acceptor.async_accept([&acceptor, count](std::error_code error, tcp::socket peer) {
    check(!error, "callback accept");
    std::make_shared<CallbackServer>(std::move(peer))->read();
    accept_callbacks(acceptor, count - 1);
  });
}

#if defined(THREADED_ASYNC_BENCH_SPAWN)
// Echoes 64-byte messages on `peer` until the client closes it, in a spawned coroutine.
void serve_spawned(tcp::socket& peer, const asio::yield_context& yield) {
  Message data;
  for (;;) {
    std::error_code error;
    asio::async_read(peer, asio::buffer(data), yield[error]);
    if (error) return;
    asio::async_write(peer, asio::buffer(data), yield);
  }
}

// Accepts `count` connections, each served by a spawned coroutine of its own.
// (Asio 1.22's yield_context cannot return a socket: it accepts into one.)
void accept_spawned(asio::io_context& io, tcp::acceptor& acceptor, std::size_t count,
                    const asio::yield_context& yield) {
  for (std::size_t c = 0; c < count; ++c) {
    auto peer = std::make_unique<tcp::socket>(io);
    acceptor.async_accept(*peer, yield);
    asio::spawn(io, [peer = std::move(peer)](asio::yield_context y) { serve_spawned(*peer, y); });
  }
}
#endif

// Accepts `count` connections in a task, each served by a task of its own
// running `serve`; returns when every one of them has.
template <class Serve>
void accept_tasks(tcp::acceptor& acceptor, std::size_t count, Serve serve) {
  std::vector<ta::BackgroundTask<void>> peers;
  peers.reserve(count);
  for (std::size_t c = 0; c < count; ++c) {
    peers.push_back(ta::create_task(serve, acceptor.async_accept(ta::use_task)));
  }
  for (auto& p : peers) p.result();
}

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

#if defined(THREADED_ASYNC_BENCH_SPAWN)
Figure echo_roundtrip_asio_spawn(const Plan& plan) {
  return per_op<Micros>(plan, plan.ops(plan.smoke ? 10 : 20000), [&](std::size_t n) {
    asio::io_context io(1);
    tcp::acceptor acceptor(io, loopback());
    Clock::duration elapsed{};
    asio::spawn(io, [&](asio::yield_context yield) { accept_spawned(io, acceptor, 1, yield); });
    asio::spawn(io, [&](asio::yield_context yield) {
      tcp::socket socket(io);
      socket.async_connect(acceptor.local_endpoint(), yield);
      socket.set_option(tcp::no_delay(true));
      Message in;
      const auto start = Clock::now();
      for (std::size_t i = 0; i < n; ++i) {
        const Message out = numbered(i);
        asio::async_write(socket, asio::buffer(out), yield);
        asio::async_read(socket, asio::buffer(in), yield);
        check_echo(in, i);
      }
      elapsed = Clock::now() - start;
    });
    io.run();
    return elapsed;
  });
}
#endif

Figure echo_throughput_threaded_async(const Plan& plan, std::size_t connections) {
  ta::AsyncRunner runner;
  return throughput(plan, connections, [&](std::size_t trips) {
    return runner.run([connections, trips] {
      tcp::acceptor acceptor(ta::asio_executor(), loopback());
      auto server = ta::create_task(
          [&acceptor, connections] { accept_tasks(acceptor, connections, serve_task); });
      std::vector<tcp::socket> sockets;
      sockets.reserve(connections);
      for (std::size_t c = 0; c < connections; ++c) {
        sockets.emplace_back(ta::asio_executor());
        sockets.back().async_connect(acceptor.local_endpoint(), ta::use_task);
        sockets.back().set_option(tcp::no_delay(true));
      }
      const auto start = Clock::now();
      std::vector<ta::BackgroundTask<void>> clients;
      clients.reserve(connections);
      for (std::size_t c = 0; c < connections; ++c) {
        clients.push_back(ta::create_task([&socket = sockets[c], c, trips] {
          Message in;
          for (std::size_t i = 0; i < trips; ++i) {
            const Message out = message(c, i);
            asio::async_write(socket, asio::buffer(out), ta::use_task);
            asio::async_read(socket, asio::buffer(in), ta::use_task);
            check_message(in, c, i);
          }
        }));
      }
      for (auto& client : clients) client.result();
      const auto elapsed = Clock::now() - start;
      for (auto& s : sockets) s.close();
      server.result();
      return elapsed;
    });
  });
}

Figure echo_throughput_asio_coroutines(const Plan& plan, std::size_t connections) {
  return throughput(plan, connections, [&](std::size_t trips) {
    CoroutineFleet fleet(connections);
    auto rethrow = [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    };
    auto server = [&]() -> asio::awaitable<void> {
      for (std::size_t c = 0; c < connections; ++c) {
        asio::co_spawn(fleet.io,
                       serve_coroutine(co_await fleet.acceptor.async_accept(asio::use_awaitable)),
                       asio::detached);
      }
    };
    auto client = [&](std::size_t c) -> asio::awaitable<void> {
      Message in;
      for (std::size_t i = 0; i < trips; ++i) {
        const Message out = message(c, i);
        co_await asio::async_write(fleet.sockets[c], asio::buffer(out), asio::use_awaitable);
        co_await asio::async_read(fleet.sockets[c], asio::buffer(in), asio::use_awaitable);
        check_message(in, c, i);
      }
      fleet.finish();
    };
    auto connect_all = [&]() -> asio::awaitable<void> {
      for (std::size_t c = 0; c < connections; ++c) {
        auto& socket = fleet.sockets.emplace_back(fleet.io);
        co_await socket.async_connect(fleet.acceptor.local_endpoint(), asio::use_awaitable);
        socket.set_option(tcp::no_delay(true));
      }
      fleet.start = Clock::now();
      for (std::size_t c = 0; c < connections; ++c) asio::co_spawn(fleet.io, client(c), rethrow);
    };
    asio::co_spawn(fleet.io, server(), rethrow);
    asio::co_spawn(fleet.io, connect_all(), rethrow);
    return fleet.run();
  });
}

Figure echo_throughput_asio_callbacks(const Plan& plan, std::size_t connections) {
  return throughput(plan, connections, [&](std::size_t trips) {
    asio::io_context io(1);
    tcp::acceptor acceptor(io, loopback());
    accept_callbacks(acceptor, connections);
    CallbackFleet fleet(io, connections, trips);
    fleet.connect(acceptor.local_endpoint(), 0);
    io.run();
    check(fleet.finished == connections, "every callback client finished");
    return fleet.elapsed;
  });
}

#if defined(THREADED_ASYNC_BENCH_SPAWN)
Figure echo_throughput_asio_spawn(const Plan& plan, std::size_t connections) {
  return throughput(plan, connections, [&](std::size_t trips) {
    CoroutineFleet fleet(connections);
    asio::spawn(fleet.io, [&](asio::yield_context yield) {
      accept_spawned(fleet.io, fleet.acceptor, connections, yield);
    });
    asio::spawn(fleet.io, [&](asio::yield_context yield) {
      for (std::size_t c = 0; c < connections; ++c) {
        auto& socket = fleet.sockets.emplace_back(fleet.io);
        socket.async_connect(fleet.acceptor.local_endpoint(), yield);
        socket.set_option(tcp::no_delay(true));
      }
      fleet.start = Clock::now();
      for (std::size_t c = 0; c < connections; ++c) {
        asio::spawn(fleet.io, [&, c](asio::yield_context y) {
          Message in;
          for (std::size_t i = 0; i < trips; ++i) {
            const Message out = message(c, i);
            asio::async_write(fleet.sockets[c], asio::buffer(out), y);
            asio::async_read(fleet.sockets[c], asio::buffer(in), y);
            check_message(in, c, i);
          }
          fleet.finish();
        });
      }
    });
    return fleet.run();
  });
}
#endif

std::size_t echo_connections_that_fit(std::size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) throw BenchError("getrlimit(RLIMIT_NOFILE) failed");
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      throw BenchError("setrlimit(RLIMIT_NOFILE) to the hard limit failed");
    }
  }
  // Two descriptors a connection, and some for stdio, the listener, epoll and eventfds.
  constexpr rlim_t kSpare = 64;
  const rlim_t fit = limit.rlim_cur > kSpare ? (limit.rlim_cur - kSpare) / 2 : 0;
  return std::min<std::size_t>(wanted, static_cast<std::size_t>(fit));
}

double echo_rss_per_connection_kib(std::size_t connections) {
  ta::AsyncRunner runner;
  return runner.run([connections] {
    tcp::acceptor acceptor(ta::asio_executor(), loopback());
    std::size_t reading = 0;
    // Waits for one message in async_read_some, echoes it, then serves until the end.
    auto serve = [&reading](tcp::socket peer) {
      Message data;
      ++reading;
      const std::size_t n = peer.async_read_some(asio::buffer(data), ta::use_task);
      if (n < kMessage)
        asio::async_read(peer, asio::buffer(data.data() + n, kMessage - n), ta::use_task);
      asio::async_write(peer, asio::buffer(data), ta::use_task);
      serve_task(std::move(peer));
    };
    // One connection first, so that what the first one sets up once is not counted.
    auto server = ta::create_task(
        [&acceptor, &serve, connections] { accept_tasks(acceptor, connections + 1, serve); });
    std::vector<tcp::socket> clients;
    clients.reserve(connections + 1);
    auto open = [&](std::size_t count) {
      for (std::size_t c = 0; c < count; ++c) {
        clients.emplace_back(ta::asio_executor());
        clients.back().async_connect(acceptor.local_endpoint(), ta::use_task);
      }
      while (reading < clients.size()) ta::yield();
    };
    open(1);
    const double before = rss_kib();
    open(connections);
    const double after = rss_kib();
    for (std::size_t c = 0; c < clients.size(); ++c) {
      const Message out = message(c, 0);
      asio::async_write(clients[c], asio::buffer(out), ta::use_task);
    }
    for (std::size_t c = 0; c < clients.size(); ++c) {
      Message in;
      asio::async_read(clients[c], asio::buffer(in), ta::use_task);
      check_message(in, c, 0);
    }
    for (auto& s : clients) s.close();
    server.result();
    return (after - before) / static_cast<double>(connections);
  });
}

}  // namespace bench
