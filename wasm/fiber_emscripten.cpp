// The WebAssembly fiber backend: Emscripten fibers (-sASYNCIFY). A switch
// unwinds the running fiber's wasm call stack into its Asyncify stack and
// rewinds the other fiber's, so each fiber owns two stacks: a C stack (the
// shadow stack of address-taken locals, the usable size a runner asks for) and
// an Asyncify stack (the saved wasm locals of its suspended call chain). Both
// live in one block from a per-loop pool. WebAssembly has no page protection:
// FiberPoolOptions::guard_pages has no effect here.
#include <emscripten/fiber.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

#include "threaded_async/detail/fiber.hpp"

// wasm/fiber_runtime.js: each fiber's own C++ exception state, and the
// keep-alive count that a fiber would otherwise leak.
extern "C" void ta_fiber_started();
extern "C" void ta_fiber_before_switch(void* from, void* to);
extern "C" void ta_fiber_forget(void* fiber);

namespace threaded_async::detail {
namespace {

constexpr std::size_t kAlign = 16;
// Asyncify stack of a fiber: a quarter of its C stack, at least this much.
constexpr std::size_t kMinAsyncifyStack = 16 * 1024;
// Asyncify stack of a thread's own context (the loop's scheduler).
constexpr std::size_t kThreadAsyncifyStack = 64 * 1024;
// Free blocks kept for reuse beyond this many go back to malloc.
constexpr std::size_t kKeepFree = 64;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

void* allocate(std::size_t bytes) {
  void* p = std::aligned_alloc(kAlign, round_up(bytes, kAlign));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

class Fiber {
 public:
  emscripten_fiber_t context{};
  FiberEntry entry = nullptr;
  void* arg = nullptr;
};

namespace {

// A fiber block: the Fiber record, then its Asyncify stack, then its C stack.
constexpr std::size_t kRecord = (sizeof(Fiber) + kAlign - 1) / kAlign * kAlign;

void fiber_start(void* arg) {
  auto* fiber = static_cast<Fiber*>(arg);
  ta_fiber_started();
  fiber->entry(fiber->arg);
}

}  // namespace

class FiberPool {
 public:
  explicit FiberPool(const FiberPoolOptions& o)
      : c_stack_(round_up(o.stack_size, kAlign)),
        asyncify_stack_(round_up(std::max(o.stack_size / 4, kMinAsyncifyStack), kAlign)) {}

  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;

  ~FiberPool() {
    for (void* block : free_) std::free(block);
  }

  void* take() {
    if (free_.empty()) return allocate(kRecord + asyncify_stack_ + c_stack_);
    void* block = free_.back();
    free_.pop_back();
    return block;
  }

  void give(void* block) {
    if (free_.size() >= kKeepFree) {
      std::free(block);
      return;
    }
    free_.push_back(block);
  }

  std::size_t c_stack() const { return c_stack_; }
  std::size_t asyncify_stack() const { return asyncify_stack_; }

 private:
  std::size_t c_stack_;
  std::size_t asyncify_stack_;
  std::vector<void*> free_;
};

FiberPool* fiber_pool_create(const FiberPoolOptions& options) { return new FiberPool(options); }
void fiber_pool_destroy(FiberPool* pool) { delete pool; }

Fiber* fiber_create(FiberPool* pool, FiberEntry entry, void* arg) {
  auto* block = static_cast<char*>(pool->take());
  auto* fiber = new (block) Fiber;
  fiber->entry = entry;
  fiber->arg = arg;
  char* asyncify_stack = block + kRecord;
  char* c_stack = asyncify_stack + pool->asyncify_stack();
  emscripten_fiber_init(&fiber->context, &fiber_start, fiber, c_stack, pool->c_stack(),
                        asyncify_stack, pool->asyncify_stack());
  return fiber;
}

void fiber_destroy(FiberPool* pool, Fiber* fiber) {
  ta_fiber_forget(fiber);
  fiber->~Fiber();
  pool->give(fiber);
}

Fiber* fiber_for_thread() {
  auto* block = static_cast<char*>(allocate(kRecord + kThreadAsyncifyStack));
  auto* fiber = new (block) Fiber;
  emscripten_fiber_init_from_current_context(&fiber->context, block + kRecord,
                                             kThreadAsyncifyStack);
  return fiber;
}

void fiber_release_thread(Fiber* fiber) {
  ta_fiber_forget(fiber);
  fiber->~Fiber();
  std::free(fiber);
}

void fiber_switch(Fiber* from, Fiber* to) {
  ta_fiber_before_switch(from, to);
  emscripten_fiber_swap(&from->context, &to->context);
}

}  // namespace threaded_async::detail
