// ValueSlot<T>: where a value waits between the side that produces it and the
// side that reads it (a task's result, a future's value, a request's
// arguments), and the library's ownership rule for reading it.
//
// The rule is the standard library's (docs/semantics.md, "Values"):
//   - a copyable value stays readable: reading it copies it, as
//     std::shared_future::get does, as often as asked;
//   - a move-only value is moved out by the first read, as std::future::get
//     does; a later read is an InvalidStateError that says so;
//   - taking it (a read from an rvalue handle: std::move(task).wait(), run(),
//     a temporary) moves it out whatever its type, with no copy; a later read
//     is an InvalidStateError too.
// A value built from a prvalue (`return T{...}` in a task) is constructed in
// place, neither copied nor moved. Reads may come from several threads.
#pragma once

#include <memory>
#include <mutex>
#include <new>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace threaded_async::detail {

// Throws the InvalidStateError of a read after the value was moved out:
// "<what>: <whose> '<name>' was already moved out ...", saying why and what to do.
[[noreturn]] void throw_value_taken(const char* what, std::string_view whose, std::string_view name,
                                    const std::type_info& type, bool copyable);

template <class T>
class ValueSlot {
  using Stored = std::remove_const_t<T>;

 public:
  ValueSlot() noexcept {}
  ValueSlot(const ValueSlot&) = delete;
  ValueSlot& operator=(const ValueSlot&) = delete;
  ~ValueSlot() {
    if (state_ != State::kEmpty) value_.~Stored();
  }

  // Stores what f() returns, built in place: a returned prvalue is neither copied nor moved.
  template <class F>
  void produce(F&& f) {
    ::new (static_cast<void*>(std::addressof(value_))) Stored(std::forward<F>(f)());
    state_ = State::kFull;
  }
  // Stores a value built from `args` (one move from an rvalue, one copy from an lvalue).
  template <class... A>
  void emplace(A&&... args) {
    ::new (static_cast<void*>(std::addressof(value_))) Stored(std::forward<A>(args)...);
    state_ = State::kFull;
  }

  // The stored value: a copy if it is copyable, else moved out (once).
  // `what` names the call, `whose` and `name` the value, for the error.
  T read(const char* what, std::string_view whose, std::string_view name = {}) {
    std::lock_guard<std::mutex> guard(lock_);
    check_unread(what, whose, name);
    if constexpr (std::is_copy_constructible_v<Stored>) {
      return value_;
    } else {
      state_ = State::kTaken;
      return std::move(value_);
    }
  }
  // The stored value, moved out (once), copyable or not.
  T take(const char* what, std::string_view whose, std::string_view name = {}) {
    std::lock_guard<std::mutex> guard(lock_);
    check_unread(what, whose, name);
    state_ = State::kTaken;
    return std::move(value_);
  }

 private:
  enum class State : unsigned char { kEmpty, kFull, kTaken };
  void check_unread(const char* what, std::string_view whose, std::string_view name) const {
    if (state_ == State::kTaken) {
      throw_value_taken(what, whose, name, typeid(T), std::is_copy_constructible_v<Stored>);
    }
  }

  std::mutex lock_;
  State state_ = State::kEmpty;
  union {
    Stored value_;
  };
};

// Nothing to store: void results and void futures carry only completion.
template <>
class ValueSlot<void> {
 public:
  template <class F>
  void produce(F&& f) {
    std::forward<F>(f)();
  }
  void read(const char*, std::string_view, std::string_view = {}) noexcept {}
  void take(const char*, std::string_view, std::string_view = {}) noexcept {}
};

}  // namespace threaded_async::detail
