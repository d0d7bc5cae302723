// The steps that call the library: tasks (create, wait, result, cancel),
// sleeping and yielding, events, queues, futures and promises, clients and
// servers, and threads. A task waits by suspending; the main program and a
// thread wait by blocking, for no longer than the run's wall time.
#include <algorithm>
#include <thread>

#include "interpreter.hpp"

namespace playground {
namespace {

// What a task body is to the library: a plain callable run on a fiber.
struct TaskBody {
  std::shared_ptr<Run> run;
  const TaskDef* def;
  std::vector<Value> args;
  RunnerHandle* runner;
  Value operator()() { return run->run_task(*def, std::move(args), runner); }
};

}  // namespace

Run::Flow Run::exec_library(const Step& step, Frame& frame) {
  const std::string& path = step.path;
  auto eval_as = [&](const Value& v) {
    if (!step.as.empty()) assign(step.as, v, frame);
  };
  // Task side: records a suspension around `fn` when `will_wait` says it will wait.
  auto suspending = [&](bool will_wait, const std::string& what, auto&& fn) {
    if (will_wait) trace("suspended", what);
    try {
      fn();
    } catch (const ta::EventLoopTimeoutError&) {
      trace("timed_out", what);
      throw;
    }
    if (will_wait) trace("resumed", what);
  };
  // Thread side: blocks in `fn(timeout)`, bounded by the run's wall time; records
  // the blocking when `will_block` says it will block.
  auto blocking = [&](ta::Timeout fallback, bool will_block, const std::string& what, auto&& fn) {
    bool clamped = false;
    const ta::Timeout t = bounded(timeout_of(step, frame), fallback, clamped);
    if (will_block) trace("blocked", what);
    try {
      fn(t);
    } catch (const ta::EventLoopTimeoutError&) {
      if (clamped) wall_time_exceeded(path);
      trace("timed_out", what);
      throw;
    } catch (...) {
      if (will_block) trace("unblocked", what + ", raising");
      throw;
    }
    if (will_block) trace("unblocked", what);
  };
  auto task_timeout = [&] {
    auto t = timeout_of(step, frame);
    return t ? *t : ta::Timeout::forever();
  };

  switch (step.op) {
    case Op::kCreateTask:
    case Op::kCreateBackgroundTask: {
      if (tasks_.fetch_add(1) >= limits_.max_tasks) {
        limit(path, "task limit reached: at most " + std::to_string(limits_.max_tasks) +
                        " tasks per run");
      }
      RunnerHandle& runner = current_runner(frame, path);
      std::vector<Value> args;
      for (const Expr& a : step.args) args.push_back(eval(a, frame));
      const std::string name =
          step.name ? str(eval(*step.name, frame)) : unique_task_name(step.task->name);
      TaskBody body{shared_from_this(), step.task, std::move(args), &runner};
      auto handle = std::make_shared<TaskHandle>();
      handle->name = name;
      handle->default_timeout = default_timeout(runner);
      trace("created", name);
      if (frame.in_task) {
        handle->task = ta::create_task(ta::TaskOptions{name}, std::move(body));
      } else {
        handle->task = runner.runner().create_task(ta::TaskOptions{name}, std::move(body));
      }
      if (step.op == Op::kCreateBackgroundTask) {
        blocking(default_timeout(runner), true, "the loop to catch up with " + name,
                 [&](ta::Timeout t) { runner.runner().wait_for_next_eventloop_iteration(t); });
      }
      eval_as(Value(handle));
      return Flow::kNext;
    }
    case Op::kWait: {
      if (step.second_kind) {
        auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
        blocking(h->default_timeout, !h->event.is_set(), "wait " + h->name,
                 [&](ta::Timeout t) { h->event.wait(t); });
        return Flow::kNext;
      }
      auto h = handle_of<TaskHandle>(step.target, frame, path, "Task");
      Value result;
      blocking(h->default_timeout, !h->task.done(), "wait " + h->name,
               [&](ta::Timeout t) { result = h->task.wait(t); });
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kResult: {
      Value result;
      if (step.second_kind) {
        auto h = handle_of<FutureHandle>(step.target, frame, path, "Future");
        suspending(!h->future.done(), "result of " + h->name,
                   [&] { result = h->future.result(task_timeout()); });
      } else {
        auto h = handle_of<TaskHandle>(step.target, frame, path, "Task");
        suspending(!h->task.done(), "result of " + h->name,
                   [&] { result = h->task.result(task_timeout()); });
      }
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kCancel: {
      auto h = handle_of<TaskHandle>(step.target, frame, path, "Task");
      trace("cancel", h->name);
      h->task.cancel();
      return Flow::kNext;
    }
    case Op::kSleep: {
      const double s = seconds_of(eval(*step.seconds, frame), step.seconds->path, "seconds");
      const std::string what = "sleep " + repr(Value(s));
      if (frame.in_task) {
        suspending(true, what, [&] { ta::sleep(std::chrono::duration<double>(s)); });
        return Flow::kNext;
      }
      const auto wake = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(s));
      trace("blocked", what);
      std::this_thread::sleep_until(std::min(wake, deadline_));
      if (wake > deadline_) wall_time_exceeded(path);
      trace("unblocked", what);
      return Flow::kNext;
    }
    case Op::kYield:
      suspending(true, "yield", [] { ta::yield(); });
      return Flow::kNext;
    case Op::kSpin: {
      // Never suspends: only the wall-time bound (or a forced stop of the loop) ends it.
      // Nothing allocated stays on the stack while spinning (see run_task).
      auto until = Clock::time_point::max();
      if (step.seconds) {
        const double s = seconds_of(eval(*step.seconds, frame), step.seconds->path, "seconds");
        until = Clock::now() +
                std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
        trace("spin", "for " + repr(Value(s)) + " s, never suspending");
      } else {
        trace("spin", "for ever, never suspending");
      }
      for (;;) {
        const auto now = Clock::now();
        if (now >= until) break;
        if (now > deadline_) wall_time_exceeded(path);
      }
      return Flow::kNext;
    }
    case Op::kEvent: {
      RunnerHandle& runner = current_runner(frame, path);
      auto h = std::make_shared<EventHandle>(
          EventHandle{step.as, default_timeout(runner), ta::Event(runner.runner())});
      eval_as(Value(h));
      return Flow::kNext;
    }
    case Op::kSetEvent: {
      auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
      trace("set", h->name);
      h->event.set();
      return Flow::kNext;
    }
    case Op::kClearEvent: {
      auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
      h->event.clear();
      trace("clear", h->name);
      return Flow::kNext;
    }
    case Op::kWaitAsync: {
      auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
      suspending(!h->event.is_set(), "wait " + h->name,
                 [&] { h->event.as_async_event().wait(task_timeout()); });
      return Flow::kNext;
    }
    case Op::kQueue: {
      std::int64_t maxsize = 0;
      if (step.maxsize) {
        Value v = eval(*step.maxsize, frame);
        const auto* n = v.get<std::int64_t>();
        if (!n || *n < 0) {
          raise("ValueError", "maxsize must be a non-negative integer, got " + repr(v),
                step.maxsize->path);
        }
        if (static_cast<std::uint64_t>(*n) > limits_.max_queue_items) {
          limit(step.maxsize->path, "queue limit reached: maxsize " + std::to_string(*n) +
                                        " is above the limit of " +
                                        std::to_string(limits_.max_queue_items));
        }
        maxsize = *n;
      }
      RunnerHandle& runner = current_runner(frame, path);
      auto h = std::make_shared<QueueHandle>(
          QueueHandle{step.as, default_timeout(runner),
                      ta::Queue<Value>(runner.runner(), static_cast<std::size_t>(maxsize))});
      eval_as(Value(h));
      return Flow::kNext;
    }
    case Op::kGet:
    case Op::kGetWait:
    case Op::kTryGet: {
      auto h = handle_of<QueueHandle>(step.target, frame, path, "Queue");
      Value item;
      if (step.op == Op::kGet) {
        suspending(h->queue.empty(), "get " + h->name,
                   [&] { item = h->queue.get(task_timeout()); });
      } else if (step.op == Op::kGetWait) {
        blocking(h->default_timeout, h->queue.empty(), "get_wait " + h->name,
                 [&](ta::Timeout t) { item = h->queue.get_wait(t); });
      } else if (auto got = h->queue.try_get()) {
        item = std::move(*got);
      } else {
        trace("get", h->name + " is empty");
        eval_as(Value());
        return Flow::kNext;
      }
      trace("get", h->name + " -> " + repr(item));
      eval_as(item);
      return Flow::kNext;
    }
    case Op::kPut:
    case Op::kPutWait:
    case Op::kTryPut: {
      auto h = handle_of<QueueHandle>(step.target, frame, path, "Queue");
      Value item = eval(*step.value, frame);
      if (h->queue.maxsize() == 0 && h->queue.qsize() >= limits_.max_queue_items) {
        limit(path, "queue limit reached: " + h->name + " holds " +
                        std::to_string(limits_.max_queue_items) + " items; give it a maxsize");
      }
      const std::string what = h->name + " <- " + repr(item);
      if (step.op == Op::kTryPut) {
        const bool put = h->queue.try_put(item);
        trace("put", put ? what : h->name + " is full");
        eval_as(Value(put));
        return Flow::kNext;
      }
      // Recorded before a put that will not wait, so that it comes before the getter's "get".
      const bool full = h->queue.full();
      if (!full) trace("put", what);
      if (step.op == Op::kPut) {
        suspending(full, "put " + h->name, [&] { h->queue.put(item, task_timeout()); });
      } else {
        blocking(h->default_timeout, full, "put_wait " + h->name,
                 [&](ta::Timeout t) { h->queue.put_wait(item, t); });
      }
      if (full) trace("put", what);
      return Flow::kNext;
    }
    case Op::kFuture: {
      RunnerHandle& runner = current_runner(frame, path);
      auto h = std::make_shared<FutureHandle>(
          FutureHandle{step.as, default_timeout(runner), ta::Future<Value>(runner.runner())});
      eval_as(Value(h));
      return Flow::kNext;
    }
    case Op::kSetResult:
    case Op::kSetException: {
      Value target = lookup(step.target, frame, path);
      std::exception_ptr error;
      Value value;
      if (step.op == Op::kSetException) {
        const std::string message = step.message ? str(eval(*step.message, frame)) : "";
        error = step.error_type == "CancelledError"
                    ? std::make_exception_ptr(ta::CancelledError())
                    : std::make_exception_ptr(ScenarioError(step.error_type, message, path));
        value = make_error(step.error_type, message);
      } else if (step.value) {
        value = eval(*step.value, frame);
      }
      if (const auto* f = target.get<std::shared_ptr<FutureHandle>>()) {
        trace("set", (*f)->name + " = " + repr(value));
        if (error) {
          (*f)->future.set_exception(error);
        } else {
          (*f)->future.set_result(value);
        }
      } else if (const auto* p = target.get<std::shared_ptr<PromiseHandle>>()) {
        trace("answer", (*p)->name + " -> " + repr(value));
        if (error) {
          (*p)->promise.set_exception(error);
        } else {
          (*p)->promise.set_result(value);
        }
      } else {
        raise("TypeError",
              "'" + step.target + "' is " + type_name(target) + ", expected a Future or Promise",
              path);
      }
      return Flow::kNext;
    }
    case Op::kResultWait: {
      auto h = handle_of<FutureHandle>(step.target, frame, path, "Future");
      Value result;
      blocking(h->default_timeout, !h->future.done(), "result_wait " + h->name,
               [&](ta::Timeout t) { result = h->future.result_wait(t); });
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kWaitForNextIteration: {
      auto& runner = current_runner(frame, path).runner();
      blocking(runner.options().call_in_loop_timeout, true, "the next loop iteration",
               [&](ta::Timeout t) { runner.wait_for_next_eventloop_iteration(t); });
      return Flow::kNext;
    }
    case Op::kClient: {
      ScenarioServer* server = nullptr;
      for (auto it = frame.runners.rbegin(); it != frame.runners.rend() && !server; ++it) {
        server = (*it)->server.get();
      }
      if (!server) raise("RuntimeError", "client needs an enclosing with_server", path);
      eval_as(
          Value(std::make_shared<ClientHandle>(ClientHandle{step.as, ScenarioClient(*server)})));
      return Flow::kNext;
    }
    case Op::kRequest: {
      auto h = handle_of<ClientHandle>(step.target, frame, path, "Client");
      std::vector<Value> args;
      for (const Expr& a : step.args) args.push_back(eval(a, frame));
      const std::string call = step.function + "(" + join_repr(args) + ")";
      trace("request", call);
      trace("suspended", "waiting for the answer to " + call);
      Value answer;
      try {
        answer = h->client.request(step.function, std::move(args));
      } catch (const ta::CancelledError&) {
        throw;
      } catch (...) {
        trace("resumed", call + " raised " + repr(error_value(std::current_exception())));
        throw;
      }
      trace("resumed", call + " -> " + repr(answer));
      eval_as(answer);
      return Flow::kNext;
    }
    case Op::kStartThread: {
      std::vector<Value> args;
      for (const Expr& a : step.args) args.push_back(eval(a, frame));
      const std::string name =
          step.name ? str(eval(*step.name, frame)) : unique_task_name(step.task->name);
      std::vector<std::shared_ptr<RunnerHandle>> runners;
      for (RunnerHandle* r : frame.runners) runners.push_back(r->shared_from_this());
      auto handle = std::make_shared<ThreadHandle>();
      handle->name = name;
      std::lock_guard<std::mutex> guard(threads_mutex_);
      if (threads_started_ >= limits_.max_threads) {
        limit(path, "thread limit reached: at most " + std::to_string(limits_.max_threads) +
                        " threads per run");
      }
      ++threads_started_;
      trace("created", "thread " + name);
      handle->thread =
          std::thread([self = shared_from_this(), handle, def = step.task, args = std::move(args),
                       runners = std::move(runners)]() mutable {
            self->run_thread(*handle, *def, std::move(args), runners);
          });
      threads_.push_back(handle);
      eval_as(Value(handle));
      return Flow::kNext;
    }
    case Op::kJoin: {
      auto h = handle_of<ThreadHandle>(step.target, frame, path, "Thread");
      std::unique_lock<std::mutex> lock(h->mutex);
      if (!h->done) {
        lock.unlock();
        trace("blocked", "join " + h->name);
        lock.lock();
        if (!h->cv.wait_until(lock, deadline_, [&] { return h->done; })) {
          lock.unlock();
          wall_time_exceeded(path);
        }
        lock.unlock();
        trace("unblocked", "join " + h->name);
        lock.lock();
      }
      if (h->error) std::rethrow_exception(h->error);
      const Value result = h->result;
      lock.unlock();
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kProcess: {
      RunnerHandle& runner = current_runner(frame, path);
      ScenarioServer* server = runner.server.get();
      if (!server) raise("RuntimeError", "process needs the enclosing with_server's body", path);
      bool handled = false;
      blocking(default_timeout(runner), true, "process",
               [&](ta::Timeout t) { handled = server->process(t); });
      trace("process", handled ? "handled a request" : "no request queued");
      eval_as(Value(handled));
      return Flow::kNext;
    }
    default:  // the control flow, which exec() runs
      break;
  }
  return Flow::kNext;
}

}  // namespace playground
