// ta_scenario: runs a playground scenario natively.
//
//   ta_scenario [--json | --validate | --emit-cpp] [--trace] [--wall-time SECONDS] FILE
//
// Prints the scenario's output lines (or, with --json, the contract's result
// object; with --validate, only the validation result; with --emit-cpp, the
// scenario as a C++ program, or on stderr why it has no C++ form). --trace also prints the
// trace to stderr. FILE "-" reads standard input. Exit status: 0 when the run
// (or validation) succeeded, 1 when it failed, 2 for wrong usage.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "playground/engine.hpp"

namespace {

int usage() {
  std::cerr << "usage: ta_scenario [--json | --validate | --emit-cpp] [--trace] "
               "[--wall-time SECONDS] FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false, validate_only = false, emit_cpp = false, trace = false;
  playground::Limits limits;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--validate") {
      validate_only = true;
    } else if (arg == "--emit-cpp") {
      emit_cpp = true;
    } else if (arg == "--trace") {
      trace = true;
    } else if (arg == "--wall-time" && i + 1 < argc) {
      try {
        limits.wall_time_s = std::stod(argv[++i]);
      } catch (const std::exception&) {
        return usage();
      }
    } else if (file.empty() && (arg == "-" || arg.rfind("--", 0) != 0)) {
      file = arg;
    } else {
      return usage();
    }
  }
  if (file.empty() || json + validate_only + emit_cpp > 1) return usage();

  std::string text;
  if (file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::cerr << "ta_scenario: cannot read " << file << "\n";
      return 2;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }

  if (emit_cpp) {
    const playground::CppProgram program = playground::emit_cpp(text, limits);
    std::cout << program.code;
    for (const auto& e : program.errors) {
      std::cerr << "error: " << (e.path.empty() ? "" : e.path + ": ") << e.message << "\n";
    }
    return program.ok ? 0 : 1;
  }
  if (validate_only) {
    const auto errors = playground::validate(text, limits);
    std::cout << playground::validation_to_json(errors) << "\n";
    return errors.empty() ? 0 : 1;
  }
  const playground::Result result = playground::run_scenario(text, limits);
  if (json) {
    std::cout << playground::result_to_json(result) << "\n";
  } else {
    for (const auto& line : result.output) std::cout << line << "\n";
  }
  if (trace) {
    for (const auto& e : result.trace) {
      std::cerr << "[" << e.t_ms << " ms] " << e.thread << (e.task ? " " + *e.task : "") << ": "
                << e.event << (e.detail.empty() ? "" : " " + e.detail) << "\n";
    }
  }
  if (!result.ok && !json && result.error) {
    std::cerr << "error: " << (result.error->path.empty() ? "" : result.error->path + ": ")
              << result.error->message << "\n";
  }
  return result.ok ? 0 : 1;
}
