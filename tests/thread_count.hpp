// The number of threads of this process, from /proc (0 where there is no
// /proc, as in WebAssembly): tests check that forced stops and failed starts
// leave none behind.
#pragma once

#include <dirent.h>

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
