// Echo over loopback (issue 15): the library's tasks with use_task against
// Asio's own ways of writing the same server and client, in the same run.
// Native only; needs the Asio bridge (threaded_async::asio).
#pragma once

#include <cstddef>

#include "harness.hpp"

namespace bench {

// One connection over 127.0.0.1; the client writes a 64-byte message and
// reads its echo, the server echoes it back. Microseconds per round trip.
// Server and client are two tasks on one runner, every read and write a use_task.
Figure echo_roundtrip_threaded_async(const Plan& plan);
// The same with two C++20 coroutines (asio::co_spawn, use_awaitable) on one
// io_context run by one thread.
Figure echo_roundtrip_asio_coroutines(const Plan& plan);
// The same with completion callbacks on one io_context run by one thread.
Figure echo_roundtrip_asio_callbacks(const Plan& plan);
// The same with two stackful coroutines (asio::spawn, yield_context, on
// Boost.Coroutine) on one io_context run by one thread. Built only where
// Boost.Coroutine is (THREADED_ASYNC_BENCH_SPAWN).
Figure echo_roundtrip_asio_spawn(const Plan& plan);

// `connections` connections over 127.0.0.1 at once, every client doing the
// same number of round trips of 64-byte messages as fast as it can, each
// message checked. Messages per second, all connections together, from the
// moment every connection is open until the last client is done. Every
// server side and every client is a task of its own on one runner.
Figure echo_throughput_threaded_async(const Plan& plan, std::size_t connections);
// The same with a co_spawn coroutine for each server side and each client.
Figure echo_throughput_asio_coroutines(const Plan& plan, std::size_t connections);
// The same with a chain of completion callbacks for each.
Figure echo_throughput_asio_callbacks(const Plan& plan, std::size_t connections);
// The same with an asio::spawn coroutine for each (THREADED_ASYNC_BENCH_SPAWN).
Figure echo_throughput_asio_spawn(const Plan& plan, std::size_t connections);

// Raises RLIMIT_NOFILE's soft limit to its hard limit, then returns how many
// connections with both ends in this process fit in it, at most `wanted`.
std::size_t echo_connections_that_fit(std::size_t wanted);

// Resident memory (KiB) added per open connection: `connections` connections
// on one runner with the default options, each server side a task suspended
// in async_read_some with use_task, the client ends sockets of one task. Then
// every connection echoes one message, checked.
double echo_rss_per_connection_kib(std::size_t connections);

}  // namespace bench
