// Natively Asio's reactor (epoll) sleeps in its own wait, which the
// io_context's stop() interrupts: nothing to add (select_sleep.hpp).
#include "select_sleep.hpp"

namespace threaded_async::detail {

SelectSleep::SelectSleep(FutexWord&) noexcept {}

SelectSleep::~SelectSleep() = default;

void wake_select_sleep(FutexWord&) noexcept {}

}  // namespace threaded_async::detail
