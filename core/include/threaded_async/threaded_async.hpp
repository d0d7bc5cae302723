// threaded_async: async code on a background thread's loop, and blocking
// handles on it for ordinary threads. One include for everything.
#pragma once

#include "threaded_async/async_runner.hpp"
#include "threaded_async/background_task.hpp"
#include "threaded_async/control_inversion.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/event.hpp"
#include "threaded_async/future.hpp"
#include "threaded_async/queue.hpp"
#include "threaded_async/shutdown_type.hpp"
#include "threaded_async/task.hpp"
#include "threaded_async/timeout.hpp"
#include "threaded_async/utilities.hpp"
#include "threaded_async/version.hpp"
#include "threaded_async/watchdog.hpp"
