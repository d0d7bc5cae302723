// Values: move-only, copy-counting and no-default-constructor values on every
// path between tasks and threads, with every copy and move counted
// (docs/semantics.md, "Values").
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <threaded_async/threaded_async.hpp>
#include <type_traits>
#include <utility>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// Counts the copies and moves of every Owner, on any thread; a moved-from
// one holds -1.
template <class Owner>
class Counted {
 public:
  static inline std::atomic<int> copies{0};
  static inline std::atomic<int> moves{0};
  static void reset() {
    copies = 0;
    moves = 0;
  }

  explicit Counted(int value) : value_(value) {}
  Counted(const Counted& other) : value_(other.value_) { ++copies; }
  Counted(Counted&& other) noexcept : value_(std::exchange(other.value_, -1)) { ++moves; }
  Counted& operator=(const Counted& other) {
    value_ = other.value_;
    ++copies;
    return *this;
  }
  Counted& operator=(Counted&& other) noexcept {
    value_ = std::exchange(other.value_, -1);
    ++moves;
    return *this;
  }
  int value() const { return value_; }

 private:
  int value_;
};

// Like std::unique_ptr: moves only.
struct MoveOnly : Counted<MoveOnly> {
  MoveOnly() : Counted(0) {}
  explicit MoveOnly(int value) : Counted(value) {}
  MoveOnly(MoveOnly&&) = default;
  MoveOnly& operator=(MoveOnly&&) = default;
};
static_assert(!std::is_copy_constructible_v<MoveOnly>);

// Copies and moves.
struct Copyable : Counted<Copyable> {
  Copyable() : Counted(0) {}
  explicit Copyable(int value) : Counted(value) {}
};

// Copies and moves, and cannot be made from nothing.
struct NoDefault : Counted<NoDefault> {
  explicit NoDefault(int value) : Counted(value) {}
};
static_assert(!std::is_default_constructible_v<NoDefault>);

// What a task measured: a value it received and the copies and moves until then.
struct Seen {
  int value;
  int copies;
  int moves;
};
template <class V>
Seen seen(const V& v) {
  return {v.value(), V::copies.load(), V::moves.load()};
}

// Checks what arrived: `value`, with `moves` moves and no copy.
void require_moved(const Seen& arrived, int value, int moves) {
  REQUIRE(arrived.value == value);
  REQUIRE(arrived.copies == 0);
  REQUIRE(arrived.moves == moves);
}

// The message of the InvalidStateError that `read` throws, or "no error".
template <class Read>
std::string invalid_state(Read&& read) {
  try {
    read();
  } catch (const ta::InvalidStateError& e) {
    return e.what();
  }
  return "no error";
}

// Requests with one argument of type V, answered with V(argument + 1).
template <class V>
class Stub : public ta::Client {
 public:
  using ta::Client::Client;
  V send(V v) { return execute<&Stub::send>(std::move(v)); }
};

template <class V>
class EchoServer : public ta::Server {
 public:
  Seen args_seen{0, 0, 0};

 protected:
  void handle_request(ta::ExecutionRequest& request, ta::Promise& promise) override {
    auto [v] = std::move(request).template args<V>();
    args_seen = seen(v);
    V::reset();
    promise.set_result(V(v.value() + 1));
  }
};

// A request with a move-only argument, whose handler reads the arguments twice.
class Holder : public ta::Client {
 public:
  using ta::Client::Client;
  int give(std::unique_ptr<int> p) { return execute<&Holder::give>(std::move(p)); }
};

class Reader : public ta::Server {
 public:
  std::string again;  // the second read's error

 protected:
  void handle_request(ta::ExecutionRequest& request, ta::Promise& promise) override {
    auto [p] = request.args<std::unique_ptr<int>>();
    again = invalid_state([&] { request.args<std::unique_ptr<int>>(); });
    promise.set_result(*p);
  }
};

}  // namespace

TEMPLATE_TEST_CASE("a task's result reaches the caller with one move and no copy", "[values]",
                   MoveOnly, Copyable, NoDefault) {
  ta::AsyncRunner runner;
  TestType::reset();
  auto task = runner.create_task([] { return TestType(7); });
  TestType waited = std::move(task).wait();
  require_moved(seen(waited), 7, 1);

  TestType::reset();
  TestType ran = runner.run([] { return TestType(8); });
  require_moved(seen(ran), 8, 1);

  const Seen in_task = runner.run([] {
    auto child = ta::create_task([] { return TestType(9); });
    TestType::reset();
    TestType result = std::move(child).result();
    return seen(result);
  });
  require_moved(in_task, 9, 1);
}

TEMPLATE_TEST_CASE("a copyable result stays readable, a move-only one is moved out once",
                   "[values]", MoveOnly, Copyable, NoDefault) {
  ta::AsyncRunner runner;
  TestType::reset();
  auto task = runner.create_task(ta::TaskOptions{"maker"}, [] { return TestType(5); });
  TestType first = task.wait();
  REQUIRE(first.value() == 5);
  if constexpr (std::is_copy_constructible_v<TestType>) {
    TestType again = runner.run([task] { return task.result(); });
    REQUIRE(again.value() == 5);
    REQUIRE(TestType::copies == 2);  // one per read
    TestType taken = std::move(task).wait();
    REQUIRE(taken.value() == 5);
    REQUIRE(TestType::moves == 2);  // the take, and run's result
    REQUIRE_THAT(invalid_state([&] { task.wait(); }),
                 Catch::StartsWith("BackgroundTask::wait: the result of task 'maker' was "
                                   "already moved out by an earlier read from an rvalue") &&
                     Catch::Contains("as with std::shared_future::get"));
  } else {
    REQUIRE(TestType::moves == 1);
    REQUIRE_THAT(invalid_state([&] { task.wait(); }),
                 Catch::StartsWith("BackgroundTask::wait: the result of task 'maker' was "
                                   "already moved out by an earlier read: ") &&
                     Catch::Contains("MoveOnly is move-only, so it is read once, as with "
                                     "std::future::get") &&
                     Catch::Contains("std::shared_ptr"));
    REQUIRE_THAT(invalid_state([&] { runner.run([task] { return task.result(); }); }),
                 Catch::StartsWith("BackgroundTask::result: the result of task 'maker'"));
  }
  REQUIRE(TestType::copies == (std::is_copy_constructible_v<TestType> ? 2 : 0));
}

TEMPLATE_TEST_CASE("call_in_loop returns its result with one move and no copy", "[values]",
                   MoveOnly, Copyable, NoDefault) {
  ta::AsyncRunner runner;
  TestType::reset();
  TestType from_thread = runner.call_in_loop([] { return TestType(3); });
  require_moved(seen(from_thread), 3, 1);

  const Seen on_loop = runner.run([&runner] {
    TestType::reset();
    TestType result = runner.call_in_loop([] { return TestType(4); });
    return seen(result);
  });
  require_moved(on_loop, 4, 1);
}

TEMPLATE_TEST_CASE("create_task moves an argument into the task once", "[values]", MoveOnly,
                   Copyable, NoDefault) {
  ta::AsyncRunner runner;
  TestType::reset();
  // Into the task, then into the function's parameter.
  auto by_value = runner.create_task([](TestType v) { return seen(v); }, TestType(1));
  require_moved(by_value.wait(), 1, 2);

  TestType::reset();
  TestType local(2);
  auto by_rvalue = runner.create_task([](TestType&& v) { return seen(v); }, std::move(local));
  require_moved(by_rvalue.wait(), 2, 1);

  const Seen from_task = runner.run([] {
    TestType::reset();
    auto child = ta::create_task([](TestType v) { return seen(v); }, TestType(3));
    return child.result();
  });
  require_moved(from_task, 3, 2);
}

TEMPLATE_TEST_CASE("a future's value goes across with two moves and no copy", "[values]", MoveOnly,
                   Copyable, NoDefault) {
  ta::AsyncRunner runner;
  ta::Future<TestType> to_task(runner);
  auto reader =
      runner.create_task([to_task]() mutable { return seen(std::move(to_task).result()); });
  TestType::reset();
  to_task.set_result(TestType(6));  // into the future
  const Seen read = reader.wait();  // out of it, in the task
  require_moved(read, 6, 2);

  ta::Future<TestType> to_thread(runner);
  TestType::reset();
  runner.create_task([to_thread]() mutable { to_thread.set_result(TestType(7)); });
  TestType waited = std::move(to_thread).result_wait();
  require_moved(seen(waited), 7, 2);

  if constexpr (std::is_copy_constructible_v<TestType>) {
    REQUIRE_THAT(invalid_state([&] { to_thread.result_wait(); }),
                 Catch::StartsWith("Future::result_wait: the value of the future was already "
                                   "moved out by an earlier read from an rvalue"));
  } else {
    ta::Future<TestType> once(runner);
    once.set_result(TestType(8));
    REQUIRE(once.result_wait().value() == 8);
    REQUIRE_THAT(invalid_state([&] { once.result_wait(); }),
                 Catch::StartsWith("Future::result_wait: the value of the future was already "
                                   "moved out by an earlier read: ") &&
                     Catch::Contains("MoveOnly is move-only"));
  }
}

TEMPLATE_TEST_CASE("a queue item goes across with two moves and no copy on every path", "[values]",
                   MoveOnly, Copyable, NoDefault) {
  ta::AsyncRunner runner;
  ta::Queue<TestType> queue(runner, 1);

  // Stored, then taken by a task.
  TestType::reset();
  queue.put_wait(TestType(1));
  const Seen stored = runner.run([queue]() mutable { return seen(queue.get()); });
  require_moved(stored, 1, 2);

  // Handed straight to a task that waits in get.
  auto getter = runner.create_task([queue]() mutable { return seen(queue.get()); });
  runner.wait_for_next_eventloop_iteration();
  TestType::reset();
  queue.put_wait(TestType(2));
  const Seen handed = getter.wait();
  require_moved(handed, 2, 2);

  // Taken from a task that waits in put while the queue is full.
  queue.put_wait(TestType(3));
  auto putter = runner.create_task([queue]() mutable { queue.put(TestType(4)); });
  runner.wait_for_next_eventloop_iteration();
  TestType::reset();
  TestType third = queue.get_wait();
  putter.wait();
  TestType fourth = queue.get_wait();
  REQUIRE(third.value() == 3);
  require_moved(seen(fourth), 4, 3);  // 3 out; 4 from the putter into the queue, and out

  // try_put and try_get.
  TestType::reset();
  REQUIRE(queue.try_put(TestType(5)));
  std::optional<TestType> got = queue.try_get();
  require_moved(seen(*got), 5, 2);
}

TEMPLATE_TEST_CASE("a put that fails leaves the item in the caller's hands", "[values]", MoveOnly,
                   Copyable, NoDefault) {
  ta::AsyncRunner runner;
  ta::Queue<TestType> queue(runner, 1);
  queue.put_wait(TestType(0));
  TestType item(9);
  TestType::reset();
  REQUIRE_FALSE(queue.try_put(std::move(item)));
  REQUIRE_THROWS_AS(queue.put_wait(std::move(item), 0ms), ta::EventLoopTimeoutError);
  const bool timed_out = runner.run([queue, &item]() mutable {
    try {
      queue.put(std::move(item), 1ms);
    } catch (const ta::EventLoopTimeoutError&) {
      return true;
    }
    return false;
  });
  REQUIRE(timed_out);
  require_moved(seen(item), 9, 0);
  if constexpr (std::is_copy_constructible_v<TestType>) {
    REQUIRE_FALSE(queue.try_put(item));  // refused: not even copied
    REQUIRE(TestType::copies == 0);
    REQUIRE(queue.get_wait().value() == 0);
    TestType::reset();
    REQUIRE(queue.try_put(item));  // an lvalue is copied in, once
    REQUIRE(item.value() == 9);
    REQUIRE(queue.get_wait().value() == 9);
    REQUIRE(TestType::copies == 1);
    REQUIRE(TestType::moves == 1);
  }
}

TEMPLATE_TEST_CASE("control inversion moves arguments and answers twice and copies nothing",
                   "[values]", MoveOnly, Copyable, NoDefault) {
  EchoServer<TestType> server;
  auto client = server.create_background_task([stub = Stub<TestType>(server)]() mutable {
    TestType::reset();
    return seen(stub.send(TestType(10)));
  });
  REQUIRE(server.process());
  const Seen answer = client.wait();
  require_moved(server.args_seen, 10, 2);  // into the request, out of it
  require_moved(answer, 11, 2);            // into the client's future, out of it
}

TEMPLATE_TEST_CASE("the utilities pass results on with no copy", "[values]", MoveOnly, Copyable,
                   NoDefault) {
  ta::AsyncRunner runner;
  ta::Event never(runner);
  const std::vector<Seen> results = runner.run([never] {
    std::vector<Seen> out;
    TestType::reset();
    out.push_back(seen(ta::with_timeout(10s, [] { return TestType(1); })));
    TestType::reset();
    out.push_back(seen(ta::wait_for_or_cancel([] { return TestType(2); }, never)));
    TestType::reset();
    out.push_back(seen(ta::run_or_raise([] { return TestType(3); }, [] { ta::sleep(10s); })));

    std::vector<ta::BackgroundTask<TestType>> tasks;
    for (int i = 4; i <= 6; ++i) tasks.push_back(ta::create_task([i] { return TestType(i); }));
    const std::size_t first = ta::wait_first(tasks);
    TestType::reset();
    out.push_back(seen(std::move(tasks[first]).result()));

    tasks.clear();
    for (int i = 7; i <= 9; ++i) tasks.push_back(ta::create_task([i] { return TestType(i); }));
    TestType::reset();
    const std::vector<TestType> all = ta::wait_all(std::move(tasks));
    for (const auto& v : all) out.push_back(seen(v));
    return out;
  });
  REQUIRE(results.size() == 7);
  // One move each, out of the child task.
  require_moved(results[0], 1, 1);
  require_moved(results[1], 2, 1);
  require_moved(results[2], 3, 1);
  REQUIRE(results[3].value >= 4);  // whichever finished first
  require_moved(results[3], results[3].value, 1);
  // Two moves per task, out of it and into the vector.
  for (int i = 4; i < 7; ++i) require_moved(results[i], i + 3, 6);
}

TEMPLATE_TEST_CASE("wait_all on tasks given as an lvalue reads each result by the rule", "[values]",
                   MoveOnly, Copyable, NoDefault) {
  ta::AsyncRunner runner;
  struct Outcome {
    Seen last;
    bool still_readable;
  };
  const Outcome outcome = runner.run([] {
    std::vector<ta::BackgroundTask<TestType>> tasks;
    for (int i = 1; i <= 3; ++i) tasks.push_back(ta::create_task([i] { return TestType(i); }));
    TestType::reset();
    const std::vector<TestType> all = ta::wait_all(tasks);
    const Seen last = seen(all.back());
    try {
      return Outcome{last, tasks[2].result().value() == 3};
    } catch (const ta::InvalidStateError&) {
      return Outcome{last, false};
    }
  });
  REQUIRE(outcome.last.value == 3);
  if constexpr (std::is_copy_constructible_v<TestType>) {
    REQUIRE(outcome.still_readable);
    REQUIRE(outcome.last.copies == 3);  // one per task
    REQUIRE(outcome.last.moves == 3);   // into the vector
  } else {
    REQUIRE_FALSE(outcome.still_readable);
    REQUIRE(outcome.last.copies == 0);
    REQUIRE(outcome.last.moves == 6);  // out of each task, into the vector
  }
}

TEST_CASE("wait_all takes no result when a task failed", "[values]") {
  ta::AsyncRunner runner;
  auto ok = runner.create_task([] { return std::make_unique<int>(1); });
  auto failed = runner.create_task([]() -> std::unique_ptr<int> { throw std::runtime_error("x"); });
  const std::string error = runner.run([tasks = std::vector{ok, failed}] {
    try {
      ta::wait_all(tasks);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  });
  REQUIRE(error == "x");
  REQUIRE(*std::move(ok).wait() == 1);
}

TEST_CASE("the issue's first program: std::unique_ptr results on every path", "[values]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] { return std::make_unique<int>(7); });
  std::unique_ptr<int> p = task.wait();
  REQUIRE(*p == 7);
  ta::Future<std::unique_ptr<int>> f(runner);
  f.set_result(std::make_unique<int>(8));
  REQUIRE(*f.result_wait() == 8);
  auto c = runner.call_in_loop([] { return std::make_unique<int>(10); });
  REQUIRE(*c == 10);
  REQUIRE(*runner.run([] { return std::make_unique<int>(11); }) == 11);
  ta::Queue<std::unique_ptr<int>> q(runner);
  REQUIRE(q.try_put(std::make_unique<int>(12)));
  REQUIRE(**q.try_get() == 12);
}

TEST_CASE("move-only request arguments are moved out by the first read", "[values]") {
  Reader server;
  auto client = server.create_background_task(
      [holder = Holder(server)]() mutable { return holder.give(std::make_unique<int>(41)); });
  REQUIRE(server.process());
  REQUIRE(client.wait() == 41);
  REQUIRE_THAT(server.again,
               Catch::StartsWith("ExecutionRequest::args: the argument tuple of request '") &&
                   Catch::Contains("Holder::give' was already moved out by an earlier read: ") &&
                   Catch::Contains("is move-only"));
}

TEST_CASE("const results are moved, not copied", "[values]") {
  ta::AsyncRunner runner;
  Copyable::reset();
  auto task = runner.create_task([]() -> const Copyable { return Copyable(1); });
  static_assert(std::is_same_v<decltype(task), ta::BackgroundTask<const Copyable>>);
  Copyable v = std::move(task).wait();
  require_moved(seen(v), 1, 1);

  ta::Future<const Copyable> future(runner);
  Copyable::reset();
  future.set_result(Copyable(2));
  require_moved(seen(std::move(future).result_wait()), 2, 2);

  const std::vector<Copyable> all = runner.run([] {
    std::vector<ta::BackgroundTask<const Copyable>> tasks{
        ta::create_task([]() -> const Copyable { return Copyable(3); })};
    Copyable::reset();
    return ta::wait_all(std::move(tasks));
  });
  require_moved(seen(all.at(0)), 3, 2);  // out of the task, into the vector
}

TEST_CASE("std::reference_wrapper carries references where a value would be copied", "[values]") {
  ta::AsyncRunner runner;
  int target = 1;
  auto task = runner.create_task([](int& t) { return std::ref(t); }, std::ref(target));
  int& same = task.wait();
  REQUIRE(&same == &target);

  ta::Future<std::reference_wrapper<int>> future(runner);
  future.set_result(std::ref(target));
  runner.run([future] { ++future.result().get(); });
  REQUIRE(target == 2);

  ta::Queue<std::reference_wrapper<int>> queue(runner);
  queue.put_wait(std::ref(target));
  runner.run([queue]() mutable { queue.get().get() += 10; });
  REQUIRE(target == 12);
}

TEST_CASE("void results carry completion on every path", "[values]") {
  ta::AsyncRunner runner;
  int calls = 0;
  runner.call_in_loop([&] { ++calls; });
  runner.run([&] { ++calls; });
  ta::Future<void> future(runner);
  future.set_result();
  std::move(future).result_wait();
  future.result_wait();  // nothing to move out: completion stays readable
  runner.run([&] {
    ta::with_timeout(10s, [&] { ++calls; });
    std::vector<ta::BackgroundTask<void>> tasks{ta::create_task([&] { ++calls; })};
    ta::wait_all(std::move(tasks));
  });
  REQUIRE(calls == 4);
}
