// Fiber stack overflow: a task that runs past the bottom of its stack touches
// the guard page below it; the SIGSEGV handler (on an alternate signal stack)
// then names the task and aborts, instead of letting it corrupt memory silently.
#pragma once

namespace threaded_async::detail {

// Lowest usable byte of the stack of the fiber running on this thread (nullptr
// on the thread's own stack). The guard page lies just below it.
// Async-signal-safe: reads of the thread's own storage
// (native/fiber_boost_context.cpp).
const void* running_fiber_stack_low() noexcept;
// One past the highest usable byte of that stack (nullptr on the thread's own).
const void* running_fiber_stack_high() noexcept;

// Names the running task as having overflowed its fiber stack (`how` says how
// it was found) and aborts. Async-signal-safe.
[[noreturn]] void stack_guard_report_overflow(const char* how) noexcept;

// Gives the calling thread an alternate signal stack and installs the
// process-wide SIGSEGV/SIGBUS handler (once).
void stack_guard_install_for_thread();
// Frees the calling thread's alternate signal stack.
void stack_guard_remove_for_thread();

}  // namespace threaded_async::detail
