// The scenario engine: validation errors name the JSON path, runs are
// bounded, the trace records what happened, and no input crashes it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "playground/engine.hpp"
#include "program.hpp"

using playground::Limits;
using playground::Result;
using playground::run_scenario;
using playground::validate;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string scenario(const std::string& slug) {
  return read_file(std::string(PLAYGROUND_DIR) + "/scenarios/" + slug + ".json");
}

// The one error validate() reports for a document.
playground::Error only_error(const std::string& json) {
  const auto errors = validate(json);
  INFO(json);
  REQUIRE(errors.size() == 1);
  return errors.front();
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A scenario whose main program runs `steps` inside with_runner, and a task "worker".
std::string with_runner(const std::string& steps, const std::string& worker = "[]",
                        const std::string& worker_params = "[]") {
  return R"({"tasks": {"worker": {"params": )" + worker_params + R"(, "body": )" + worker +
         R"(}}, "main": [{"op": "with_runner", "as": "runner", "body": )" + steps + "}]}";
}

}  // namespace

TEST_CASE("validation: an unknown op names its path and the ops that exist") {
  const auto e = only_error(R"({"tasks": {"worker": {"params": ["q"], "body": [
      {"op": "get", "queue": "q"}, {"op": "get", "queue": "q"}, {"op": "get", "queue": "q"},
      {"op": "gett", "queue": "q"}]}}, "main": []})");
  CHECK(e.path == "/tasks/worker/body/3/op");
  CHECK(contains(e.message, "unknown op \"gett\"; expected one of "));
  CHECK(contains(e.message, "get, put, get_wait, put_wait"));
}

TEST_CASE("validation: undefined names are caught before running") {
  SECTION("a task") {
    const auto e = only_error(with_runner(R"([{"op": "create_task", "task": "wroker"}])"));
    CHECK(e.path == "/main/0/body/0/task");
    CHECK(contains(e.message, "undefined task \"wroker\"; expected one of worker"));
  }
  SECTION("a queue in a task body") {
    const auto e = only_error(with_runner("[]", R"([{"op": "get", "queue": "in_queue"}])"));
    CHECK(e.path == "/tasks/worker/body/0/queue");
    CHECK(contains(e.message, "undefined variable \"in_queue\""));
  }
  SECTION("a variable in an expression") {
    const auto e =
        only_error(R"({"main": [{"op": "print", "value": {"add": [1, {"var": "x"}]}}]})");
    CHECK(e.path == "/main/0/value/add/1/var");
    CHECK(contains(e.message, "undefined variable \"x\""));
  }
  SECTION("a handler") {
    const auto e = only_error(R"({"tasks": {"c": {"params": ["client"], "body": [
        {"op": "request", "client": "client", "function": "incr"}]}}, "main": []})");
    CHECK(e.path == "/tasks/c/body/0/function");
    CHECK(contains(e.message, "undefined handler \"incr\""));
  }
  SECTION("a variable used before it is assigned") {
    const auto e = only_error(
        R"({"main": [{"op": "print", "value": {"var": "x"}}, {"op": "set", "var": "x", "value": 1}]})");
    CHECK(e.path == "/main/0/value/var");
  }
}

TEST_CASE("validation: steps in the wrong place say what to use instead") {
  SECTION("task-side get on the main thread") {
    const auto e =
        only_error(with_runner(R"([{"op": "queue", "as": "q"}, {"op": "get", "queue": "q"}])"));
    CHECK(e.path == "/main/0/body/1/op");
    CHECK(contains(e.message, "use get_wait"));
  }
  SECTION("thread-side wait inside a task") {
    const auto e = only_error(with_runner("[]", R"([{"op": "wait", "task": "t"}])", R"(["t"])"));
    CHECK(e.path == "/tasks/worker/body/0/op");
    CHECK(contains(e.message, "result"));
  }
  SECTION("create_task without a runner") {
    const auto e = only_error(
        R"({"tasks": {"w": {"body": []}}, "main": [{"op": "create_task", "task": "w"}]})");
    CHECK(e.path == "/main/0/op");
    CHECK(contains(e.message, "with_runner"));
  }
}

TEST_CASE("validation: shapes, fields and arguments") {
  CHECK(only_error("[1, 2]").path == "");
  CHECK(contains(only_error("{\"main\": [").message, "not valid JSON"));
  CHECK(contains(only_error("{}").message, "missing \"main\""));
  const auto field = validate(R"({"main": [{"op": "print", "valeu": 1}]})");
  REQUIRE(field.size() == 2);
  CHECK(field[0].path == "/main/0/valeu");
  CHECK(contains(field[0].message,
                 "unknown field \"valeu\"; expected one of op, comment, value, values"));
  CHECK(field[1].path == "/main/0");
  CHECK(contains(field[1].message, "print takes \"value\""));
  const auto args =
      only_error(with_runner(R"([{"op": "create_task", "task": "worker", "args": [1]}])"));
  CHECK(args.path == "/main/0/body/0/args");
  CHECK(contains(args.message, "takes 0 argument(s)"));
  const auto op = only_error(R"({"main": [{"op": "sleep", "seconds": {"pow": [2, 3]}}]})");
  CHECK(op.path == "/main/0/seconds/pow");
  CHECK(contains(op.message, "unknown operator \"pow\""));
  const auto escaped = only_error(R"({"tasks": {"a/b": {"body": [{"op": "nope"}]}}, "main": []})");
  CHECK(escaped.path == "/tasks/a~1b/body/0/op");
  CHECK(validate(scenario("queues")).empty());
}

TEST_CASE("validation: every problem is reported, not just the first") {
  const auto errors = validate(R"({"main": [{"op": "x"}, {"op": "y"}, {"op": "print"}]})");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].path == "/main/0/op");
  CHECK(errors[1].path == "/main/1/op");
  CHECK(errors[2].path == "/main/2");
}

TEST_CASE("runs: the cookbook's output") {
  const Result r = run_scenario(scenario("errors"));
  REQUIRE(r.ok);
  REQUIRE(r.output.size() == 1);
  CHECK(r.output[0] ==
        "Got the following exceptions: (ValueError('This is an error'), ValueError('This is an "
        "error'), ValueError('This is an error'))");
  CHECK(r.shutdown_type == std::optional<std::string>("STOPPED"));
}

TEST_CASE("runs: values print as Python prints them") {
  const Result r = run_scenario(R"({"main": [
      {"op": "print", "values": [1, 2.5, 1e20, 0.0001, 1e-05, null, true, "s", ["a", 1], [2]]},
      {"op": "print", "values": [{"div": [7, 2]}, {"floordiv": [-7, 2]}, {"mod": [-7, 3]}, {"repr": "it's"}]},
      {"op": "print", "values": [{"add": ["a", "b"]}, {"mul": ["ab", 3]}, {"eq": [1, 1.0]}, {"and": [0, 1]}]}]})");
  REQUIRE(r.ok);
  REQUIRE(r.output.size() == 3);
  CHECK(r.output[0] == "1 2.5 1e+20 0.0001 1e-05 None True s ('a', 1) (2,)");
  CHECK(r.output[1] == "3.5 -4 2 \"it's\"");
  CHECK(r.output[2] == "ab ababab True 0");
}

TEST_CASE("runs: try, except and finally follow Python") {
  const Result r = run_scenario(R"({"main": [
      {"op": "try", "body": [{"op": "raise", "type": "KeyError", "message": "k"}],
       "except": [{"type": "ValueError", "body": [{"op": "print", "value": "wrong"}]},
                  {"type": "Exception", "as": "e", "body": [{"op": "print", "values": ["caught", {"repr": {"var": "e"}}]}]}],
       "finally": [{"op": "print", "value": "finally"}]},
      {"op": "try", "body": [{"op": "print", "value": {"div": [1, 0]}}],
       "except": [{"type": "ZeroDivisionError", "as": "z", "body": [{"op": "print", "value": {"str": {"var": "z"}}}]}]}]})");
  REQUIRE(r.ok);
  CHECK(r.output ==
        std::vector<std::string>{"caught KeyError('k')", "finally", "division by zero"});
}

TEST_CASE("runs: an uncaught error fails the run at the step that raised it") {
  const Result r = run_scenario(with_runner(
      R"([{"op": "create_task", "task": "worker", "as": "t"}, {"op": "wait", "task": "t"}])",
      R"([{"op": "sleep", "seconds": 0}, {"op": "raise", "type": "ValueError", "message": "boom"}])"));
  REQUIRE_FALSE(r.ok);
  REQUIRE(r.error);
  CHECK(r.error->path == "/tasks/worker/body/1");
  CHECK(r.error->message == "ValueError: boom");
}

TEST_CASE("bounds: hitting one ends the run with an error that names it") {
  Limits limits;
  SECTION("steps") {
    limits.max_steps = 5000;
    const Result r = run_scenario(
        R"({"main": [{"op": "while", "cond": true, "body": [{"op": "pass"}]}]})", limits);
    REQUIRE_FALSE(r.ok);
    CHECK(contains(r.error->message, "step limit reached"));
    CHECK(r.error->path.rfind("/main/0", 0) == 0);
  }
  SECTION("steps in a task stop the main thread too") {
    limits.max_steps = 5000;
    const Result r = run_scenario(
        with_runner(
            R"([{"op": "create_task", "task": "worker"}, {"op": "while", "cond": true, "body": [{"op": "sleep", "seconds": 0.001}]}])",
            R"([{"op": "while", "cond": true, "body": [{"op": "yield"}]}])"),
        limits);
    REQUIRE_FALSE(r.ok);
    CHECK(contains(r.error->message, "step limit reached"));
  }
  SECTION("tasks") {
    limits.max_tasks = 10;
    const Result r = run_scenario(
        with_runner(
            R"([{"op": "for", "var": "i", "range": 11, "body": [{"op": "create_task", "task": "worker"}]}])"),
        limits);
    REQUIRE_FALSE(r.ok);
    CHECK(r.error->path == "/main/0/body/0/body/0");
    CHECK(contains(r.error->message, "task limit reached: at most 10 tasks"));
  }
  SECTION("queue maxsize") {
    limits.max_queue_items = 100;
    const Result r =
        run_scenario(with_runner(R"([{"op": "queue", "as": "q", "maxsize": 1000}])"), limits);
    REQUIRE_FALSE(r.ok);
    CHECK(r.error->path == "/main/0/body/0/maxsize");
    CHECK(contains(r.error->message, "queue limit reached"));
  }
  SECTION("items in an unbounded queue") {
    limits.max_queue_items = 100;
    const Result r = run_scenario(
        with_runner(
            R"([{"op": "queue", "as": "q"}, {"op": "while", "cond": true, "body": [{"op": "put_wait", "queue": "q", "value": 1}]}])"),
        limits);
    REQUIRE_FALSE(r.ok);
    CHECK(contains(r.error->message, "q holds 100 items"));
  }
  SECTION("wall time, while the main thread waits for ever") {
    limits.wall_time_s = 0.3;
    const auto start = std::chrono::steady_clock::now();
    const Result r = run_scenario(
        with_runner(
            R"([{"op": "queue", "as": "q"}, {"op": "get_wait", "queue": "q", "timeout": null}])"),
        limits);
    REQUIRE_FALSE(r.ok);
    CHECK(r.error->path == "/main/0/body/1");
    CHECK(contains(r.error->message, "wall-time limit reached"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
  SECTION("wall time, while a task spins and the runner would wait for ever to leave") {
    limits.wall_time_s = 0.3;
    const auto start = std::chrono::steady_clock::now();
    const Result r = run_scenario(R"({"tasks": {"w": {"body": [{"op": "spin"}]}}, "main": [
        {"op": "with_runner", "as": "r", "options": {"exit_timeout": null}, "body": [
          {"op": "create_task", "task": "w"}]},
        {"op": "print", "value": {"shutdown_type": "r"}}]})",
                                  limits);
    REQUIRE_FALSE(r.ok);
    CHECK(r.error->path == "/tasks/w/body/0");
    CHECK(contains(r.error->message, "wall-time limit reached"));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
  SECTION("output lines") {
    limits.max_output_lines = 3;
    const Result r = run_scenario(
        R"({"main": [{"op": "for", "var": "i", "range": 5, "body": [{"op": "print", "value": 1}]}]})",
        limits);
    REQUIRE_FALSE(r.ok);
    CHECK(r.output.size() == 3);
    CHECK(contains(r.error->message, "output limit reached"));
  }
  SECTION("document nesting") {
    const Result r = run_scenario(std::string(100, '[') + std::string(100, ']'));
    REQUIRE_FALSE(r.ok);
    CHECK(contains(r.error->message, "nests arrays and objects deeper"));
  }
}

TEST_CASE("trace: each event has its time, thread, task and what happened") {
  const Result r = run_scenario(scenario("events"));
  REQUIRE(r.ok);
  auto find = [&](const std::string& event, const std::string& detail_part) {
    return std::find_if(r.trace.begin(), r.trace.end(), [&](const playground::TraceEvent& e) {
      return e.event == event && contains(e.detail, detail_part);
    });
  };
  const auto started = find("started", "increment_global(");
  const auto set = find("set", "global_initialized");
  const auto finished = find("finished", "returned 11");
  const auto printed = find("print", "11");
  REQUIRE(started != r.trace.end());
  REQUIRE(set != r.trace.end());
  REQUIRE(finished != r.trace.end());
  REQUIRE(printed != r.trace.end());
  CHECK(started->thread == "loop");
  CHECK(started->task == std::optional<std::string>("increment_global"));
  CHECK(set->thread == "main");
  CHECK_FALSE(set->task);
  CHECK(finished->task == std::optional<std::string>("increment_global"));
  CHECK(set < finished);
  CHECK(finished < printed);
  for (std::size_t i = 1; i < r.trace.size(); ++i) CHECK(r.trace[i - 1].t_ms <= r.trace[i].t_ms);
}

TEST_CASE("trace: suspensions, queues, requests and answers") {
  const Result queues = run_scenario(scenario("queues"));
  REQUIRE(queues.ok);
  auto count = [](const Result& r, const std::string& event, const std::string& detail) {
    return std::count_if(r.trace.begin(), r.trace.end(), [&](const playground::TraceEvent& e) {
      return e.event == event && contains(e.detail, detail);
    });
  };
  CHECK(count(queues, "put", "in_queue <- ") == 10);
  CHECK(count(queues, "get", "out_queue -> ") == 10);
  CHECK(count(queues, "suspended", "get in_queue") >= 1);
  CHECK(count(queues, "cancelled", "") == 1);

  const Result ci = run_scenario(scenario("control-inversion"));
  REQUIRE(ci.ok);
  CHECK(count(ci, "request", "increment(0)") == 1);
  CHECK(count(ci, "answer", "increment(0) -> 1") == 1);
  CHECK(count(ci, "answer", "increment(2) -> 3") == 1);
  CHECK(count(ci, "answer", "increment(3)") == 0);
}

TEST_CASE("the JSON forms of the contract") {
  const auto result =
      nlohmann::json::parse(playground::result_to_json(run_scenario(scenario("background"))));
  CHECK(result["ok"] == true);
  CHECK(result["output"] == nlohmann::json::array({"10"}));
  CHECK(result["error"].is_null());
  CHECK(result["shutdown_type"] == "STOPPED");
  REQUIRE(!result["trace"].empty());
  for (const auto& key : {"t_ms", "thread", "task", "event", "detail"}) {
    CHECK(result["trace"][0].contains(key));
  }
  const auto failed =
      nlohmann::json::parse(playground::validation_to_json(validate("{\"main\": 3}")));
  CHECK(failed["ok"] == false);
  CHECK(failed["errors"][0]["path"] == "/main");
}

TEST_CASE("the schema lists exactly the engine's ops and operators") {
  const auto schema = nlohmann::json::parse(
      read_file(std::string(PLAYGROUND_DIR) + "/schema/scenario.schema.json"));
  std::vector<std::string> ops = schema["definitions"]["step"]["properties"]["op"]["enum"];
  CHECK(ops == playground::op_names());
  std::vector<std::string> operators;
  for (const auto& alternative : schema["definitions"]["expression"]["anyOf"]) {
    if (alternative.contains("required")) operators.push_back(alternative["required"][0]);
  }
  CHECK(operators == playground::expr_names());
}

TEST_CASE("no input crashes validate, emit_cpp or run_scenario") {
  // Mutations of the real scenarios: bytes changed, cut, repeated.
  std::mt19937 random(12345);
  Limits limits;
  limits.wall_time_s = 0.5;
  const std::vector<std::string> slugs = {"background",        "events",       "queues",
                                          "control-inversion", "errors",       "futures",
                                          "cancellation",      "bounded-queue"};
  const std::string alphabet = "{}[]\":,0123456789-.eE ntrufalsbopvq\\";
  int runs = 0;
  for (const auto& slug : slugs) {
    const std::string base = scenario(slug);
    for (int i = 0; i < 60; ++i) {
      std::string doc = base;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int k = 0; k < edits && !doc.empty(); ++k) {
        const std::size_t at = random() % doc.size();
        switch (random() % 3) {
          case 0:
            doc[at] = alphabet[random() % alphabet.size()];
            break;
          case 1:
            doc.erase(at, 1 + random() % 20);
            break;
          default:
            doc.insert(at, doc.substr(at, random() % 30));
            break;
        }
      }
      CHECK_NOTHROW(validate(doc, limits));
      const auto program = playground::emit_cpp(doc, limits);
      CHECK(program.ok == !program.code.empty());
      CHECK(program.ok == program.errors.empty());
      if (validate(doc, limits).empty() && runs < 40) {
        ++runs;
        CHECK_NOTHROW(run_scenario(doc, limits));
      }
    }
  }
}

TEST_CASE("control inversion: a handler's error is the client's answer") {
  const Result r = run_scenario(R"({
    "handlers": {"divide": {"params": ["a", "b"], "body": [
      {"op": "set_result", "future": "future", "value": {"div": [{"var": "a"}, {"var": "b"}]}}]}},
    "tasks": {"client_code": {"params": ["client"], "body": [
      {"op": "request", "client": "client", "function": "divide", "args": [1, 2], "as": "half"},
      {"op": "print", "value": {"var": "half"}},
      {"op": "try", "body": [{"op": "request", "client": "client", "function": "divide", "args": [1, 0]}],
       "except": [{"type": "ZeroDivisionError", "as": "e", "body": [{"op": "print", "value": {"repr": {"var": "e"}}}]}]},
      {"op": "return", "value": "done"}]}},
    "main": [{"op": "with_server", "as": "server", "body": [
      {"op": "client", "as": "client"},
      {"op": "create_background_task", "task": "client_code", "args": [{"var": "client"}], "as": "t"},
      {"op": "process"}, {"op": "process"},
      {"op": "wait", "task": "t", "as": "r"}, {"op": "print", "value": {"var": "r"}}]}]})");
  INFO((r.error ? r.error->path + ": " + r.error->message : ""));
  REQUIRE(r.ok);
  CHECK(r.output ==
        std::vector<std::string>{"0.5", "ZeroDivisionError('division by zero')", "done"});
  CHECK(std::any_of(r.trace.begin(), r.trace.end(), [](const playground::TraceEvent& e) {
    return e.event == "failed" && e.thread == "main" && contains(e.detail, "divide(1, 0) raised");
  }));
}

TEST_CASE("control inversion: a handler uses the server's runner") {
  const Result r = run_scenario(R"({
    "handlers": {"square": {"params": ["n"], "body": [
      {"op": "create_task", "task": "multiply", "args": [{"var": "n"}, {"var": "n"}], "as": "t"},
      {"op": "wait", "task": "t", "as": "product"},
      {"op": "set_result", "future": "future", "value": {"var": "product"}}]}},
    "tasks": {
      "multiply": {"params": ["a", "b"], "body": [{"op": "return", "value": {"mul": [{"var": "a"}, {"var": "b"}]}}]},
      "client_code": {"params": ["client"], "body": [
        {"op": "request", "client": "client", "function": "square", "args": [7], "as": "answer"},
        {"op": "return", "value": {"var": "answer"}}]}},
    "main": [{"op": "with_server", "as": "server", "body": [
      {"op": "client", "as": "client"},
      {"op": "create_background_task", "task": "client_code", "args": [{"var": "client"}], "as": "t"},
      {"op": "process", "as": "handled"},
      {"op": "wait", "task": "t", "as": "answer"},
      {"op": "print", "values": [{"var": "handled"}, {"var": "answer"}]}]}]})");
  INFO((r.error ? r.error->path + ": " + r.error->message : ""));
  REQUIRE(r.ok);
  CHECK(r.output == std::vector<std::string>{"True 49"});
}

TEST_CASE("threads: bodies on plain threads, joined for their result or error") {
  const Result r = run_scenario(scenario("threads"));
  REQUIRE(r.ok);
  const auto on_producer = std::count_if(
      r.trace.begin(), r.trace.end(),
      [](const playground::TraceEvent& e) { return e.thread == "producer" && !e.task; });
  CHECK(on_producer >= 5);  // started, set, three puts... finished
  CHECK(std::any_of(r.trace.begin(), r.trace.end(), [](const playground::TraceEvent& e) {
    return e.thread == "producer" && e.event == "set" && e.detail == "started";
  }));

  const Result failing = run_scenario(R"({
    "threads": {"t": {"params": ["n"], "body": [{"op": "raise", "type": "KeyError", "message": {"str": {"var": "n"}}}]}},
    "main": [{"op": "start_thread", "thread": "t", "args": [5], "as": "th"},
             {"op": "try", "body": [{"op": "join", "thread": "th"}],
              "except": [{"type": "KeyError", "as": "e", "body": [{"op": "print", "value": {"repr": {"var": "e"}}}]}]}]})");
  REQUIRE(failing.ok);
  CHECK(failing.output == std::vector<std::string>{"KeyError('5')"});

  Limits limits;
  limits.max_threads = 2;
  const Result many = run_scenario(R"({"threads": {"t": {"body": []}}, "main": [
    {"op": "for", "var": "i", "range": 3, "body": [{"op": "start_thread", "thread": "t"}]}]})",
                                   limits);
  REQUIRE_FALSE(many.ok);
  CHECK(contains(many.error->message, "thread limit reached: at most 2 threads"));

  const auto e = only_error(R"({"main": [{"op": "return", "value": 1}]})");
  CHECK(e.path == "/main/0/op");
  CHECK(contains(e.message, "the main program just ends"));
}

TEST_CASE("queues: try_get and try_put never wait") {
  const Result r = run_scenario(with_runner(R"([
      {"op": "queue", "as": "q", "maxsize": 1},
      {"op": "try_get", "queue": "q", "as": "nothing"},
      {"op": "try_put", "queue": "q", "value": "a", "as": "first"},
      {"op": "try_put", "queue": "q", "value": "b", "as": "second"},
      {"op": "try_get", "queue": "q", "as": "item"},
      {"op": "print", "values": [{"var": "nothing"}, {"var": "first"}, {"var": "second"}, {"var": "item"}, {"qsize": "q"}]}])"));
  REQUIRE(r.ok);
  CHECK(r.output == std::vector<std::string>{"None True False a 0"});
}

TEST_CASE("trace: a bounded trace says where it was cut") {
  Limits limits;
  limits.max_trace_events = 10;
  const Result r = run_scenario(
      R"({"main": [{"op": "for", "var": "i", "range": 20, "body": [{"op": "print", "value": {"var": "i"}}]}]})",
      limits);
  REQUIRE(r.ok);
  CHECK(r.output.size() == 20);
  REQUIRE(r.trace.size() == 11);
  CHECK(r.trace.back().event == "truncated");
  CHECK(r.trace[9].detail == "9");
}

TEST_CASE("each trace event names the step (or body) that was running") {
  const Result r = run_scenario(scenario("background"));
  REQUIRE(r.ok);
  auto path_of = [&](const std::string& event, bool in_task) {
    for (const auto& e : r.trace) {
      if (e.event == event && e.task.has_value() == in_task) return e.path;
    }
    return std::string("(no such event)");
  };
  CHECK(path_of("created", false) == "/main/0/body/0");
  CHECK(path_of("blocked", false) == "/main/0/body/1");
  CHECK(path_of("print", false) == "/main/0/body/2");
  CHECK(path_of("started", true) == "/tasks/foo");
  CHECK(path_of("suspended", true) == "/tasks/foo/body/0");
  // Leaving the with_runner step, the main thread is back at it.
  CHECK(r.trace.back().event == "runner");
  CHECK(r.trace.back().path == "/main/0");
}
