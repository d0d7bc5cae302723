// ShutdownType: how a runner ended.
#pragma once

#include <ostream>
#include <string_view>

namespace threaded_async {

// How a runner ended (AsyncRunner::shutdown_type()).
enum class ShutdownType {
  NOT_SHUT_DOWN,         // still running, or never left
  STOPPED,               // orderly: tasks cancelled, loop stopped, thread joined
  FORCE_STOPPED,         // the loop was stuck and its thread was brought down
  FAILED_FORCE_STOPPED,  // forcing was tried and the thread may still be running
  UNKNOWN,               // leaving failed in another way
};

// The enumerator's name: "STOPPED", "FORCE_STOPPED"...
std::string_view to_string(ShutdownType type) noexcept;

// Writes to_string(type).
inline std::ostream& operator<<(std::ostream& out, ShutdownType type) {
  return out << to_string(type);
}

}  // namespace threaded_async
