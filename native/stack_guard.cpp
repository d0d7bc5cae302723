// Reports fiber stack overflows (see stack_guard.hpp).
#include "native/stack_guard.hpp"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

#include "threaded_async/detail/event_loop.hpp"

namespace threaded_async::detail {
namespace {

constexpr std::size_t kAltStackSize = 64 * 1024;
thread_local void* tls_alt_stack = nullptr;
struct sigaction previous_segv;
struct sigaction previous_bus;

void write_str(const char* s) {
  ssize_t ignored = ::write(STDERR_FILENO, s, ::strlen(s));
  (void)ignored;
}

void on_fault(int sig, siginfo_t* info, void* context) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto low = reinterpret_cast<std::uintptr_t>(running_fiber_stack_low());
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  if (low != 0 && addr < low && addr + page >= low) {
    stack_guard_report_overflow("it hit the guard page below the stack");
  }
  // Not ours: hand the fault to whoever handled it before, or crash as usual.
  const struct sigaction& prev = sig == SIGBUS ? previous_bus : previous_segv;
  if (prev.sa_flags & SA_SIGINFO) {
    prev.sa_sigaction(sig, info, context);
    return;
  }
  if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
    return;
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void stack_guard_report_overflow(const char* how) noexcept {
  const char* name = EventLoop::current_task_name_for_report();
  write_str("threaded_async: task '");
  write_str(name != nullptr ? name : "?");
  write_str("' overflowed its fiber stack (");
  write_str(how);
  write_str("); give the runner a larger RunnerOptions::stack_size\n");
  ::signal(SIGABRT, SIG_DFL);
  ::abort();
}

void stack_guard_install_for_thread() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = &on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGSEGV, &action, &previous_segv);
    ::sigaction(SIGBUS, &action, &previous_bus);
  });
  if (tls_alt_stack != nullptr) return;
  tls_alt_stack = std::malloc(kAltStackSize);
  stack_t ss{};
  ss.ss_sp = tls_alt_stack;
  ss.ss_size = kAltStackSize;
  ::sigaltstack(&ss, nullptr);
}

void stack_guard_remove_for_thread() {
  if (tls_alt_stack == nullptr) return;
  stack_t ss{};
  ss.ss_flags = SS_DISABLE;
  ::sigaltstack(&ss, nullptr);
  std::free(tls_alt_stack);
  tls_alt_stack = nullptr;
}

}  // namespace threaded_async::detail
