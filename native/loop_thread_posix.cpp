// The native loop thread, and how a stuck one is forced down.
//
// The loop's body runs on a fiber of its own, above the thread's own stack.
// To force the thread down, the closing thread signals it (SIGRTMIN+3) every
// millisecond or so. Each time, the handler walks the stuck code's stack
// (native/safe_point.hpp) and acts only at a safe moment: the loop thread is
// in user code (a task or a call_in_loop function, not the library's own
// code) and no frame is inside the C or C++ runtime, which may hold a lock.
//
// - At a safe moment where unwinding runs every frame's cleanups, the handler
//   makes the stuck code call ta_forced_stop_now (stop_trampolines_x86_64.S),
//   which throws ForcedThreadShutdown: destructors run, RAII locks are
//   released, the task ends cancelled and the loop goes on to its shutdown.
// - Where it cannot be unwound (a noexcept frame, a frame with cleanups
//   interrupted between calls), the stop waits for a moment that can (at
//   least kUnwindWindow and kUnwindLooks looks, at most kLongestUnwindWindow),
//   then abandons the stack: ta_forced_stop_now switches
//   straight back to the thread's own stack and the thread ends.
// - Inside the runtime (printf holding its stream's lock, malloc holding an
//   arena's), the handler replaces the return address of the outermost
//   runtime call, so that the stop is taken the moment that call returns into
//   the program's own code (ta_forced_stop_hijacked).
// - If no safe moment comes before the deadline (signals blocked, stuck inside
//   the runtime for good), force_stop() gives up: the thread is left running
//   untouched, and close() reports FAILED_FORCE_STOPPED.
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <ucontext.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <new>
#include <random>
#include <system_error>
#include <thread>

#include "native/safe_point.hpp"
#include "native/stack_guard.hpp"
#include "threaded_async/detail/fiber.hpp"
#include "threaded_async/detail/loop_thread.hpp"
#include "threaded_async/errors.hpp"

extern "C" {
void ta_forced_stop_injected();
void ta_forced_stop_hijacked();
[[noreturn]] void ta_forced_stop_now();
std::uintptr_t ta_hijack_original_return() noexcept;
void ta_hijack_fired(void* returned);
}

namespace threaded_async::detail {

bool platform_may_block() noexcept { return true; }
bool platform_fibers_may_change_threads() noexcept { return true; }

namespace {

int loop_signal() { return SIGRTMIN + 3; }

// How long a stop waits for a moment where the stuck code can be unwound
// before it settles for abandoning its stack: kUnwindWindow, and until it has
// looked at the stuck code kUnwindLooks times (a signal comes every
// millisecond or so), but no longer than kLongestUnwindWindow. On a busy
// machine the stuck thread runs for only part of the window, and fewer looks
// land at a moment that can be unwound.
constexpr Clock::duration kUnwindWindow = std::chrono::milliseconds(100);
constexpr Clock::duration kLongestUnwindWindow = std::chrono::milliseconds(500);
constexpr int kUnwindLooks = 50;

enum class Mode : int { kIdle, kSample, kForce };
enum class Decision : int { kUnwind, kAbandon };

std::int64_t monotonic_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Shared {
  LoopThread::Body body;
  void* arg;
  std::shared_ptr<void> keep_alive;
  std::mutex mutex;
  std::condition_variable cv;
  bool started = false;  // the loop's stack is made: the body runs
  bool ended = false;
  std::exception_ptr start_error;  // why the thread could not start the body
  Fiber* root = nullptr;           // the thread's own stack
  Fiber* stuck = nullptr;          // where the stuck code was, abandoned
  Fiber* body_fiber = nullptr;

  // Set by the closing thread (or a sampler), read by the signal handler.
  std::atomic<Mode> mode{Mode::kIdle};
  std::atomic<bool> may_unwind{true};
  std::atomic<std::int64_t> abandon_from_ns{0};    // abandoning is allowed from then on,
  std::atomic<int> looks{0};                       // after kUnwindLooks looks
  std::atomic<std::int64_t> abandon_latest_ns{0};  // or from then on in any case
  std::atomic<bool> given_up{false};               // left running untouched for good
  // Set by the loop thread.
  std::atomic<bool> unwinding{false};  // ForcedThreadShutdown was thrown
  std::atomic<bool> abandoned{false};
  std::atomic<bool> sampled{false};
  StackWalk sample;
  // The loop thread's own, in its handler and trampolines.
  std::atomic<bool> stop_in_progress{false};  // a hijack is armed or a stop is under way
  Decision decision = Decision::kAbandon;
  std::uintptr_t hijacked_return = 0;
  Allocation hijacked_allocates = Allocation::kNone;
  StackWalk walk;
};

thread_local Shared* tls_shared = nullptr;

std::uintptr_t fiber_low() noexcept {
  return reinterpret_cast<std::uintptr_t>(running_fiber_stack_low());
}
std::uintptr_t fiber_high() noexcept {
  return reinterpret_cast<std::uintptr_t>(running_fiber_stack_high());
}

// Makes the interrupted code call ta_forced_stop_injected from `pc`, as if
// from a call instruction ending there: the return address is pc + 1, and it
// sits past the red zone that leaf code may use below its stack pointer.
void inject_stop(ucontext_t* context, std::uintptr_t pc) noexcept {
  greg_t* regs = context->uc_mcontext.gregs;
  auto sp = static_cast<std::uintptr_t>(regs[REG_RSP]) - 128 - sizeof(std::uintptr_t);
  *reinterpret_cast<std::uintptr_t*>(sp) = pc + 1;
  regs[REG_RSP] = static_cast<greg_t>(sp);
  regs[REG_RIP] = static_cast<greg_t>(reinterpret_cast<std::uintptr_t>(&ta_forced_stop_injected));
}

// A forced stop's signal: looks for a safe moment in the stuck code.
void try_to_stop(Shared& shared, ucontext_t* context, std::uintptr_t pc) noexcept {
  if (shared.given_up.load() || shared.stop_in_progress.load()) return;
  if (!loop_is_running_user_code()) return;  // the loop's own code ends by itself
  // An exception is propagating on the stuck fiber (an earlier stop's, still
  // running the cleanups on its way out on a busy machine, or the code's
  // own): the unwinder is reading the return addresses that a stop would
  // rewrite, and a second throw would terminate. The fiber backend keeps each
  // fiber's count, which this thread has read before (no lazy TLS here).
  if (std::uncaught_exceptions() > 0) return;
  StackWalk& walk = shared.walk;
  walk_stack(walk, pc, true, fiber_low(), fiber_high());
  if (!walk.complete) return;  // frames the unwinder cannot read: no way to judge them
  const bool may_unwind = shared.may_unwind.load();
  const int looks = shared.looks.fetch_add(1) + 1;
  const std::int64_t now = monotonic_ns();
  const bool may_abandon = now >= shared.abandon_from_ns.load() &&
                           (looks >= kUnwindLooks || now >= shared.abandon_latest_ns.load());
  if (walk.runtime_frame >= 0) {
    // Inside the runtime: take the stop when its outermost call returns.
    const int caller = walk.runtime_frame + 1;
    if (caller >= walk.count) return;
    const bool unwinds = may_unwind && walk.runtime_call_may_throw && walk.unwindable_from(caller);
    if (!unwinds && !may_abandon) return;
    auto* slot = reinterpret_cast<std::uintptr_t*>(walk.cfa[caller] - sizeof(std::uintptr_t));
    if (*slot != walk.pc[caller]) return;  // not where the return address should be
    shared.decision = unwinds ? Decision::kUnwind : Decision::kAbandon;
    shared.hijacked_allocates = walk.runtime_call_allocates;
    shared.hijacked_return = *slot;
    shared.stop_in_progress.store(true);
    *slot = reinterpret_cast<std::uintptr_t>(&ta_forced_stop_hijacked);
    return;
  }
  // In the program's own code, the stack is unwound only from a blocking
  // call that may throw (see StackWalk::in_blocking_call); elsewhere the stop
  // waits, within the window, for a runtime call (above), else abandons.
  const bool unwinds = may_unwind && walk.in_blocking_call && walk.unwindable_from(0);
  if (!unwinds && !may_abandon) return;
  shared.decision = unwinds ? Decision::kUnwind : Decision::kAbandon;
  shared.stop_in_progress.store(true);
  inject_stop(context, pc);
}

void on_loop_signal(int, siginfo_t*, void* raw_context) {
  Shared* shared = tls_shared;
  if (shared == nullptr) return;
  const int saved_errno = errno;
  auto* context = static_cast<ucontext_t*>(raw_context);
  const auto pc = static_cast<std::uintptr_t>(context->uc_mcontext.gregs[REG_RIP]);
  switch (shared->mode.load()) {
    case Mode::kSample:
      if (!shared->sampled.load()) {
        walk_stack(shared->sample, pc, true, fiber_low(), fiber_high());
        shared->sampled.store(true);
      }
      break;
    case Mode::kForce:
      try_to_stop(*shared, context, pc);
      break;
    case Mode::kIdle:
      break;
  }
  errno = saved_errno;
}

void install_signal_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    safe_points_init();
    struct sigaction action {};
    action.sa_sigaction = &on_loop_signal;
    // Restarted system calls: a signal that finds no safe moment leaves the
    // stuck code as it was.
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    ::sigaction(loop_signal(), &action, nullptr);
  });
}

void body_entry(void* arg) {
  auto* shared = static_cast<Shared*>(arg);
  shared->body(shared->arg);
  tls_shared = nullptr;
  fiber_switch(shared->body_fiber, shared->root);
}

// Ends the thread: the closing thread may go on once `ended` is set.
void thread_ended(Shared& shared) {
  shared.keep_alive.reset();
  std::lock_guard<std::mutex> guard(shared.mutex);
  shared.ended = true;
  shared.cv.notify_all();
}

void thread_main(std::shared_ptr<Shared> shared) {
  stack_guard_install_for_thread();
  FiberPoolOptions options;
  options.stack_size = 8 * 1024 * 1024;  // like a thread's own stack; committed lazily
  FiberPool* pool = nullptr;
  try {
    pool = fiber_pool_create(options);
    shared->root = fiber_for_thread();
    shared->stuck = fiber_for_thread();
    shared->body_fiber = fiber_create(pool, &body_entry, shared.get());
  } catch (...) {
    // No memory for the loop's own stack: the runner's constructor throws this.
    shared->start_error = std::current_exception();
    fiber_release_thread(shared->stuck);
    fiber_release_thread(shared->root);
    fiber_pool_destroy(pool);
    stack_guard_remove_for_thread();
    thread_ended(*shared);
    return;
  }
  {
    std::lock_guard<std::mutex> guard(shared->mutex);
    shared->started = true;
    shared->cv.notify_all();
  }
  tls_shared = shared.get();
  fiber_switch(shared->root, shared->body_fiber);
  tls_shared = nullptr;
  fiber_destroy(pool, shared->body_fiber);
  fiber_release_thread(shared->stuck);
  fiber_release_thread(shared->root);
  fiber_pool_destroy(pool);
  stack_guard_remove_for_thread();
  thread_ended(*shared);
}

class PosixLoopThread final : public LoopThread {
 public:
  PosixLoopThread(const std::string& name, std::shared_ptr<Shared> shared)
      : shared_(std::move(shared)) {
    install_signal_handler();
    try {
      thread_ = std::thread(&thread_main, shared_);
    } catch (const std::system_error& e) {
      throw ResourceError("threaded_async: could not start the loop thread of runner '" + name +
                          "' (" + e.what() +
                          "): the process is at its limit of threads (ulimit -u) or of memory "
                          "for their stacks (ulimit -v)");
    }
    std::unique_lock<std::mutex> lock(shared_->mutex);
    shared_->cv.wait(lock, [this] { return shared_->started || shared_->ended; });
    if (shared_->start_error) {
      lock.unlock();
      thread_.join();
      try {
        std::rethrow_exception(shared_->start_error);
      } catch (const std::exception& e) {
        throw ResourceError("threaded_async: could not start the loop thread of runner '" + name +
                            "': " + e.what());
      }
    }
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

  ForceOutcome force_stop(Clock::time_point deadline, bool may_unwind) override {
    std::lock_guard<std::mutex> signalling(signal_mutex_);
    if (!thread_.joinable()) return ForceOutcome::kEnded;
    Shared& shared = *shared_;
    shared.unwinding.store(false);
    shared.may_unwind.store(may_unwind);
    using std::chrono::nanoseconds;
    const std::int64_t now = monotonic_ns();
    const auto window = std::chrono::duration_cast<nanoseconds>(kUnwindWindow).count();
    const auto longest = std::chrono::duration_cast<nanoseconds>(kLongestUnwindWindow).count();
    shared.looks.store(0);  // without unwinding, both deadlines are 0: abandon at once
    shared.abandon_from_ns.store(may_unwind ? now + window : 0);
    shared.abandon_latest_ns.store(may_unwind ? now + longest : 0);
    shared.mode.store(Mode::kForce);
    // Signals a little irregularly, so as not to keep meeting a loop of the
    // same period at the same unsafe place.
    std::minstd_rand jitter(static_cast<unsigned>(monotonic_ns()));
    for (;;) {
      if (join_until(Clock::now())) {
        return shared.abandoned.load() ? ForceOutcome::kAbandoned : ForceOutcome::kEnded;
      }
      if (shared.unwinding.load()) break;
      if (Clock::now() >= deadline) {
        shared.given_up.store(true);
        shared.mode.store(Mode::kIdle);
        return ForceOutcome::kFailed;
      }
      ::pthread_kill(thread_.native_handle(), loop_signal());
      std::unique_lock<std::mutex> lock(shared.mutex);
      shared.cv.wait_for(lock, std::chrono::microseconds(500 + jitter() % 1000),
                         [&] { return shared.ended; });
    }
    shared.mode.store(Mode::kIdle);
    return ForceOutcome::kUnwound;
  }

  bool take_forced_stop() noexcept override {
    Shared& shared = *shared_;
    if (shared.mode.load() != Mode::kForce || !shared.may_unwind.load() || shared.given_up.load() ||
        shared.stop_in_progress.load()) {
      return false;
    }
    shared.unwinding.store(true);  // as ta_forced_stop_now's throw would
    return true;
  }

  std::vector<std::string> sample_stack(Clock::duration timeout) override {
    std::lock_guard<std::mutex> signalling(signal_mutex_);
    Shared& shared = *shared_;
    if (!thread_.joinable() || shared.given_up.load()) return {};
    shared.sampled.store(false);
    shared.mode.store(Mode::kSample);
    ::pthread_kill(thread_.native_handle(), loop_signal());
    const auto deadline = Clock::now() + timeout;
    while (!shared.sampled.load() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    shared.mode.store(Mode::kIdle);
    if (!shared.sampled.load()) return {};
    return describe_frames(shared.sample.pc, shared.sample.count, true);
  }

  void detach() override {
    if (thread_.joinable()) thread_.detach();
  }

 private:
  std::shared_ptr<Shared> shared_;
  std::thread thread_;
  std::mutex signal_mutex_;  // one forced stop or sample at a time
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

// --- Entered from the trampolines, on the loop thread ----------------------------

namespace ta_detail = threaded_async::detail;

// The stuck code is at the safe moment the handler chose: unwind it, or
// abandon its stack.
extern "C" [[noreturn]] void ta_forced_stop_now() {
  ta_detail::Shared& shared = *ta_detail::tls_shared;
  if (shared.decision == ta_detail::Decision::kUnwind) {
    shared.stop_in_progress.store(false);
    shared.unwinding.store(true);
    throw threaded_async::ForcedThreadShutdown();
  }
  shared.abandoned.store(true);
  ta_detail::tls_shared = nullptr;  // later signals do nothing
  ta_detail::fiber_switch(shared.stuck, shared.root);
  __builtin_unreachable();
}

extern "C" std::uintptr_t ta_hijack_original_return() noexcept {
  return ta_detail::tls_shared->hijacked_return;
}

// A hijacked runtime call has returned into the program's own code: take the
// stop there, unless it is no longer wanted.
extern "C" void ta_hijack_fired(void* returned) {
  ta_detail::Shared& shared = *ta_detail::tls_shared;
  if (shared.mode.load() == ta_detail::Mode::kForce && !shared.given_up.load()) {
    // Unwound as if operator new had thrown, the caller never sees its block.
    if (shared.decision == ta_detail::Decision::kUnwind) {
      if (shared.hijacked_allocates == ta_detail::Allocation::kNew) ::operator delete(returned);
      if (shared.hijacked_allocates == ta_detail::Allocation::kNewArray) {
        ::operator delete[](returned);
      }
    }
    ta_forced_stop_now();
  }
  shared.stop_in_progress.store(false);
}
