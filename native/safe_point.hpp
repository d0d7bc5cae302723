// Where a forced stop may take a stuck loop thread (native/loop_thread_posix.cpp).
//
// The stop interrupts the stuck code with a signal and walks its stack, from
// the interrupted instruction to the bottom of the fiber it runs on. The
// moment is safe when no frame is inside the C or C++ runtime (libc, the
// dynamic loader, libstdc++, libgcc, libm, the sanitizers' runtimes), which
// may hold a lock there: stdio's stream locks, malloc's arenas, the loader's
// lock. Calls that block in the kernel and hold nothing (read, nanosleep,
// poll, ...) are the exception. At a safe moment the stuck code can be
// abandoned; it can be unwound too if every frame's unwind table says where
// the frame's cleanups are from there (see unwindable below).
//
// Everything here that runs in a signal handler is async-signal-safe: it
// reads tables made beforehand, and _Unwind_Backtrace finds unwind tables
// through glibc's _dl_find_object, which takes no lock (GCC 12, glibc 2.35+).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace threaded_async::detail {

constexpr int kMaxWalkedFrames = 64;

// What a runtime call hands its caller that the caller would not have had if
// the call had thrown: a block from operator new (operator new itself, or
// std::string's out-of-line growth) or from operator new[].
enum class Allocation { kNone, kNew, kNewArray };

struct StackWalk {
  // Innermost first. pc[0] is the exact interrupted instruction when
  // first_exact; every other pc is a return address.
  std::uintptr_t pc[kMaxWalkedFrames];
  // cfa[i]: the canonical frame address of the frame that frame i called
  // (its stack pointer at that call), so frame i's return address pc[i] is
  // stored just below it. cfa[0] belongs to the signal's frame.
  std::uintptr_t cfa[kMaxWalkedFrames];
  int count = 0;
  bool first_exact = false;
  // The walk reached the bottom of the fiber's stack with every frame known.
  bool complete = false;
  // The outermost frame inside the runtime that is not a harmless blocking
  // call, or -1. Its caller, frame runtime_frame + 1, is the program's own.
  int runtime_frame = -1;
  // That frame's function may throw by the C++ ABI (stdio, operator new,
  // most of libstdc++), so its caller's unwind table holds at the call. Not so
  // for calls the compiler knows cannot throw (free, operator delete): an
  // unwind table's entries may span them with cleanups for other moments.
  bool runtime_call_may_throw = false;
  // That frame's function returns a block of operator new (or new[]) to its
  // caller: the block is freed when the stop is taken at its return.
  Allocation runtime_call_allocates = Allocation::kNone;
  // The innermost frame is inside a harmless blocking call that may throw by
  // the C++ ABI (read, nanosleep, poll: cancellation points), so its caller's
  // unwind table holds at the call. Elsewhere in the program's own code, an
  // interrupted frame's caller may have called it as a function the compiler
  // knew cannot throw (declared noexcept, or seen to be so), and the caller's
  // unwind table then need not describe that call: GCC lets a neighbouring
  // entry's cleanups span it, which could run a destructor on an object
  // half-way through a change (a string growing, a buffer just freed).
  bool in_blocking_call = false;
  // Per frame: unwinding through it runs its cleanups. A frame with an unwind
  // table (LSDA) needs an entry covering its pc (else the C++ runtime calls
  // std::terminate: a noexcept function, or a call the compiler took for one
  // that cannot throw); the innermost frame, interrupted at an arbitrary
  // instruction, needs no landing pad there (landing pads expect the state
  // at a call).
  bool unwinds[kMaxWalkedFrames];

  // Unwinding from frame `first` outwards runs every cleanup on the way.
  bool unwindable_from(int first) const noexcept {
    if (!complete) return false;
    for (int i = first; i < count; ++i) {
      if (!unwinds[i]) return false;
    }
    return true;
  }
};

// Maps the runtime's code and the harmless blocking calls. Once per process,
// before any walk; not async-signal-safe. Idempotent.
void safe_points_init();

// Walks the stack of the calling thread, from the frame whose pc is
// `first_pc` (skipping the frames above it: the signal handler's, a
// trampoline's) to the end of the stack range [low, high). `first_exact`: the
// frame was interrupted at first_pc, rather than having called out from just
// before it. Async-signal-safe.
void walk_stack(StackWalk& walk, std::uintptr_t first_pc, bool first_exact, std::uintptr_t low,
                std::uintptr_t high) noexcept;

// "spin_forever() +0x1c in ./app" for each return address or pc, demangled.
// Not async-signal-safe.
std::vector<std::string> describe_frames(const std::uintptr_t* pcs, int count, bool first_exact);

}  // namespace threaded_async::detail
