// What the scenario's handle values hold: the library's own objects.
#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <threaded_async/control_inversion.hpp>
#include <threaded_async/threaded_async.hpp>

#include "value.hpp"

namespace playground {

namespace ta = threaded_async;

struct TaskHandle {
  std::string name;
  ta::Timeout default_timeout;  // its runner's call_in_loop_timeout
  ta::BackgroundTask<Value> task;
};

struct EventHandle {
  std::string name;
  ta::Timeout default_timeout;  // its runner's call_in_loop_timeout
  ta::Event event;
};

struct QueueHandle {
  std::string name;
  ta::Timeout default_timeout;  // its runner's call_in_loop_timeout
  ta::Queue<Value> queue;
};

struct FutureHandle {
  std::string name;
  ta::Timeout default_timeout;  // its runner's call_in_loop_timeout
  ta::Future<Value> future;
};

struct PromiseHandle {
  std::string name;  // "increment(1)": the request it answers
  ta::Promise promise;
};

// The one stub function every scenario request goes through: the handler's
// name and the arguments travel as the request's two arguments.
class ScenarioClient : public ta::Client {
 public:
  using ta::Client::Client;
  Value request(std::string function, std::vector<Value> args) {
    return execute<&ScenarioClient::request>(std::move(function), std::move(args));
  }
};

struct ClientHandle {
  std::string name;
  ScenarioClient client;
};

class Run;
struct RunnerHandle;

// A server whose handle_request runs the scenario's handler bodies.
class ScenarioServer : public ta::Server {
 public:
  ScenarioServer(Run& run, RunnerHandle& owner, std::size_t queue_size, ta::RunnerOptions options)
      : ta::Server(queue_size, std::move(options)), run_(run), owner_(owner) {}

 protected:
  void handle_request(ta::ExecutionRequest& request, ta::Promise& future) override;

 private:
  Run& run_;
  RunnerHandle& owner_;  // the handle holding this server
};

// A plain thread running a body from "threads".
struct ThreadHandle {
  std::string name;
  std::thread thread;  // joined when the run ends
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;  // the body ended; result or error is set
  Value result;
  std::exception_ptr error;
};

// A runner, or a server with its runner, from with_runner / with_server.
struct RunnerHandle : std::enable_shared_from_this<RunnerHandle> {
  std::string name;
  std::unique_ptr<ta::AsyncRunner> own;
  std::unique_ptr<ScenarioServer> server;
  ta::AsyncRunner& runner() { return server ? server->runner() : *own; }
};

}  // namespace playground
