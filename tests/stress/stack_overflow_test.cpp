// A task that overflows its fiber stack hits the guard page, or on a stack
// without one overwrites the canary below it: the process names the task and
// aborts instead of running on with corrupted memory. Runs stack_overflow_child
// in a child process and looks at how it ended.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

extern char** environ;

namespace {

struct ChildResult {
  int status = 0;
  std::string err;  // what it wrote to stderr
};

// Runs the helper with `depth` as its argument; returns its wait status and stderr.
ChildResult run_child(const std::string& depth) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::string path = STACK_OVERFLOW_CHILD;
  char* argv[] = {path.data(), const_cast<char*>(depth.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  REQUIRE(spawned == 0);
  ChildResult result;
  char buf[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) result.err.append(buf, n);
  ::close(pipe_fds[0]);
  REQUIRE(::waitpid(pid, &result.status, 0) == pid);
  return result;
}

}  // namespace

TEST_CASE("a task that overflows its stack is named and the process aborts", "[stress][overflow]") {
  const ChildResult child = run_child("100000000");
  INFO("child stderr: " << child.err);
  REQUIRE(WIFSIGNALED(child.status));
  REQUIRE(WTERMSIG(child.status) == SIGABRT);
  REQUIRE(child.err.find("task 'deep-recursion' overflowed its fiber stack") != std::string::npos);
}

TEST_CASE("the same task within its stack ends normally", "[stress][overflow]") {
  const ChildResult child = run_child("100");
  INFO("child stderr: " << child.err);
  REQUIRE(WIFEXITED(child.status));
  REQUIRE(WEXITSTATUS(child.status) == 0);
  REQUIRE(child.err.find("overflowed") == std::string::npos);
}

TEST_CASE(
    "a task that runs past the bottom of a stack without a guard page is named at its next switch "
    "and the process aborts",
    "[stress][overflow]") {
  const ChildResult child = run_child("canary");
  INFO("child stderr: " << child.err);
#if defined(STACK_OVERFLOW_UNDER_ASAN)
  // ASan sees the first write into the poisoned frames of the task below and
  // ends the process itself, before the switch looks at the canary. Which
  // redzone that write lands in depends on how the task below's frames are
  // laid out where it suspended: ASan names it a stack-buffer-underflow or
  // -overflow (both seen), the same fault.
  REQUIRE(child.status != 0);
  const bool stack_report =
      child.err.find("AddressSanitizer: stack-buffer-underflow") != std::string::npos ||
      child.err.find("AddressSanitizer: stack-buffer-overflow") != std::string::npos;
  REQUIRE(stack_report);
  REQUIRE(child.err.find("flood_past_the_bottom") != std::string::npos);
  return;
#endif
  REQUIRE(WIFSIGNALED(child.status));
  REQUIRE(WTERMSIG(child.status) == SIGABRT);
  REQUIRE(child.err.find("task 'past-the-bottom' overflowed its fiber stack (its stack has no "
                         "guard page, and its canary was overwritten)") != std::string::npos);
}
