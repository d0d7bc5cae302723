// The number of threads of this process, from /proc (0 where there is no
// /proc, as in WebAssembly): tests check that forced stops and failed starts
// leave none behind.
#pragma once

#include <dirent.h>

#include <chrono>
#include <thread>

inline int thread_count() {
  int n = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
  }
  return n;
}

// The thread count once it has come down to `expected`, or what it still is
// after a second. A joined thread may stay listed in /proc/self/task for a
// moment: join returns when the kernel clears the thread's id, which it does
// before it removes the thread from the list. A thread left behind stays
// listed, and the count stays above `expected`.
inline int thread_count_settled(int expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int n = thread_count();
  while (n != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    n = thread_count();
  }
  return n;
}
