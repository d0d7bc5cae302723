// Runs a test's body in a child process (fork), so that what it does to the
// process (a resource limit, a replaced allocator failing, a hang) cannot
// harm the suite. The body returns the child's exit status; 0 means every
// check held. CHILD_CHECK returns 1 from the body when a check fails.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <functional>

// The child's exit status, or 128 + the signal that ended it. With
// `alarm_seconds`, a child that runs longer ends with SIGALRM (a hang).
inline int in_child(const std::function<int()>& body, unsigned alarm_seconds = 0) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (alarm_seconds != 0) ::alarm(alarm_seconds);
    int status = 99;
    try {
      status = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: unexpected exception: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "child: unexpected exception\n");
    }
    std::fflush(nullptr);
    ::_exit(status);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define CHILD_CHECK(cond)                                                                  \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "child: %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      return 1;                                                                            \
    }                                                                                      \
  } while (false)
