// Cookbook 4: control inversion.
#include <iostream>
#include <stdexcept>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;

// The interface between the task and the main thread.
class Stub : public ta::Client {
 public:
  using ta::Client::Client;
  int increment(int number) { return execute<int>(&Stub::increment, number); }
};

// A server that processes increment requests.
class MyServer : public ta::Server {
 protected:
  void handle_request(ta::ExecutionRequest& request, ta::Promise& future) override {
    if (request.is(&Stub::increment)) {
      auto [number] = request.args<int>();
      future.set_result(number + 1);
    } else {
      throw std::logic_error("Unknown function " + request.name());
    }
  }
};

void client_code(Stub client) {
  for (int i = 0; i < 10; ++i) {
    int answer = client.increment(i);  // suspends until the server has answered
    std::cout << "Client got: " << answer << "\n";
  }
}

int main() {
  MyServer server;  // its runner is running
  Stub client(server);
  server.create_background_task(client_code, client);
  for (int i = 0; i < 3; ++i) {
    std::cout << "Processing new client requests\n";
    server.process();
  }
}
