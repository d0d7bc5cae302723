// The WebAssembly loop thread: a pthread, that is a Web Worker. The loop body
// runs on the thread's own stack.
//
// Forcing a stuck thread down terminates its worker (wasm has no signals to
// interrupt it with, so the stuck code is never unwound: its stack is
// abandoned). That must happen on the main JavaScript thread, so force_stop()
// posts it there; close() sees the thread as ended once the main thread has
// done it. Where the main thread is not free to run it in time (a program that
// keeps the main thread busy instead of using -sPROXY_TO_PTHREAD), close()
// reports FAILED_FORCE_STOPPED and the kill still happens whenever the main
// thread gets to it.
//
// A browser ends a terminated worker asynchronously: it may run on for a while,
// and nothing says when it has stopped. So nothing the killed thread may still
// touch is ever freed or reused: the kill is wasm/thread_runtime.js's, which
// keeps the pthread struct and thread-local storage (Emscripten's killThread
// frees the struct at once), the loop thread runs on a stack of ours (freed
// only after a join), the stuck task's fiber stack is never given back
// (EventLoop::after_stop), and the worker is never reused. A lock it held
// stays held.
//
// The killed loop's other tasks are not resumed elsewhere to unwind, as they are
// natively: compiled code may keep its thread's thread-local addresses (such as
// Emscripten's exception flag) in locals across a fiber switch, so a fiber
// resumed on another worker would misbehave. They are reported cancelled,
// their stacks abandoned.
#include <emscripten/threading.h>
#include <pthread.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "threaded_async/detail/loop_thread.hpp"
#include "threaded_async/errors.hpp"

// wasm/thread_runtime.js: terminates the thread's worker, freeing nothing.
extern "C" int ta_thread_kill_keeping_memory(pthread_t thread);

namespace threaded_async::detail {

bool platform_may_block() noexcept { return !emscripten_is_main_browser_thread(); }
bool platform_fibers_may_change_threads() noexcept { return false; }

namespace {

enum class State { kRunning, kEnded, kKilled };

struct Shared {
  LoopThread::Body body;
  void* arg;
  std::shared_ptr<void> keep_alive;
  pthread_t thread{};
  std::mutex mutex;
  std::condition_variable cv;
  State state = State::kRunning;
  bool detached = false;
  bool kill_posted = false;
  void* stack = nullptr;  // the thread's stack: freed once joined, never once killed
};

// As large as Emscripten's default pthread stack.
constexpr std::size_t kLoopStackSize = 2 * 1024 * 1024;

void* thread_main(void* arg) {
  auto* holder = static_cast<std::shared_ptr<Shared>*>(arg);
  std::shared_ptr<Shared> shared = std::move(*holder);
  delete holder;
  shared->body(shared->arg);
  shared->keep_alive.reset();
  std::lock_guard<std::mutex> guard(shared->mutex);
  if (shared->state == State::kRunning) shared->state = State::kEnded;
  shared->cv.notify_all();
  return nullptr;
}

// Runs on the main runtime thread, which alone may terminate a worker.
void kill_on_main_thread(void* arg) {
  auto* holder = static_cast<std::shared_ptr<Shared>*>(arg);
  std::shared_ptr<Shared> shared = std::move(*holder);
  delete holder;
  std::shared_ptr<void> keep_alive;
  {
    std::lock_guard<std::mutex> guard(shared->mutex);
    if (shared->state != State::kRunning) return;
    ta_thread_kill_keeping_memory(shared->thread);
    shared->state = State::kKilled;
    keep_alive = std::move(shared->keep_alive);
    shared->cv.notify_all();
  }
}

class EmscriptenLoopThread final : public LoopThread {
 public:
  explicit EmscriptenLoopThread(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

  ~EmscriptenLoopThread() override {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    if (shared_->state == State::kKilled || shared_->detached || joined_) return;
    lock.unlock();
    join();
  }

  bool join_until(Clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(shared_->mutex);
    while (shared_->state == State::kRunning) {
      if (deadline == Clock::time_point::max()) {
        shared_->cv.wait(lock);
      } else if (shared_->cv.wait_until(lock, deadline) == std::cv_status::timeout) {
        if (shared_->state == State::kRunning) return false;
      }
    }
    if (shared_->state == State::kKilled || shared_->detached || joined_) return true;
    lock.unlock();
    join();
    return true;
  }

  // Never unwinds: a worker can only be terminated.
  ForceOutcome force_stop(Clock::time_point deadline, bool) override {
    bool post_kill = false;
    {
      std::lock_guard<std::mutex> guard(shared_->mutex);
      if (shared_->state == State::kEnded) return ForceOutcome::kEnded;
      if (shared_->state == State::kKilled) return ForceOutcome::kAbandoned;
      if (shared_->detached) return ForceOutcome::kFailed;
      post_kill = !shared_->kill_posted;
      shared_->kill_posted = true;
    }
    if (post_kill) {
      auto* holder = new std::shared_ptr<Shared>(shared_);
      if (emscripten_is_main_runtime_thread()) {
        kill_on_main_thread(holder);
      } else {
        emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_VI, &kill_on_main_thread, holder);
      }
    }
    if (!join_until(deadline)) return ForceOutcome::kFailed;
    std::lock_guard<std::mutex> guard(shared_->mutex);
    return shared_->state == State::kKilled ? ForceOutcome::kAbandoned : ForceOutcome::kEnded;
  }

  // No stack of running code can be had from another worker.
  std::vector<std::string> sample_stack(Clock::duration) override { return {}; }

  void detach() override {
    std::lock_guard<std::mutex> guard(shared_->mutex);
    if (shared_->state == State::kKilled || shared_->detached || joined_) return;
    shared_->detached = true;
    ::pthread_detach(shared_->thread);
  }

 private:
  void join() {
    joined_ = true;
    ::pthread_join(shared_->thread, nullptr);
    std::free(shared_->stack);  // the thread has ended: nothing runs on it any more
    shared_->stack = nullptr;
  }

  std::shared_ptr<Shared> shared_;
  bool joined_ = false;
};

}  // namespace

std::unique_ptr<LoopThread> LoopThread::start(const std::string& name, Body body, void* arg,
                                              std::shared_ptr<void> keep_alive) {
  auto shared = std::make_shared<Shared>();
  shared->body = body;
  shared->arg = arg;
  shared->keep_alive = std::move(keep_alive);
  shared->stack = std::aligned_alloc(16, kLoopStackSize);
  if (shared->stack == nullptr) throw std::bad_alloc();
  pthread_attr_t attr;
  ::pthread_attr_init(&attr);
  ::pthread_attr_setstack(&attr, shared->stack, kLoopStackSize);
  auto* holder = new std::shared_ptr<Shared>(shared);
  std::lock_guard<std::mutex> guard(shared->mutex);
  const int rc = ::pthread_create(&shared->thread, &attr, &thread_main, holder);
  ::pthread_attr_destroy(&attr);
  if (rc != 0) {
    delete holder;
    std::free(shared->stack);
    shared->stack = nullptr;
    throw ResourceError("threaded_async: could not start the loop thread of runner '" + name +
                        "' (" + std::strerror(rc) +
                        "): is -pthread set, and the pthread pool large enough?");
  }
  emscripten_set_thread_name(shared->thread, name.c_str());
  return std::make_unique<EmscriptenLoopThread>(std::move(shared));
}

}  // namespace threaded_async::detail
