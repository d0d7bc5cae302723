// Timeout and ShutdownType as text.
#include <cstdio>

#include "threaded_async/shutdown_type.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

std::string Timeout::describe() const {
  switch (kind_) {
    case Kind::kForever:
      return "for ever";
    case Kind::kRunnerDefault:
      return "the runner's default";
    case Kind::kDuration:
      break;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3f s", std::chrono::duration<double>(duration_).count());
  return buf;
}

std::string_view to_string(ShutdownType type) noexcept {
  switch (type) {
    case ShutdownType::NOT_SHUT_DOWN:
      return "NOT_SHUT_DOWN";
    case ShutdownType::STOPPED:
      return "STOPPED";
    case ShutdownType::FORCE_STOPPED:
      return "FORCE_STOPPED";
    case ShutdownType::FAILED_FORCE_STOPPED:
      return "FAILED_FORCE_STOPPED";
    case ShutdownType::UNKNOWN:
      break;
  }
  return "UNKNOWN";
}

}  // namespace threaded_async
