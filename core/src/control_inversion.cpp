// Control inversion: the untyped parts of Client and Server.
#include "threaded_async/control_inversion.hpp"

#include <cxxabi.h>

#include <cstdlib>

namespace threaded_async {
namespace detail {

std::string type_name(const std::type_info& type) {
  if (type == typeid(std::string)) return "std::string";
  int status = 0;
  char* out = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && out != nullptr ? out : type.name();
  std::free(out);
  return name;
}

}  // namespace detail

Client::Client(Server& server) : loop_(server.runner_.loop()), requests_(server.requests_) {}

Server::Server(std::size_t queue_size, RunnerOptions options)
    : runner_(std::move(options)), requests_(runner_, queue_size) {
  if (queue_size == 0) {
    throw UsageError("Server: queue_size must be at least 1 (requests wait in a bounded queue)");
  }
}

bool Server::process(Timeout timeout) {
  runner_.loop()->check_thread_side("Server::process", "nothing: process() belongs to a thread");
  std::optional<detail::PendingRequest> pending = requests_.try_get();
  if (!pending) return false;
  try {
    handle_request(*pending->request, pending->promise);
  } catch (...) {
    if (!pending->promise.done()) pending->promise.set_exception(std::current_exception());
  }
  if (pending->promise.done()) runner_.wait_for_next_eventloop_iteration(timeout);
  return true;
}

}  // namespace threaded_async
