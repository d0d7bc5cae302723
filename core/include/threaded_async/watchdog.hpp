// What a stuck loop looks like to the watchdog and to a forced stop.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "threaded_async/timeout.hpp"

namespace threaded_async {

// A loop that has been busy too long: whose, held by what, for how long.
struct StuckLoopReport {
  std::string runner;        // the runner's name
  std::string task;          // the task holding the loop; empty if a call_in_loop function holds it
  Clock::duration held_for;  // how long it has held the loop without suspending (at least)
  // Where the stuck code is, one frame a line, innermost first ("spin() +0x1c in ./app");
  // natively only, and empty if the loop thread did not answer. Functions of the
  // program itself have names when it is linked with -rdynamic (ENABLE_EXPORTS).
  std::vector<std::string> stack;

  // "the loop of runner 'r' is stuck: task 't' has held it for 1.200 s without suspending"
  std::string describe() const;
  // The stack, one "  #N frame" line each; empty without a stack.
  std::string describe_stack() const;
};

// Called on the watchdog's own thread, once per stuck episode.
using StuckLoopCallback = std::function<void(const StuckLoopReport&)>;

}  // namespace threaded_async
