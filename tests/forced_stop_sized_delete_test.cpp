// A forced stop of code that allocates must never unwind an object half-way
// through a change (issue 12). This program replaces the sized operator
// delete with one that checks the size against what malloc gave (glibc's
// free ignores it): a destructor run on a string half-way through growing, or
// on a buffer just freed, deletes with the wrong size or a stale pointer.
// operator new stays the C++ runtime's, so the stop meets the allocator as a
// program that replaces nothing does. Not built with the sanitizers, which
// replace operator delete themselves.
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// What malloc_usable_size gives for a block of `size` bytes from glibc's
// malloc: chunks of 16-byte steps with an 8-byte header, 32 bytes at least,
// and one step more when the rest of a free chunk was too small to split off.
bool usable_fits(std::size_t usable, std::size_t size) {
  const std::size_t chunk = std::max<std::size_t>(32, (size + 8 + 15) & ~std::size_t{15});
  return usable == chunk - 8 || usable == chunk + 8;
}

}  // namespace

void operator delete(void* p) noexcept { std::free(p); }

void operator delete(void* p, std::size_t size) noexcept {
  if (p == nullptr) return;
  const std::size_t usable = ::malloc_usable_size(p);
  // Blocks of glibc's mmap threshold and beyond are rounded to pages.
  if (size < 128 * 1024 && !usable_fits(usable, size)) {
    std::fprintf(stderr, "sized delete of %zu bytes of a block of %zu usable bytes\n", size,
                 usable);
    std::abort();
  }
  std::free(p);
}

TEST_CASE("a task stuck allocating is unwound with every object whole",
          "[forced_stop][native-only]") {
  // Forced down while it builds, grows and drops strings and vectors: each
  // sized delete, the unwinding destructors' too, must match its allocation.
  static std::atomic<std::size_t> sink{0};
  int unwound = 0;
  for (int round = 0; round < 50; ++round) {
    std::atomic<bool> started{false};
    std::atomic<int> destroyed{0};
    ta::BackgroundTask<void> task;
    {
      ta::RunnerOptions options;
      options.name = "allocating";
      options.exit_timeout = 20ms;
      options.report_forced_stop = false;
      ta::AsyncRunner runner(options);
      task = runner.create_task([&] {
        struct Counted {
          std::atomic<int>* count;
          ~Counted() { ++*count; }
        } guard{&destroyed};
        started = true;
        std::vector<std::string> kept;
        for (int i = 0;; ++i) {
          std::string text(static_cast<std::size_t>(20 + i % 300), 'x');
          text += std::to_string(i);
          text.append(text.size() % 97, 'y');
          kept.push_back(std::move(text));
          if (kept.size() > 64) kept.erase(kept.begin(), kept.begin() + 32);
          std::vector<int> block(static_cast<std::size_t>(i % 512), i);
          block.push_back(i);
          sink += kept.back().size() + block.size();
        }
      });
      while (!started) std::this_thread::sleep_for(1ms);
      std::this_thread::sleep_for(3ms);
      runner.close();
      REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
    }
    REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
    unwound += destroyed.load();
  }
  // Most stops find a moment that can be unwound, at the return of operator
  // new or of a libstdc++ call; the rest are abandoned.
  INFO(unwound << " of 50 stops unwound");
  CHECK(unwound > 0);
}
