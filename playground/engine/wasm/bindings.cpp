// The engine as an Emscripten module for the playground page (see the contract
// in docs/scenarios.md): ta_validate_scenario and ta_emit_cpp answer at once; ta_start_scenario
// runs the scenario on a new pthread, so the calling (main JS) thread stays free
// to serve the workers that runners start and stop, and hands the result to
// Module.onScenarioResult(request_id, json) on the main JS thread.
#include <emscripten/em_asm.h>
#include <emscripten/emscripten.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "playground/engine.hpp"

namespace {

// A malloc'd copy that JavaScript frees with _free.
char* copy_out(const std::string& text) {
  char* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out != nullptr) std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

}  // namespace

extern "C" {

// Returns malloc'd JSON {"ok": bool, "errors": [{"path", "message"}]}. Never blocks.
EMSCRIPTEN_KEEPALIVE char* ta_validate_scenario(const char* json) {
  return copy_out(playground::validation_to_json(playground::validate(json ? json : "")));
}

// Returns malloc'd JSON {"ok": bool, "code": the C++ program, "errors": [{"path", "message"}]}.
EMSCRIPTEN_KEEPALIVE char* ta_emit_cpp(const char* json) {
  return copy_out(playground::cpp_to_json(playground::emit_cpp(json ? json : "")));
}

// Returns at once; the result JSON arrives later through Module.onScenarioResult.
EMSCRIPTEN_KEEPALIVE void ta_start_scenario(int request_id, const char* json) {
  std::thread([request_id, text = std::string(json ? json : "")] {
    char* result = copy_out(playground::result_to_json(playground::run_scenario(text)));
    MAIN_THREAD_ASYNC_EM_ASM(
        {
          var text = UTF8ToString($1);
          _free($1);
          Module["onScenarioResult"]($0, text);
        },
        request_id, result);
  }).detach();
}

}  // extern "C"
