// Echo over loopback (issue 15): the library's tasks with use_task against
// Asio's own ways of writing the same server and client, in the same run.
// Native only; needs the Asio bridge (threaded_async::asio).
#pragma once

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

}  // namespace bench
