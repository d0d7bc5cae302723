// The native fiber backend: Boost.Context's fcontext switch, stacks from a
// per-loop pool of mmap'd regions whose pages the kernel commits on first
// touch, each with a no-access guard page below it.
#include <cxxabi.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/detail/fcontext.hpp>
#include <cstdint>
#include <new>
#include <vector>

#include "native/stack_guard.hpp"
#include "threaded_async/detail/fiber.hpp"

namespace threaded_async::detail {
namespace bctx = boost::context::detail;

thread_local const void* tls_fiber_stack_low = nullptr;

namespace {

// The C++ runtime's per-thread exception state (the Itanium ABI's
// __cxa_eh_globals): each fiber keeps its own, so a task suspended inside a
// catch block does not see another task's exceptions.
struct EhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};
// The calling thread's; looked up once per thread, since every switch needs it.
EhGlobals* eh_globals() {
  thread_local EhGlobals* const globals = reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
  return globals;
}

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// Stacks without guard pages are carved from slabs of this many.
constexpr std::size_t kSlabStacks = 64;
// Guarded stacks kept for reuse beyond this many are unmapped.
constexpr std::size_t kKeepGuarded = 1024;

}  // namespace

class Fiber {
 public:
  bctx::fcontext_t ctx = nullptr;
  EhGlobals eh{nullptr, 0};
  FiberEntry entry = nullptr;
  void* arg = nullptr;
  void* stack = nullptr;  // lowest usable byte; nullptr for a thread's own stack
};

class FiberPool {
 public:
  explicit FiberPool(const FiberPoolOptions& o)
      : guard_(o.guard_pages),
        usable_(round_up(o.stack_size, page_size())),
        region_(usable_ + (guard_ ? page_size() : 0)) {}

  ~FiberPool() {
    for (void* s : free_) {
      if (guard_) release_guarded(s);
    }
    for (auto& slab : slabs_) ::munmap(slab, region_ * kSlabStacks);
  }

  // Lowest usable byte of a fresh or reused stack.
  void* take() {
    if (!free_.empty()) {
      void* s = free_.back();
      free_.pop_back();
      return s;
    }
    return guard_ ? map_guarded() : carve();
  }

  void give(void* s) {
    if (guard_ && free_.size() >= kKeepGuarded) {
      release_guarded(s);
      return;
    }
    free_.push_back(s);
  }

  std::size_t usable() const { return usable_; }

 private:
  void* map_guarded() {
    void* p = ::mmap(nullptr, region_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    ::mprotect(p, page_size(), PROT_NONE);
    auto* usable = static_cast<char*>(p) + page_size();
    return usable;
  }
  void release_guarded(void* usable) {
    ::munmap(static_cast<char*>(usable) - page_size(), region_);
  }
  void* carve() {
    void* p = ::mmap(nullptr, region_ * kSlabStacks, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    slabs_.push_back(p);
    for (std::size_t i = kSlabStacks; i-- > 1;) free_.push_back(static_cast<char*>(p) + i * region_);
    return p;
  }

  bool guard_;
  std::size_t usable_;
  std::size_t region_;
  std::vector<void*> free_;
  std::vector<void*> slabs_;
};

namespace {

struct SwitchRecord {
  Fiber* from;
  Fiber* to;
};

[[noreturn]] void trampoline(bctx::transfer_t t) {
  auto* record = static_cast<SwitchRecord*>(t.data);
  record->from->ctx = t.fctx;
  Fiber* self = record->to;
  tls_fiber_stack_low = self->stack;
  self->entry(self->arg);
  __builtin_unreachable();  // entry switches away for the last time
}

}  // namespace

FiberPool* fiber_pool_create(const FiberPoolOptions& options) { return new FiberPool(options); }
void fiber_pool_destroy(FiberPool* pool) { delete pool; }
std::size_t fiber_stack_size(const FiberPool* pool) { return pool->usable(); }

Fiber* fiber_create(FiberPool* pool, FiberEntry entry, void* arg) {
  void* stack = pool->take();
  char* top = static_cast<char*>(stack) + pool->usable();
  // The Fiber record sits at the top of its own stack.
  top -= round_up(sizeof(Fiber), 64);
  auto* fiber = new (top) Fiber;
  fiber->entry = entry;
  fiber->arg = arg;
  fiber->stack = stack;
  fiber->ctx = bctx::make_fcontext(top, static_cast<std::size_t>(top - static_cast<char*>(stack)),
                                   &trampoline);
  return fiber;
}

void fiber_destroy(FiberPool* pool, Fiber* fiber) {
  void* stack = fiber->stack;
  fiber->~Fiber();
  pool->give(stack);
}

Fiber* fiber_for_thread() { return new Fiber; }
void fiber_release_thread(Fiber* fiber) { delete fiber; }

void fiber_switch(Fiber* from, Fiber* to) {
  EhGlobals* g = eh_globals();
  from->eh = *g;
  *g = to->eh;
  tls_fiber_stack_low = to->stack;
  SwitchRecord record{from, to};
  bctx::transfer_t t = bctx::jump_fcontext(to->ctx, &record);
  auto* back = static_cast<SwitchRecord*>(t.data);
  back->from->ctx = t.fctx;
  tls_fiber_stack_low = from->stack;
}

}  // namespace threaded_async::detail
