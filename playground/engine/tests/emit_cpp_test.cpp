// The C++ generator: what it writes for the library's idioms, and the clear
// refusal it gives for a scenario with no faithful C++ form. (That every
// shipped scenario's program compiles and prints its expected output is
// checked by the playground_cpp_* tests.)
#include <catch2/catch.hpp>

#include <string>

#include "playground/engine.hpp"

using playground::emit_cpp;

namespace {

// A document whose main program is `main` (a JSON array) with the given tasks.
std::string doc(const std::string& main, const std::string& tasks = "{}") {
  return R"({"tasks": )" + tasks + R"(, "main": )" + main + "}";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("emit_cpp writes tasks as functions and with_runner as an AsyncRunner scope") {
  const auto out = emit_cpp(doc(
      R"([{"op": "with_runner", "as": "runner", "body": [
            {"op": "create_task", "task": "foo", "args": [2], "as": "t"},
            {"op": "wait", "task": "t", "as": "r"},
            {"op": "print", "values": ["got", {"var": "r"}]}]}])",
      R"({"foo": {"params": ["n"], "body": [{"op": "return", "value": {"mul": [{"var": "n"}, 5]}}]}})"));
  INFO(out.code);
  REQUIRE(out.ok);
  CHECK(contains(out.code, "int foo(int n) { return n * 5; }"));
  CHECK(contains(out.code, "ta::AsyncRunner runner;"));
  CHECK(contains(out.code, "auto t = runner.create_task(foo, 2);"));
  CHECK(contains(out.code, "std::cout << \"got \" << r << \"\\n\";"));
}

TEST_CASE("emit_cpp gives None and a value one std::optional type") {
  const auto out = emit_cpp(R"({"globals": {"x": null}, "main": [
      {"op": "set", "var": "x", "value": 3},
      {"op": "print", "value": {"var": "x"}}]})");
  INFO(out.code);
  REQUIRE(out.ok);
  CHECK(contains(out.code, "std::optional<int> x;"));
  CHECK(contains(out.code, "#include <optional>"));
}

TEST_CASE("emit_cpp refuses, with the step's path, what C++ would compute differently") {
  SECTION("Python's floor division") {
    const auto out = emit_cpp(doc(R"([{"op": "print", "value": {"floordiv": [-7, 2]}}])"));
    CHECK_FALSE(out.ok);
    CHECK(out.code.empty());
    REQUIRE(out.errors.size() == 1);
    CHECK(out.errors[0].path == "/main/0/value");
    CHECK(contains(out.errors[0].message, "no C++ form"));
  }
  SECTION("a value that is an int in one place and a string in another") {
    const auto out = emit_cpp(doc(R"([{"op": "set", "var": "x", "value": 1},
                                      {"op": "set", "var": "x", "value": "a"}])"));
    CHECK_FALSE(out.ok);
    REQUIRE(out.errors.size() == 1);
    CHECK(out.errors[0].path == "/main/1/value");
  }
  SECTION("an error only Python's own operations raise") {
    const auto out = emit_cpp(doc(R"([{"op": "try", "body": [{"op": "pass"}],
        "except": [{"type": "ZeroDivisionError", "body": [{"op": "pass"}]}]}])"));
    CHECK_FALSE(out.ok);
    REQUIRE(out.errors.size() == 1);
    CHECK(out.errors[0].path == "/main/0/except/0/type");
  }
  SECTION("a thread that is never joined") {
    const auto out = emit_cpp(R"({"threads": {"t": {"params": [], "body": [{"op": "pass"}]}},
        "main": [{"op": "start_thread", "thread": "t"}]})");
    CHECK_FALSE(out.ok);
    REQUIRE(out.errors.size() == 1);
    CHECK(contains(out.errors[0].message, "join"));
  }
}

TEST_CASE("emit_cpp reports an invalid scenario's validation errors") {
  const auto out = emit_cpp(doc(R"([{"op": "gett"}])"));
  CHECK_FALSE(out.ok);
  REQUIRE_FALSE(out.errors.empty());
  CHECK(out.errors[0].path == "/main/0/op");
  CHECK(playground::cpp_to_json(out).find("\"ok\":false") != std::string::npos);
}

TEST_CASE("emit_cpp writes printed text as one C++ string literal, escaped") {
  const auto out = emit_cpp(doc(R"([{"op": "print", "values": ["say \"hi\"\t", 2, true]}])"));
  INFO(out.code);
  REQUIRE(out.ok);
  CHECK(contains(out.code, R"(std::cout << "say \"hi\"\011 2 True\n";)"));
}
