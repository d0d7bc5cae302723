// Where a forced stop may take a stuck loop thread (see safe_point.hpp).
#include "native/safe_point.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <link.h>
#include <unwind.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <typeinfo>

#include "threaded_async/errors.hpp"

namespace threaded_async::detail {
namespace {

struct Range {
  std::uintptr_t begin;
  std::uintptr_t end;
};

bool contains(const Range* ranges, int count, std::uintptr_t pc) noexcept {
  for (int i = 0; i < count; ++i) {
    if (pc >= ranges[i].begin && pc < ranges[i].end) return true;
  }
  return false;
}

// Filled once by safe_points_init, read by signal handlers afterwards.
constexpr int kMaxRuntimeRanges = 64;
Range runtime_code[kMaxRuntimeRanges];
int runtime_code_count = 0;
constexpr int kMaxHarmless = 160;
Range harmless_calls[kMaxHarmless];
int harmless_count = 0;
// Runtime functions that may throw, by the C++ ABI: the caller's unwind table
// describes its state at a call to one (at a call the compiler knew cannot
// throw, such as free or operator delete, it may not).
constexpr int kMaxThrowing = 96;
Range throwing_calls[kMaxThrowing];
int throwing_count = 0;
// Harmless calls that glibc declares nothrow: their callers' unwind tables
// need not hold at the call, so a stop inside one abandons the stack.
constexpr const char* kNothrowHarmlessCalls[] = {"syscall", "sched_yield"};
constexpr int kMaxNothrowHarmless = 8;
Range nothrow_harmless_calls[kMaxNothrowHarmless];
int nothrow_harmless_count = 0;
Range libstdcxx_code[8];
int libstdcxx_count = 0;
// The runtimes of AddressSanitizer and its companions, whose interceptors
// stand between the program and the C library (read, fprintf) and keep no
// state across the call. An interceptor's symbol is often a thunk that jumps
// to a local function (__interceptor_read.part.0) which the dynamic symbol
// table does not describe: a frame in such a body is judged as the
// interceptor's call (add_interceptor_bodies, visit_frame). Not ThreadSanitizer's: its
// interceptors keep per-thread state across the call (a scope whose end it
// must see).
Range sanitizer_code[8];
int sanitizer_count = 0;
constexpr const char* kSanitizerObjects[] = {"libasan.so", "libubsan.so", "liblsan.so"};
// The starts of the local functions that interceptor thunks jump to, of
// harmless calls and of calls that may throw.
constexpr int kMaxBodies = 128;
std::uintptr_t harmless_bodies[kMaxBodies];
int harmless_bodies_count = 0;
std::uintptr_t throwing_bodies[kMaxBodies];
int throwing_bodies_count = 0;

bool is_one_of(const std::uintptr_t* starts, int count, std::uintptr_t start) noexcept {
  for (int i = 0; i < count; ++i) {
    if (starts[i] == start) return true;
  }
  return false;
}

// The runtime's objects, by the start of their file names. Code in them may
// hold a lock of theirs at any instruction.
constexpr const char* kRuntimeObjects[] = {
    "libc.so",  "ld-linux", "libstdc++.so", "libgcc_s.so", "libm.so",    "libpthread",
    "libdl.so", "librt.so", "libasan.so",   "libubsan.so", "libtsan.so", "liblsan.so",
};

// Calls that block in the kernel and hold no lock of the runtime while they
// do, anywhere in their code: leaving them abandoned or unwinding them leaks
// nothing the rest of the process needs. With the sanitizers, both the
// interceptor and libc's function.
constexpr const char* kHarmlessCalls[] = {
    "read",
    "write",
    "readv",
    "writev",
    "pread",
    "pwrite",
    "pread64",
    "pwrite64",
    "recv",
    "recvfrom",
    "recvmsg",
    "send",
    "sendto",
    "sendmsg",
    "accept",
    "accept4",
    "connect",
    "poll",
    "ppoll",
    "select",
    "pselect",
    "epoll_wait",
    "epoll_pwait",
    "nanosleep",
    "clock_nanosleep",
    "usleep",
    "sleep",
    "pause",
    "sigsuspend",
    "sigwaitinfo",
    "sigtimedwait",
    "waitpid",
    "wait4",
    "waitid",
    "syscall",      // declared nothrow (__THROW): the caller cannot be unwound from it
    "sched_yield",  // the same
    // std::this_thread::sleep_for's out-of-line part: a nanosleep loop.
    "_ZNSt11this_thread11__sleep_forENSt6chrono8durationIlSt5ratioILl1ELl1EEEENS1_IlS2_"
    "ILl1ELl1000000000EEEE",
};

// The C library's functions that may throw (cancellation points, which
// glibc does not declare nothrow) and that take a lock: stdio.
constexpr const char* kThrowingCalls[] = {
    "printf",        "fprintf",       "vprintf",        "vfprintf",    "dprintf",
    "vdprintf",      "puts",          "fputs",          "fputc",       "putc",
    "putchar",       "fwrite",        "fread",          "fgets",       "fgetc",
    "getc",          "getchar",       "fflush",         "fopen",       "fclose",
    "fscanf",        "scanf",         "getline",        "getdelim",    "__printf_chk",
    "__fprintf_chk", "__vprintf_chk", "__vfprintf_chk", "__fgets_chk", "__fread_chk",
};

// Runtime functions that return a block of operator new (or new[]) for the
// caller to own: a stop taken at the return of one frees the block it
// returned, which the caller, unwound as if the call had thrown, never saw.
// Besides the operators themselves (plain and nothrow), std::string's and
// std::wstring's _M_create, which grows a string out of line.
constexpr const char* kOperatorNew[] = {
    "_Znwm",
    "_ZnwmRKSt9nothrow_t",
    "_ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm",
    "_ZNSt7__cxx1112basic_stringIwSt11char_traitsIwESaIwEE9_M_createERmm",
};
constexpr const char* kOperatorNewArray[] = {"_Znam", "_ZnamRKSt9nothrow_t"};
constexpr int kMaxAllocating = 16;
Range operator_new_calls[kMaxAllocating];
int operator_new_count = 0;
Range operator_new_array_calls[kMaxAllocating];
int operator_new_array_count = 0;

// libstdc++'s functions that cannot throw and that user code calls out of line.
constexpr const char* kNothrowLibstdcxx[] = {
    "_ZnwmRKSt9nothrow_t",
    "_ZnamRKSt9nothrow_t",
    "_ZdlPv",
    "_ZdlPvm",
    "_ZdaPv",
    "_ZdaPvm",
    "_ZdlPvSt11align_val_t",
    "_ZdlPvmSt11align_val_t",
    "_ZdaPvSt11align_val_t",
    "_ZdaPvmSt11align_val_t",
};
constexpr int kMaxNothrow = 16;
Range nothrow_libstdcxx[kMaxNothrow];
int nothrow_count = 0;

const char* base_name(const char* path) {
  const char* base = std::strrchr(path, '/');
  return base != nullptr ? base + 1 : path;
}

template <std::size_t N>
bool starts_with_any(const char* name, const char* const (&prefixes)[N]) {
  for (const char* prefix : prefixes) {
    if (std::strncmp(name, prefix, std::strlen(prefix)) == 0) return true;
  }
  return false;
}

int add_runtime_object(dl_phdr_info* info, std::size_t, void*) {
  if (info->dlpi_name == nullptr) return 0;
  const char* base = base_name(info->dlpi_name);
  if (!starts_with_any(base, kRuntimeObjects)) return 0;
  const bool libstdcxx = std::strncmp(base, "libstdc++.so", 12) == 0;
  const bool sanitizer = starts_with_any(base, kSanitizerObjects);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    if (runtime_code_count == kMaxRuntimeRanges) return 1;
    const std::uintptr_t begin = info->dlpi_addr + ph.p_vaddr;
    runtime_code[runtime_code_count++] = {begin, begin + ph.p_memsz};
    if (libstdcxx && libstdcxx_count < 8)
      libstdcxx_code[libstdcxx_count++] = {begin, begin + ph.p_memsz};
    if (sanitizer && sanitizer_count < 8)
      sanitizer_code[sanitizer_count++] = {begin, begin + ph.p_memsz};
  }
  return 0;
}

// The size of the function at `address`, from the dynamic symbol table, or 0.
std::size_t function_size(void* address) {
  Dl_info info;
  void* entry = nullptr;
  if (address == nullptr || ::dladdr1(address, &info, &entry, RTLD_DL_SYMENT) == 0 ||
      entry == nullptr) {
    return 0;
  }
  return static_cast<const ElfW(Sym)*>(entry)->st_size;
}

// Adds the function at `address` to `ranges`.
void add_function(Range* ranges, int& count, int capacity, void* address) {
  const std::size_t size = function_size(address);
  if (size == 0 || count == capacity) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(address);
  if (contains(ranges, count, begin)) return;
  ranges[count++] = {begin, begin + size};
}

// If `address` is a sanitizer's interceptor, adds the targets of the jumps
// (jmp rel32) in its thunk that land in the sanitizer's code to `starts`.
void add_interceptor_bodies(std::uintptr_t* starts, int& count, void* address) {
  const auto begin = reinterpret_cast<std::uintptr_t>(address);
  if (!contains(sanitizer_code, sanitizer_count, begin)) return;
  const std::size_t size = function_size(address);
  const auto* code = static_cast<const std::uint8_t*>(address);
  for (std::size_t i = 0; i + 5 <= size && count < kMaxBodies; ++i) {
    if (code[i] != 0xe9) continue;
    std::int32_t displacement;
    std::memcpy(&displacement, code + i + 1, sizeof displacement);
    const std::uintptr_t target = begin + i + 5 + static_cast<std::uintptr_t>(displacement);
    if (contains(sanitizer_code, sanitizer_count, target) && !is_one_of(starts, count, target)) {
      starts[count++] = target;
    }
  }
}

// Whether `pc` lies in a runtime function that may throw by the C++ ABI, so
// that a call to it is described by its caller's unwind table.
bool may_throw(std::uintptr_t pc) noexcept {
  // The nothrow operators delete and new, libstdc++'s or a sanitizer's.
  if (contains(nothrow_libstdcxx, nothrow_count, pc)) return false;
  if (contains(libstdcxx_code, libstdcxx_count, pc)) return true;
  // A sanitizer's operator new throws bad_alloc as libstdc++'s does.
  if (contains(operator_new_calls, operator_new_count, pc) ||
      contains(operator_new_array_calls, operator_new_array_count, pc)) {
    return true;
  }
  return contains(throwing_calls, throwing_count, pc);
}

// --- Unwind tables ------------------------------------------------------------

// DWARF pointer encodings, as in the LSDA of GCC and Clang.
constexpr std::uint8_t kOmit = 0xff;

const std::uint8_t* read_uleb128(const std::uint8_t* p, std::uintptr_t& value) noexcept {
  value = 0;
  unsigned shift = 0;
  std::uint8_t byte;
  do {
    byte = *p++;
    value |= static_cast<std::uintptr_t>(byte & 0x7f) << shift;
    shift += 7;
  } while ((byte & 0x80) != 0 && shift < 64);
  return p;
}

// Reads a T stored at p (unaligned) and moves p past it.
template <class T>
std::uintptr_t read_fixed(const std::uint8_t*& p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);
  p += sizeof v;
  return static_cast<std::uintptr_t>(v);
}

// Reads a value of `encoding`'s format (not its application: call-site
// fields are offsets). False for a format the tables never use.
bool read_encoded(const std::uint8_t*& p, std::uint8_t encoding, std::uintptr_t& value) noexcept {
  switch (encoding & 0x0f) {
    case 0x00:
    case 0x04:
    case 0x0c:
      value = read_fixed<std::uint64_t>(p);
      return true;
    case 0x01:
      p = read_uleb128(p, value);
      return true;
    case 0x02:
      value = read_fixed<std::uint16_t>(p);
      return true;
    case 0x03:
      value = read_fixed<std::uint32_t>(p);
      return true;
    case 0x0b:
      value = read_fixed<std::int32_t>(p);
      return true;  // sign-extended
    default:
      return false;
  }
}

const std::uint8_t* read_sleb128(const std::uint8_t* p, std::intptr_t& value) noexcept {
  std::uintptr_t result = 0;
  unsigned shift = 0;
  std::uint8_t byte;
  do {
    byte = *p++;
    result |= static_cast<std::uintptr_t>(byte & 0x7f) << shift;
    shift += 7;
  } while ((byte & 0x80) != 0 && shift < 64);
  if (shift < 64 && (byte & 0x40) != 0) result |= ~std::uintptr_t{0} << shift;
  value = static_cast<std::intptr_t>(result);
  return p;
}

std::size_t encoded_size(std::uint8_t encoding) noexcept {
  switch (encoding & 0x0f) {
    case 0x02:
    case 0x0a:
      return 2;
    case 0x03:
    case 0x0b:
      return 4;
    default:
      return 8;
  }
}

// Where `pc` stands in a function's call-site table.
enum class CallSite {
  kNotCovered,    // the C++ personality would call std::terminate
  kNoLandingPad,  // nothing to run here: unwinding passes on
  kLandingPad,    // cleanups, or handlers for other types than ours
  kCatchesAll,    // a catch (...) or an exception specification
};

// The address a type table entry points to, or 0 for catch (...); false for
// an encoding the compilers do not use there.
bool read_type(const std::uint8_t* slot, std::uint8_t encoding, std::uintptr_t& type) noexcept {
  const std::uint8_t* p = slot;
  std::uintptr_t value = 0;
  if (!read_encoded(p, encoding, value)) return false;
  if (value == 0) {
    type = 0;
    return true;
  }
  switch (encoding & 0x70) {
    case 0x00:
      break;
    case 0x10:
      value += reinterpret_cast<std::uintptr_t>(slot);
      break;
    default:
      return false;
  }
  if ((encoding & 0x80) != 0) std::memcpy(&value, reinterpret_cast<const void*>(value), 8);
  type = value;
  return true;
}

// Whether the handlers of an action chain, tried in order, would give
// ForcedThreadShutdown to a catch (...) or an exception specification before
// (or instead of) a handler of its own type. Clang builds noexcept as a
// catch (...) whose handler calls std::terminate, and a user's catch (...)
// may swallow the stop: neither is safe to unwind into.
bool catches_all(const std::uint8_t* actions, std::uintptr_t action, const std::uint8_t* types,
                 std::uint8_t type_encoding) noexcept {
  static const char* const ours = typeid(ForcedThreadShutdown).name();
  const std::uint8_t* p = actions + action - 1;
  for (;;) {
    std::intptr_t filter, next;
    p = read_sleb128(p, filter);
    const std::uint8_t* next_at = p;
    read_sleb128(p, next);
    if (filter < 0) return true;
    if (filter > 0) {
      std::uintptr_t type;
      if (types == nullptr ||
          !read_type(types - static_cast<std::size_t>(filter) * encoded_size(type_encoding),
                     type_encoding, type) ||
          type == 0) {
        return true;
      }
      const char* name = reinterpret_cast<const std::type_info*>(type)->name();
      if (std::strcmp(name, ours) == 0) return false;
    }
    if (next == 0) return false;
    p = next_at + next;
  }
}

CallSite look_up_call_site(const std::uint8_t* lsda, std::uintptr_t region_start,
                           std::uintptr_t pc) noexcept {
  const std::uint8_t* p = lsda;
  const std::uint8_t lpstart_encoding = *p++;
  std::uintptr_t value;
  if (lpstart_encoding != kOmit && !read_encoded(p, lpstart_encoding, value)) {
    return CallSite::kNotCovered;
  }
  const std::uint8_t type_encoding = *p++;
  const std::uint8_t* types = nullptr;
  if (type_encoding != kOmit) {
    p = read_uleb128(p, value);
    types = p + value;
  }
  const std::uint8_t call_site_encoding = *p++;
  std::uintptr_t table_length;
  p = read_uleb128(p, table_length);
  const std::uint8_t* actions = p + table_length;
  while (p < actions) {
    std::uintptr_t start, length, landing_pad, action;
    if (!read_encoded(p, call_site_encoding, start) ||
        !read_encoded(p, call_site_encoding, length) ||
        !read_encoded(p, call_site_encoding, landing_pad)) {
      return CallSite::kNotCovered;
    }
    p = read_uleb128(p, action);
    if (pc < region_start + start) break;  // sorted: no later entry covers it
    if (pc < region_start + start + length) {
      if (landing_pad == 0) return CallSite::kNoLandingPad;
      if (action != 0 && catches_all(actions, action, types, type_encoding)) {
        return CallSite::kCatchesAll;
      }
      return CallSite::kLandingPad;
    }
  }
  return CallSite::kNotCovered;
}

// --- The walk -------------------------------------------------------------------

struct WalkState {
  StackWalk* walk;
  std::uintptr_t first_pc;
  std::uintptr_t low;
  std::uintptr_t high;
  bool started = false;
  bool left_stack = false;
};

// The bottom frames of a fiber (its backend's entry) lie this close to the top.
constexpr std::uintptr_t kEntryFramesSpan = 4096;

_Unwind_Reason_Code visit_frame(_Unwind_Context* context, void* arg) noexcept {
  auto& state = *static_cast<WalkState*>(arg);
  StackWalk& walk = *state.walk;
  int before_instruction = 0;
  const std::uintptr_t ip = _Unwind_GetIPInfo(context, &before_instruction);
  if (!state.started) {
    if (ip != state.first_pc) return _URC_NO_REASON;  // a frame above the stuck code
    state.started = true;
  }
  const std::uintptr_t cfa = _Unwind_GetCFA(context);
  if (cfa < state.low || cfa > state.high) {
    state.left_stack = true;
    return _URC_END_OF_STACK;
  }
  const int i = walk.count;
  const bool exact = i == 0 && walk.first_exact;
  const std::uintptr_t pc = exact ? ip : ip - 1;
  walk.pc[i] = ip;
  walk.cfa[i] = cfa;
  walk.count = i + 1;
  // In the body of a sanitizer's interceptor, judged as the call it intercepts.
  const std::uintptr_t body =
      contains(sanitizer_code, sanitizer_count, pc) ? _Unwind_GetRegionStart(context) : 0;
  const bool harmless = contains(harmless_calls, harmless_count, pc) ||
                        (body != 0 && is_one_of(harmless_bodies, harmless_bodies_count, body));
  const bool throws =
      may_throw(pc) || (body != 0 && is_one_of(throwing_bodies, throwing_bodies_count, body));
  if (i == 0) {
    walk.in_blocking_call =
        harmless && !contains(nothrow_harmless_calls, nothrow_harmless_count, pc);
  }
  if (contains(runtime_code, runtime_code_count, pc) && !harmless) {
    walk.runtime_frame = i;
    walk.runtime_call_may_throw = throws;
    walk.runtime_call_allocates =
        contains(operator_new_calls, operator_new_count, pc)               ? Allocation::kNew
        : contains(operator_new_array_calls, operator_new_array_count, pc) ? Allocation::kNewArray
                                                                           : Allocation::kNone;
  }
  walk.unwinds[i] = true;
  if (const auto* lsda =
          static_cast<const std::uint8_t*>(_Unwind_GetLanguageSpecificData(context))) {
    const CallSite site = look_up_call_site(lsda, _Unwind_GetRegionStart(context), pc);
    walk.unwinds[i] = site == CallSite::kNoLandingPad || (site == CallSite::kLandingPad && !exact);
  }
  return walk.count == kMaxWalkedFrames ? _URC_END_OF_STACK : _URC_NO_REASON;
}

}  // namespace

void safe_points_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::dl_iterate_phdr(&add_runtime_object, nullptr);
    void* libc = ::dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    void* libstdcxx = ::dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_NOLOAD);
    // With a sanitizer, RTLD_DEFAULT finds its interceptor, the library its own
    // function. RTLD_DEFAULT is itself a null handle: a library not loaded is
    // skipped, RTLD_DEFAULT never.
    void* const objects[] = {RTLD_DEFAULT, libc, libstdcxx};
    for (int k = 0; k < 3; ++k) {
      void* const object = objects[k];
      if (k > 0 && object == nullptr) continue;
      for (const char* name : kHarmlessCalls) {
        void* const function = ::dlsym(object, name);
        add_function(harmless_calls, harmless_count, kMaxHarmless, function);
        add_interceptor_bodies(harmless_bodies, harmless_bodies_count, function);
      }
      for (const char* name : kOperatorNew) {
        add_function(operator_new_calls, operator_new_count, kMaxAllocating, ::dlsym(object, name));
      }
      for (const char* name : kOperatorNewArray) {
        add_function(operator_new_array_calls, operator_new_array_count, kMaxAllocating,
                     ::dlsym(object, name));
      }
      for (const char* name : kNothrowHarmlessCalls) {
        add_function(nothrow_harmless_calls, nothrow_harmless_count, kMaxNothrowHarmless,
                     ::dlsym(object, name));
      }
      for (const char* name : kThrowingCalls) {
        void* const function = ::dlsym(object, name);
        add_function(throwing_calls, throwing_count, kMaxThrowing, function);
        add_interceptor_bodies(throwing_bodies, throwing_bodies_count, function);
      }
      for (const char* name : kNothrowLibstdcxx) {
        add_function(nothrow_libstdcxx, nothrow_count, kMaxNothrow, ::dlsym(object, name));
      }
    }
    // The unwinder sets up its tables on first use (pthread_once): not in a handler.
    StackWalk warm_up;
    walk_stack(warm_up, 0, false, 0, 0);
  });
}

void walk_stack(StackWalk& walk, std::uintptr_t first_pc, bool first_exact, std::uintptr_t low,
                std::uintptr_t high) noexcept {
  walk.count = 0;
  walk.first_exact = first_exact;
  walk.runtime_frame = -1;
  walk.runtime_call_may_throw = false;
  walk.runtime_call_allocates = Allocation::kNone;
  walk.in_blocking_call = false;
  WalkState state{&walk, first_pc, low, high};
  _Unwind_Backtrace(&visit_frame, &state);
  const bool reached_entry =
      walk.count > 0 && (state.left_stack || walk.cfa[walk.count - 1] + kEntryFramesSpan >= high);
  walk.complete = state.started && walk.count < kMaxWalkedFrames && reached_entry;
}

std::vector<std::string> describe_frames(const std::uintptr_t* pcs, int count, bool first_exact) {
  std::vector<std::string> frames;
  for (int i = 0; i < count; ++i) {
    const std::uintptr_t pc = (i == 0 && first_exact) ? pcs[i] : pcs[i] - 1;
    Dl_info info{};
    std::string line;
    char offset[32];
    if (::dladdr(reinterpret_cast<void*>(pc), &info) != 0 && info.dli_sname != nullptr) {
      int status = 0;
      char* demangled = abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status);
      line = status == 0 && demangled != nullptr ? demangled : info.dli_sname;
      std::free(demangled);
      std::snprintf(
          offset, sizeof offset, " +0x%zx",
          static_cast<std::size_t>(pc - reinterpret_cast<std::uintptr_t>(info.dli_saddr)));
      line += offset;
    } else {
      const auto base = reinterpret_cast<std::uintptr_t>(info.dli_fbase);
      std::snprintf(offset, sizeof offset, "0x%zx", static_cast<std::size_t>(pc - base));
      line = std::string("?? ") + offset;
    }
    if (info.dli_fname != nullptr) line += std::string(" in ") + info.dli_fname;
    frames.push_back(std::move(line));
  }
  return frames;
}

}  // namespace threaded_async::detail
