// The native fiber backend: stacks from a per-loop pool of mmap'd regions
// whose pages the kernel commits on first touch, each fiber first entered
// through Boost.Context (make_fcontext, jump_fcontext) and switched from then
// on by native/fiber_switch_x86_64.S.
//
// Stacks have a no-access guard page below them while the kernel's mappings
// are plentiful: a guarded stack costs two of the process's vm.max_map_count
// mappings (65,530 by default), and once they are gone every mmap of the
// process fails (a vector's growth, a thread's stack). So the guarded stacks
// of all pools together take at most a quarter of vm.max_map_count (read at
// run time); beyond that, stacks come from slabs of 256 without guard pages
// (one mapping a slab), and a canary just below each is checked at every
// switch away from its fiber. 1,000,000 tasks then take about a third of the
// default limit. The canary sits in the top bytes of the slot below (the slab's
// first slot has a page of its own below it), a page that slot's fiber record
// commits anyway: the stack's own lowest page stays untouched, so a shallow
// suspended task holds one page of stack, not two.
//
// Under a sanitizer every switch is announced to it (docs/reliability.md):
// ASan learns which stack is current, and forgets the poisoned frames of a
// stack that is given back or abandoned; TSan gets one context per fiber.
#include <cxxabi.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <boost/context/detail/fcontext.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "native/stack_guard.hpp"
#include "threaded_async/detail/fiber.hpp"
#include "threaded_async/errors.hpp"

// g++ says which sanitizer is on with __SANITIZE_*__, clang with __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define THREADED_ASYNC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define THREADED_ASYNC_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define THREADED_ASYNC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define THREADED_ASYNC_TSAN 1
#endif
#endif
#if defined(THREADED_ASYNC_ASAN)
#include <sanitizer/asan_interface.h>
#endif
#if defined(THREADED_ASYNC_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace bctx = boost::context::detail;

// native/fiber_switch_x86_64.S
extern "C" void* ta_fiber_switch(void** from_ctx, void* to_ctx, void* pass);
extern "C" void* ta_fiber_start(void** from_ctx, bctx::fcontext_t to, void* data);

namespace threaded_async::detail {

class Fiber;

namespace {

// The fiber running on this thread, or nullptr before its first switch: one
// store a switch, read by running_fiber_stack_low/high (signal handlers).
thread_local const Fiber* tls_running_fiber = nullptr;

// The C++ runtime's per-thread exception state (the Itanium ABI's
// __cxa_eh_globals): each fiber keeps its own, so a task suspended inside a
// catch block does not see another task's exceptions.
struct EhGlobals {
  void* caught_exceptions;
  unsigned int uncaught_exceptions;
};
// The calling thread's, looked up by fiber_for_thread: every switch needs it,
// and a thread switches first from the fiber of its own stack.
thread_local EhGlobals* tls_eh_globals = nullptr;

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// Stacks without guard pages are carved from slabs of this many.
constexpr std::size_t kSlabStacks = 256;
// Guarded stacks kept for reuse beyond this many are unmapped.
constexpr std::size_t kKeepGuarded = 1024;
// Just below the lowest byte of a stack without a guard page.
constexpr std::uint64_t kCanary = 0x7461'5f73'7461'636bULL;
// The top bytes of a slab stack's slot that hold the next slot's canary.
constexpr std::size_t kCanaryRoom = 64;

void* canary_of(void* stack) { return static_cast<char*>(stack) - sizeof kCanary; }

// How many stacks with guard pages all pools may hold: a quarter of the
// process's mappings, two per stack.
std::size_t guarded_budget() {
  static const std::size_t budget = [] {
    std::size_t max_map_count = 65530;
    if (std::FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
      unsigned long value = 0;
      if (std::fscanf(f, "%lu", &value) == 1 && value > 0) max_map_count = value;
      std::fclose(f);
    }
    return max_map_count / 4 / 2;
  }();
  return budget;
}
std::atomic<std::size_t> guarded_in_use{0};

[[noreturn]] void out_of_stacks(std::size_t bytes, int error) {
  throw ResourceError("threaded_async: no memory for a task's stack (mmap of " +
                      std::to_string(bytes / 1024) + " KiB failed: " + std::strerror(error) +
                      "); lower RunnerOptions::stack_size, or raise the process's memory limit "
                      "(ulimit -v)");
}

}  // namespace

class Fiber {
 public:
  // Suspended: its stack pointer (native/fiber_switch_x86_64.S). Never run:
  // Boost.Context's context, made by make_fcontext.
  void* ctx = nullptr;
  bool fresh = false;  // never run yet
  EhGlobals eh{nullptr, 0};
  FiberEntry entry = nullptr;
  void* arg = nullptr;
  void* stack = nullptr;  // lowest usable byte; nullptr for a thread's own stack
  bool guarded = false;   // a guard page below; else a canary just below (canary_of)
  // The canary checked at every switch away; nullptr for a guarded stack or a thread's own.
  const void* canary = nullptr;
  // What the sanitizers need. A thread's own stack is learned when it is first left.
  const void* asan_bottom = nullptr;
  std::size_t asan_size = 0;
  void* asan_fake_stack = nullptr;  // ASan's stack-use-after-return frames while suspended
  void* tsan_fiber = nullptr;       // TSan's context; created here unless a thread's own
};

namespace {

// Announces to ASan and TSan that `from` is about to switch to `to`.
void sanitizer_before_switch([[maybe_unused]] Fiber* from, [[maybe_unused]] Fiber* to) {
#if defined(THREADED_ASYNC_ASAN)
  __sanitizer_start_switch_fiber(&from->asan_fake_stack, to->asan_bottom, to->asan_size);
#endif
#if defined(THREADED_ASYNC_TSAN)
  __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
}

// Announces to ASan that `self` runs again, having come from `from`.
void sanitizer_after_switch([[maybe_unused]] Fiber* self, [[maybe_unused]] Fiber* from) {
#if defined(THREADED_ASYNC_ASAN)
  __sanitizer_finish_switch_fiber(self->asan_fake_stack, &from->asan_bottom, &from->asan_size);
#endif
}

// Sets up the sanitizers' view of a fiber with its own stack [bottom, bottom + size).
void sanitizer_create(Fiber* fiber, [[maybe_unused]] const void* bottom,
                      [[maybe_unused]] std::size_t size) {
  fiber->asan_bottom = bottom;
  fiber->asan_size = size;
#if defined(THREADED_ASYNC_TSAN)
  fiber->tsan_fiber = __tsan_create_fiber(0);
#endif
}

// The calling thread's current stack as the sanitizers know it.
void sanitizer_adopt_thread([[maybe_unused]] Fiber* fiber) {
#if defined(THREADED_ASYNC_TSAN)
  fiber->tsan_fiber = __tsan_get_current_fiber();
#endif
}

// Forgets a fiber whose stack goes back to the pool, finished or abandoned
// mid-way: ASan's poison on frames that never returned would otherwise make
// the next fiber on that stack report overflows that are not there.
void sanitizer_destroy([[maybe_unused]] Fiber* fiber, [[maybe_unused]] void* stack,
                       [[maybe_unused]] std::size_t size) {
#if defined(THREADED_ASYNC_ASAN)
  __asan_unpoison_memory_region(stack, size);
#endif
#if defined(THREADED_ASYNC_TSAN)
  __tsan_destroy_fiber(fiber->tsan_fiber);
#endif
}

}  // namespace

class FiberPool {
 public:
  explicit FiberPool(const FiberPoolOptions& o)
      : guard_(o.guard_pages),
        usable_(round_up(o.stack_size, page_size())),
        guarded_region_(usable_ + page_size()) {
    if (guard_) free_guarded_.reserve(kKeepGuarded);  // give() never throws
  }

  ~FiberPool() {
    for (void* s : free_guarded_) release_guarded(s);
    for (auto& slab : slabs_) ::munmap(slab, slab_bytes());
  }

  // Lowest usable byte of a fresh or reused stack; `guarded` says which kind.
  // Throws ResourceError when the kernel has no memory or mappings left.
  void* take(bool& guarded) {
    guarded = guard_ && (!free_guarded_.empty() || reserve_guarded());
    if (guarded) {
      if (!free_guarded_.empty()) return pop(free_guarded_);
      try {
        return map_guarded();
      } catch (...) {
        guarded_in_use.fetch_sub(1);
        throw;
      }
    }
    void* s = free_slab_.empty() ? carve() : pop(free_slab_);
    std::memcpy(canary_of(s), &kCanary, sizeof kCanary);
    return s;
  }

  void give(void* s, bool guarded) {
    if (!guarded) {
      free_slab_.push_back(s);  // capacity reserved by carve(): never throws
    } else if (free_guarded_.size() >= kKeepGuarded) {
      release_guarded(s);
    } else {
      free_guarded_.push_back(s);
    }
  }

  // The bytes of a stack the fiber may use, from its lowest.
  std::size_t usable(bool guarded) const { return guarded ? usable_ : usable_ - kCanaryRoom; }

 private:
  static void* pop(std::vector<void*>& list) {
    void* s = list.back();
    list.pop_back();
    return s;
  }
  // Counts one more guarded stack against the process's budget, if it has room.
  static bool reserve_guarded() {
    std::size_t in_use = guarded_in_use.load();
    while (in_use < guarded_budget()) {
      if (guarded_in_use.compare_exchange_weak(in_use, in_use + 1)) return true;
    }
    return false;
  }
  void* map_guarded() {
    void* p = ::mmap(nullptr, guarded_region_, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) out_of_stacks(guarded_region_, errno);
    ::mprotect(p, page_size(), PROT_NONE);
    return static_cast<char*>(p) + page_size();
  }
  void release_guarded(void* usable) {
    ::munmap(static_cast<char*>(usable) - page_size(), guarded_region_);
    guarded_in_use.fetch_sub(1);
  }
  // A page for the first slot's canary, then the slots, each right above the
  // one below (no gap, which would put the canary on a page of its own).
  std::size_t slab_bytes() const { return page_size() + usable_ * kSlabStacks; }
  void* carve() {
    slabs_.reserve(slabs_.size() + 1);
    free_slab_.reserve((slabs_.size() + 1) * kSlabStacks);  // give() never throws
    void* p = ::mmap(nullptr, slab_bytes(), PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) out_of_stacks(slab_bytes(), errno);
    slabs_.push_back(p);
    char* first = static_cast<char*>(p) + page_size();
    for (std::size_t i = kSlabStacks; i-- > 1;) free_slab_.push_back(first + i * usable_);
    return first;
  }
  bool guard_;
  std::size_t usable_;
  std::size_t guarded_region_;  // a guarded stack's mapping: its guard page and the stack
  std::vector<void*> free_guarded_;
  std::vector<void*> free_slab_;
  std::vector<void*> slabs_;
};

namespace {

struct SwitchRecord {
  Fiber* from;
  Fiber* to;
};

// The record of a fiber with its own stack sits at the top of that stack.
void set_running(const Fiber* running) noexcept { tls_running_fiber = running; }

// Moves the thread's exception state from `from` to `to` (EhGlobals). A
// running fiber's own record is empty, so when the thread's state and `to`'s
// are both empty (no task suspended inside a catch block or an unwind), a
// switch only reads them.
void swap_exception_state(Fiber* from, Fiber* to) noexcept {
  EhGlobals* g = tls_eh_globals;
  const EhGlobals current = *g;
  const EhGlobals next = to->eh;
  if (current.caught_exceptions != nullptr || current.uncaught_exceptions != 0 ||
      next.caught_exceptions != nullptr || next.uncaught_exceptions != 0) {
    from->eh = current;
    *g = next;
    to->eh = EhGlobals{nullptr, 0};
  }
}

// A fiber's first code, entered by ta_fiber_start. The context of the fiber
// that started it is already saved; jump_fcontext's, in t.fctx, is never resumed.
[[noreturn]] void trampoline(bctx::transfer_t t) {
  auto* record = static_cast<SwitchRecord*>(t.data);
  Fiber* self = record->to;
  sanitizer_after_switch(self, record->from);
  self->entry(self->arg);
  __builtin_unreachable();  // entry switches away for the last time
}

}  // namespace

FiberPool* fiber_pool_create(const FiberPoolOptions& options) { return new FiberPool(options); }
void fiber_pool_destroy(FiberPool* pool) { delete pool; }

Fiber* fiber_create(FiberPool* pool, FiberEntry entry, void* arg) {
  bool guarded = false;
  void* stack = pool->take(guarded);
  char* top = static_cast<char*>(stack) + pool->usable(guarded);
  // The Fiber record sits at the top of its own stack.
  top -= round_up(sizeof(Fiber), 64);
  auto* fiber = new (top) Fiber;
  fiber->entry = entry;
  fiber->arg = arg;
  fiber->stack = stack;
  fiber->guarded = guarded;
  if (!guarded) fiber->canary = canary_of(stack);
  fiber->ctx = bctx::make_fcontext(top, static_cast<std::size_t>(top - static_cast<char*>(stack)),
                                   &trampoline);
  fiber->fresh = true;
  sanitizer_create(fiber, stack, static_cast<std::size_t>(top - static_cast<char*>(stack)));
  return fiber;
}

void fiber_destroy(FiberPool* pool, Fiber* fiber) {
  void* stack = fiber->stack;
  const bool guarded = fiber->guarded;
  sanitizer_destroy(fiber, stack, pool->usable(guarded));
  fiber->~Fiber();
  pool->give(stack, guarded);
}

Fiber* fiber_for_thread() {
  tls_eh_globals = reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals());
  auto* fiber = new Fiber;
  sanitizer_adopt_thread(fiber);
  return fiber;
}
void fiber_release_thread(Fiber* fiber) {
  if (tls_running_fiber == fiber) tls_running_fiber = nullptr;
  delete fiber;
}

const void* running_fiber_stack_low() noexcept {
  const Fiber* f = tls_running_fiber;
  return f != nullptr ? f->stack : nullptr;
}
const void* running_fiber_stack_high() noexcept {
  const Fiber* f = tls_running_fiber;
  return f != nullptr && f->stack != nullptr ? f : nullptr;  // the record tops its stack
}

void fiber_switch(Fiber* from, Fiber* to) {
  if (from->canary != nullptr && std::memcmp(from->canary, &kCanary, sizeof kCanary) != 0) {
    stack_guard_report_overflow("its stack has no guard page, and its canary was overwritten");
  }
  swap_exception_state(from, to);
  // Set before the switch, and right for the rest of it: while still on
  // `from`'s stack, a walk (native/safe_point.cpp) sees frames outside the
  // bounds and gives up.
  set_running(to);
  sanitizer_before_switch(from, to);
  void* back;
  if (to->fresh) {
    to->fresh = false;
    SwitchRecord record{from, to};
    back = ta_fiber_start(&from->ctx, static_cast<bctx::fcontext_t>(to->ctx), &record);
  } else {
    back = ta_fiber_switch(&from->ctx, to->ctx, from);
  }
  sanitizer_after_switch(from, static_cast<Fiber*>(back));
}

}  // namespace threaded_async::detail
