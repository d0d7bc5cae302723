// The native loop thread. The loop's body runs on a fiber of its own, above
// the thread's own stack; forcing the thread down sends it a signal whose
// handler switches straight back to the thread's own stack, abandoning the
// stuck code's stack without unwinding it, and the thread then ends normally.
//
// What cannot be forced: code that blocks the signal (pthread_sigmask), or
// that is inside a call which the kernel does not interrupt for signals
// (uninterruptible disk sleep). close() then reports FAILED_FORCE_STOPPED.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "native/stack_guard.hpp"
#include "threaded_async/detail/fiber.hpp"
#include "threaded_async/detail/loop_thread.hpp"

namespace threaded_async::detail {

bool platform_may_block() noexcept { return true; }
bool platform_fibers_may_change_threads() noexcept { return true; }

namespace {

int force_signal() { return SIGRTMIN + 3; }

struct Shared {
  LoopThread::Body body;
  void* arg;
  std::shared_ptr<void> keep_alive;
  std::mutex mutex;
  std::condition_variable cv;
  bool ended = false;
  std::atomic<bool> forcing{false};
  Fiber* root = nullptr;   // the thread's own stack
  Fiber* stuck = nullptr;  // where the stuck code was, abandoned
  Fiber* body_fiber = nullptr;
};

thread_local Shared* tls_shared = nullptr;

void on_force_signal(int) {
  Shared* shared = tls_shared;
  if (shared == nullptr || !shared->forcing.load()) return;
  // In the loop's own bookkeeping the loop is not stuck: it will see the
  // shutdown request and end by itself.
  if (!loop_is_running_user_code()) return;
  tls_shared = nullptr;  // a second signal does nothing
  fiber_switch(shared->stuck, shared->root);
}

void install_force_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_handler = &on_force_signal;
    action.sa_flags = SA_NODEFER;  // the handler never returns, so leave the signal unblocked
    sigemptyset(&action.sa_mask);
    ::sigaction(force_signal(), &action, nullptr);
  });
}

void body_entry(void* arg) {
  auto* shared = static_cast<Shared*>(arg);
  shared->body(shared->arg);
  tls_shared = nullptr;
  fiber_switch(shared->body_fiber, shared->root);
}

void thread_main(std::shared_ptr<Shared> shared) {
  stack_guard_install_for_thread();
  FiberPoolOptions options;
  options.stack_size = 8 * 1024 * 1024;  // like a thread's own stack; committed lazily
  FiberPool* pool = fiber_pool_create(options);
  shared->root = fiber_for_thread();
  shared->stuck = fiber_for_thread();
  shared->body_fiber = fiber_create(pool, &body_entry, shared.get());
  tls_shared = shared.get();
  fiber_switch(shared->root, shared->body_fiber);
  tls_shared = nullptr;
  fiber_destroy(pool, shared->body_fiber);
  fiber_release_thread(shared->stuck);
  fiber_release_thread(shared->root);
  fiber_pool_destroy(pool);
  stack_guard_remove_for_thread();
  shared->keep_alive.reset();
  std::lock_guard<std::mutex> guard(shared->mutex);
  shared->ended = true;
  shared->cv.notify_all();
}

class PosixLoopThread final : public LoopThread {
 public:
  PosixLoopThread(const std::string& name, std::shared_ptr<Shared> shared)
      : shared_(std::move(shared)) {
    install_force_handler();
    thread_ = std::thread(&thread_main, shared_);
    ::pthread_setname_np(thread_.native_handle(), name.substr(0, 15).c_str());
  }

  ~PosixLoopThread() override {
    if (thread_.joinable()) thread_.join();
  }

  bool join_until(Clock::time_point deadline) override {
    {
      std::unique_lock<std::mutex> lock(shared_->mutex);
      while (!shared_->ended) {
        if (deadline == Clock::time_point::max()) {
          shared_->cv.wait(lock);
        } else if (shared_->cv.wait_until(lock, deadline) == std::cv_status::timeout) {
          return false;
        }
      }
    }
    if (thread_.joinable()) thread_.join();
    return true;
  }

  bool force_stop() override {
    if (!thread_.joinable()) return false;
    shared_->forcing.store(true);
    return ::pthread_kill(thread_.native_handle(), force_signal()) == 0;
  }

  void detach() override {
    if (thread_.joinable()) thread_.detach();
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<LoopThread> LoopThread::start(const std::string& name, Body body, void* arg,
                                              std::shared_ptr<void> keep_alive) {
  auto shared = std::make_shared<Shared>();
  shared->body = body;
  shared->arg = arg;
  shared->keep_alive = std::move(keep_alive);
  return std::make_unique<PosixLoopThread>(name, std::move(shared));
}

}  // namespace threaded_async::detail
