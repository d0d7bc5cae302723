// Running a compiled scenario's steps: blocks, control flow (if, while, for,
// break, return, raise, assert), try with its except and finally clauses, and
// the scopes of with_runner and with_server. The steps that call the library
// are in run_library_steps.cpp; expressions are evaluated in evaluate.cpp.
#include <algorithm>

#include "interpreter.hpp"

namespace playground {

Run::Flow Run::exec_block(const Block& block, Frame& frame) {
  for (const Step& step : block) {
    const Flow flow = exec_step(step, frame);
    if (flow != Flow::kNext) return flow;
  }
  return Flow::kNext;
}

Run::Flow Run::exec_step(const Step& step, Frame& frame) {
  count_step(step.path);
  const StepScope scope{*this, enter_step(&step.path)};
  try {
    return exec(step, frame);
  } catch (const ScenarioError&) {
    throw;
  } catch (const LimitError&) {
    throw;
  } catch (const ta::CancelledError&) {
    if (frame.in_task) throw;
    raise("CancelledError", "", step.path);
  } catch (...) {
    const auto error = std::current_exception();
    if (auto limit_error = limit_member(error)) std::rethrow_exception(limit_error);
    const Value v = error_value(error);
    const auto& e = **v.get<std::shared_ptr<const ErrorValue>>();
    throw ScenarioError(e.type, e.message, step.path, e.members);
  }
}

Run::Flow Run::exec_try(const Step& step, Frame& frame) {
  Flow flow = Flow::kNext;
  std::exception_ptr pending;
  try {
    flow = exec_block(step.body, frame);
  } catch (const LimitError&) {
    throw;
  } catch (...) {
    pending = std::current_exception();
  }
  if (pending) {
    const Except* handler = nullptr;
    for (const Except& e : step.excepts) {
      if (matches(pending, e.types)) {
        handler = &e;
        break;
      }
    }
    if (handler) {
      const Value error = error_value(pending);
      trace("caught", repr(error));
      if (!handler->as.empty()) assign(handler->as, error, frame);
      frame.handling.push_back(pending);
      try {
        flow = exec_block(handler->body, frame);
        pending = nullptr;
      } catch (const LimitError&) {
        frame.handling.pop_back();
        throw;
      } catch (...) {
        pending = std::current_exception();
      }
      frame.handling.pop_back();
    }
  }
  if (!step.finally.empty()) {
    const Flow after = exec_block(step.finally, frame);
    if (after != Flow::kNext) return after;
  }
  if (pending) std::rethrow_exception(pending);
  return flow;
}

void Run::exec_with_runner(const Step& step, Frame& frame) {
  if (runners_.fetch_add(1) >= limits_.max_runners) {
    limit(step.path, "runner limit reached: at most " + std::to_string(limits_.max_runners) +
                         " runners and servers per run");
  }
  const bool server = step.op == Op::kWithServer;
  ta::RunnerOptions options;
  options.report_forced_stop = false;
  options.name = step.runner.name.empty() ? (server ? "server" : "runner") : step.runner.name;
  if (const auto& t = step.runner.exit_timeout) {
    options.exit_timeout = t->forever ? ta::Timeout::forever() : seconds_timeout(t->seconds);
  }
  if (const auto& t = step.runner.call_in_loop_timeout) {
    options.call_in_loop_timeout =
        t->forever ? ta::Timeout::forever() : seconds_timeout(t->seconds);
  }
  const ta::Timeout exit_timeout = options.exit_timeout;
  auto handle = std::make_shared<RunnerHandle>();
  handle->name = options.name;
  if (server) {
    handle->server =
        std::make_unique<ScenarioServer>(*this, *handle, step.runner.queue_size, options);
  } else {
    handle->own = std::make_unique<ta::AsyncRunner>(options);
  }
  trace(server ? "server" : "runner", "started " + handle->name);
  if (!step.as.empty()) assign(step.as, Value(handle), frame);
  frame.runners.push_back(handle.get());

  // Leaving: exit_timeout, but never much past the run's wall time.
  auto leave = [&] {
    frame.runners.pop_back();
    const auto left = std::max(deadline_ - Clock::now(), Clock::duration::zero()) +
                      std::chrono::milliseconds(500);
    if (exit_timeout.is_forever() || exit_timeout.duration() > left) {
      handle->runner().set_exit_timeout(ta::Timeout(left));
    }
    auto record = [&] {
      std::string type(ta::to_string(handle->runner().shutdown_type()));
      trace(server ? "server" : "runner", "left " + handle->name + ": " + type);
      std::lock_guard<std::mutex> guard(out_mutex_);
      shutdown_type_ = type;
    };
    try {
      handle->runner().close();
    } catch (...) {
      record();
      throw;
    }
    record();
  };
  try {
    exec_block(step.body, frame);
  } catch (...) {
    try {
      leave();
    } catch (...) {
      // An error is already on its way out (Python drops the group too).
    }
    throw;
  }
  leave();
}

Run::Flow Run::exec(const Step& step, Frame& frame) {
  const std::string& path = step.path;
  switch (step.op) {
    case Op::kSet:
      assign(step.var, eval(*step.value, frame), frame);
      return Flow::kNext;
    case Op::kPrint: {
      std::string line;
      for (std::size_t i = 0; i < step.args.size(); ++i) {
        line += (i ? " " : "") + str(eval(step.args[i], frame));
        line = check_string(std::move(line), path);
      }
      print(line, path);
      return Flow::kNext;
    }
    case Op::kIf:
      return exec_block(truthy(eval(*step.cond, frame)) ? step.body : step.orelse, frame);
    case Op::kWhile:
      while (truthy(eval(*step.cond, frame))) {
        const Flow flow = exec_block(step.body, frame);
        if (flow == Flow::kBreak) break;
        if (flow == Flow::kReturn) return flow;
      }
      return Flow::kNext;
    case Op::kFor: {
      std::int64_t bounds[3] = {0, 0, 1};
      for (std::size_t i = 0; i < step.args.size(); ++i) {
        Value v = eval(step.args[i], frame);
        const auto* n = v.get<std::int64_t>();
        if (!n) {
          raise("TypeError", "range() takes integers, not " + type_name(v), step.args[i].path);
        }
        bounds[step.args.size() == 1 ? 1 : i] = *n;
      }
      if (bounds[2] == 0) raise("ValueError", "range() step must not be zero", path);
      for (std::int64_t i = bounds[0]; bounds[2] > 0 ? i < bounds[1] : i > bounds[1];
           i += bounds[2]) {
        assign(step.var, Value(i), frame);
        const Flow flow = exec_block(step.body, frame);
        if (flow == Flow::kBreak) break;
        if (flow == Flow::kReturn) return flow;
        if ((bounds[2] > 0 && i > INT64_MAX - bounds[2]) ||
            (bounds[2] < 0 && i < INT64_MIN - bounds[2])) {
          break;
        }
      }
      return Flow::kNext;
    }
    case Op::kBreak:
      return Flow::kBreak;
    case Op::kContinue:
      return Flow::kContinue;
    case Op::kPass:
      return Flow::kNext;
    case Op::kTry:
      return exec_try(step, frame);
    case Op::kRaise: {
      if (!step.error_type.empty()) {
        const std::string message = step.message ? str(eval(*step.message, frame)) : "";
        trace("raised", step.error_type + (message.empty() ? "" : ": " + message));
        if (step.error_type == "CancelledError" && frame.in_task) throw ta::CancelledError();
        raise(step.error_type, message, path);
      }
      if (step.error) {
        Value v = eval(*step.error, frame);
        const auto* e = v.get<std::shared_ptr<const ErrorValue>>();
        if (!e) raise("TypeError", "exceptions must be errors, not " + type_name(v), path);
        trace("raised", repr(v));
        if ((*e)->type == "CancelledError" && frame.in_task) throw ta::CancelledError();
        throw ScenarioError((*e)->type, (*e)->message, path, (*e)->members);
      }
      std::rethrow_exception(frame.handling.back());
    }
    case Op::kAssert:
      if (!truthy(eval(*step.cond, frame))) {
        raise("AssertionError", step.message ? str(eval(*step.message, frame)) : "", path);
      }
      return Flow::kNext;
    case Op::kReturn:
      frame.returned = step.value ? eval(*step.value, frame) : Value();
      return Flow::kReturn;
    case Op::kWithRunner:
    case Op::kWithServer:
      exec_with_runner(step, frame);
      return Flow::kNext;
    case Op::kCreateTask:
    case Op::kCreateBackgroundTask:
    case Op::kWait:
    case Op::kResult:
    case Op::kCancel:
    case Op::kSleep:
    case Op::kYield:
    case Op::kSpin:
    case Op::kEvent:
    case Op::kSetEvent:
    case Op::kClearEvent:
    case Op::kWaitAsync:
    case Op::kQueue:
    case Op::kGet:
    case Op::kPut:
    case Op::kGetWait:
    case Op::kPutWait:
    case Op::kTryGet:
    case Op::kTryPut:
    case Op::kFuture:
    case Op::kSetResult:
    case Op::kSetException:
    case Op::kResultWait:
    case Op::kWaitForNextIteration:
    case Op::kClient:
    case Op::kRequest:
    case Op::kProcess:
    case Op::kStartThread:
    case Op::kJoin:
      return exec_library(step, frame);
  }
  return Flow::kNext;
}

}  // namespace playground
