// libFuzzer target over the playground's scenario engine: any bytes are
// validated, and valid scenarios are run within small bounds. The engine
// promises never to throw or crash, to end every failed run with an error,
// and to answer in well-formed JSON; a breach aborts with the reason.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "playground/engine.hpp"

namespace {

[[noreturn]] void breach(const char* what, const std::string& detail) {
  std::fprintf(stderr, "scenario_fuzz_target: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Small bounds, so one input runs in well under a second.
playground::Limits fuzz_limits() {
  playground::Limits limits;
  limits.max_document_bytes = 64 * 1024;
  limits.max_depth = 32;
  limits.max_tasks = 32;
  limits.max_runners = 2;
  limits.max_steps = 20000;
  limits.max_queue_items = 64;
  limits.max_output_lines = 200;
  limits.max_trace_events = 500;
  limits.max_string_bytes = 4096;
  limits.wall_time_s = 1.0;
  return limits;
}

void require_json(const std::string& text, const char* what) {
  if (!nlohmann::json::accept(text)) breach(what, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string document(reinterpret_cast<const char*>(data), size);
  const playground::Limits limits = fuzz_limits();
  const auto errors = playground::validate(document, limits);
  require_json(playground::validation_to_json(errors), "validation_to_json is not JSON");
  for (const auto& error : errors) {
    if (error.message.empty()) breach("a validation error without a message at", error.path);
  }
  if (!errors.empty()) return 0;
  const playground::Result result = playground::run_scenario(document, limits);
  require_json(playground::result_to_json(result), "result_to_json is not JSON");
  if (!result.ok && !result.error) breach("a failed run without an error", document);
  if (result.ok && result.error) breach("a successful run with an error", result.error->message);
  return 0;
}
