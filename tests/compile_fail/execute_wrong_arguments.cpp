// A stub that passes execute arguments its function does not take.
// expect: execute: the arguments do not match the stub function's parameters; pass one per
// expect: parameter, each convertible to it (std::move(x) for a move-only one)
#include <threaded_async/threaded_async.hpp>

class Stub : public threaded_async::Client {
 public:
  using threaded_async::Client::Client;
  void increment(int number) { execute<&Stub::increment>(number, "one too many"); }
};

void misuse(threaded_async::Server& server) { Stub(server).increment(1); }
