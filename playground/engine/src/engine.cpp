// The engine's entry points and the contract's JSON forms.
#include "playground/engine.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "interpreter.hpp"
#include "program.hpp"

namespace playground {

std::vector<Error> validate(const std::string& json, const Limits& limits) {
  std::vector<Error> errors;
  try {
    compile(json, limits, errors);
  } catch (const std::exception& e) {
    errors.push_back(Error{"", std::string("internal error while validating: ") + e.what()});
  }
  return errors;
}

Result run_scenario(const std::string& json, const Limits& limits) {
  Result result;
  try {
    std::vector<Error> errors;
    std::unique_ptr<Program> program = compile(json, limits, errors);
    if (!program) {
      result.error = errors.empty() ? Error{"", "invalid scenario"} : errors.front();
      return result;
    }
    return std::make_shared<Run>(std::move(program), limits)->run();
  } catch (const std::exception& e) {
    result.ok = false;
    result.error = Error{"", std::string("internal error: ") + e.what()};
  }
  return result;
}

namespace {

nlohmann::json error_json(const Error& e) { return {{"path", e.path}, {"message", e.message}}; }

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string result_to_json(const Result& result) {
  nlohmann::json trace = nlohmann::json::array();
  for (const TraceEvent& e : result.trace) {
    trace.push_back({{"t_ms", std::round(e.t_ms * 1000) / 1000},
                     {"thread", e.thread},
                     {"task", e.task ? nlohmann::json(*e.task) : nlohmann::json(nullptr)},
                     {"event", e.event},
                     {"detail", e.detail},
                     {"path", e.path}});
  }
  nlohmann::json out = {
      {"ok", result.ok},
      {"output", result.output},
      {"trace", std::move(trace)},
      {"error", result.error ? error_json(*result.error) : nlohmann::json(nullptr)},
      {"shutdown_type",
       result.shutdown_type ? nlohmann::json(*result.shutdown_type) : nlohmann::json(nullptr)},
  };
  return dump(out);
}

std::string validation_to_json(const std::vector<Error>& errors) {
  nlohmann::json list = nlohmann::json::array();
  for (const Error& e : errors) list.push_back(error_json(e));
  return dump({{"ok", errors.empty()}, {"errors", std::move(list)}});
}

std::string cpp_to_json(const CppProgram& program) {
  nlohmann::json list = nlohmann::json::array();
  for (const Error& e : program.errors) list.push_back(error_json(e));
  return dump({{"ok", program.ok}, {"code", program.code}, {"errors", std::move(list)}});
}

}  // namespace playground
