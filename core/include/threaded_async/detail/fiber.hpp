// The one small fiber interface that core/ sees.
//
// A backend implements it once per platform: native/fiber_boost_context.cpp
// (Boost.Context) and wasm/fiber_emscripten.cpp (Emscripten fibers). A
// FiberPool belongs to one loop thread and is used only by it (or by the
// thread that joined it).
#pragma once

#include <cstddef>

namespace threaded_async::detail {

class Fiber;      // defined by the backend
class FiberPool;  // defined by the backend

using FiberEntry = void (*)(void* arg);

struct FiberPoolOptions {
  std::size_t stack_size = 256 * 1024;  // usable bytes per fiber stack
  bool guard_pages = true;              // a no-access page below each stack, where the platform can
};

FiberPool* fiber_pool_create(const FiberPoolOptions& options);
// Frees the pool and every stack it holds. Fibers still alive must be destroyed first.
void fiber_pool_destroy(FiberPool* pool);

// A fiber that runs entry(arg) on its own stack the first time it is switched to.
// entry must never return: it switches away for the last time instead.
Fiber* fiber_create(FiberPool* pool, FiberEntry entry, void* arg);
// Gives the stack of a fiber that is not running back to its pool. A fiber
// suspended in the middle of its entry is abandoned: its stack is not unwound.
void fiber_destroy(FiberPool* pool, Fiber* fiber);

// The calling thread's own stack, as a fiber that others can switch back to.
Fiber* fiber_for_thread();
void fiber_release_thread(Fiber* fiber);

// Suspends `from` (the fiber running now) and runs `to`; returns when some
// fiber switches back to `from`.
void fiber_switch(Fiber* from, Fiber* to);

}  // namespace threaded_async::detail
