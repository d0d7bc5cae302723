// The C++ generator: a scenario as the program a user of threaded_async would
// write (ta_scenario --emit-cpp, and the page's C++ view).
//
// Tasks, handlers and threads become functions; with_runner and with_server
// become AsyncRunner and Server scopes; the scenario's steps become the
// library's calls, try/catch and std::thread. Types come from cpp_types.cpp.
// What has no faithful C++ form (Python's // on negative numbers, a float
// printed as Python prints it...) stops the generator with a message that
// says where and why: it never writes a program that would behave otherwise.
//
// This file is the entry point and the program's layout: the header comment,
// the includes, the error classes, the globals, the Stub and MyServer classes,
// one function per task and thread, and main. cpp_emitter.hpp says where the
// rest of the generator is.
#include <nlohmann/json.hpp>

#include <sstream>

#include "cpp_emitter.hpp"
#include "playground/engine.hpp"

namespace playground {

namespace cpp {

void cannot(const std::string& path, const std::string& message) {
  throw CannotExpress{path, message};
}

std::string Emitter::run() {
  std::string functions;
  for (const auto& name : names_in_order("tasks", p_.tasks)) {
    functions += function(*p_.tasks.at(name), cpp::task_key(name), true);
  }
  for (const auto& name : names_in_order("threads", p_.threads)) {
    functions += function(*p_.threads.at(name), cpp::thread_key(name), false);
  }
  std::string server;
  if (!p_.handlers.empty()) server = server_class();
  const std::string main_fn = main_function();
  std::string globals;
  for (const auto& [name, value] : p_.globals) {
    const Type t = types_.var("main", name);
    globals += spell_decl(t, "/globals/" + name) + " " + ident(name);
    if (!value.is_none()) globals += " = " + literal(value, "/globals/" + name).text;
    globals += ";\n";
  }
  const std::string stub = p_.handlers.empty() ? "" : stub_class();

  std::string out = header();
  out += includes();
  out += "\nnamespace ta = threaded_async;\n";
  if (uses_durations_) out += "using namespace std::chrono_literals;\n";
  for (const auto& type : error_classes_) {
    out += "\nclass " + type + " : public std::runtime_error {\n public:\n" +
           "  using std::runtime_error::runtime_error;\n};\n";
  }
  if (!globals.empty()) out += "\n" + globals;
  out += stub;
  if (forward_) out += "\n" + prototypes_;
  out += functions + server + main_fn;
  return out;
}

std::vector<std::string> Emitter::names_in_order(
    const char* section, const std::map<std::string, std::unique_ptr<TaskDef>>& defs) {
  std::vector<std::string> names;
  if (doc_.contains(section) && doc_[section].is_object()) {
    for (const auto& item : doc_[section].items()) {
      if (defs.count(item.key()) != 0) names.push_back(item.key());
    }
  }
  return names;
}

std::string Emitter::header() const {
  std::string out;
  auto comment = [&](const std::string& text) {
    std::istringstream words(text);
    std::string word, line = "//";
    while (words >> word) {
      if (line.size() + 1 + word.size() > 80 && line != "//") {
        out += line + "\n";
        line = "//";
      }
      line += " " + word;
    }
    out += line + "\n";
  };
  if (doc_.contains("title") && doc_["title"].is_string())
    comment(doc_["title"].get<std::string>());
  if (doc_.contains("description") && doc_["description"].is_string()) {
    if (!out.empty()) out += "//\n";
    comment(doc_["description"].get<std::string>());
  }
  return out;
}

std::string Emitter::includes() const {
  std::set<std::string> std_headers(headers_.begin(), headers_.end());
  std::string out = "\n";
  for (const auto& h : std_headers) out += "#include <" + h + ">\n";
  out += "#include <threaded_async/threaded_async.hpp>\n";
  return out;
}

std::string Emitter::stub_class() {
  std::string out =
      "\n// The client's requests: each one suspends the calling task until the server has\n"
      "// answered it.\nclass Stub : public ta::Client {\n public:\n  using "
      "ta::Client::Client;\n";
  for (const auto& name : names_in_order("handlers", p_.handlers)) {
    const TaskDef& def = *p_.handlers.at(name);
    const std::string key = cpp::handler_key(name);
    const std::string result = spell_result(types_.get(key + "/future").item(), def.path);
    std::string params, args;
    for (const auto& param : def.params) {
      params += (params.empty() ? "" : ", ") + spell_decl(types_.get(key + "/" + param), def.path) +
                " " + ident(param);
      args += ", " + ident(param);
    }
    const std::string signature = "  " + result + " " + ident(name) + "(" + params + ") {";
    const std::string call = std::string(result == "void" ? "" : "return ") + "execute<" + result +
                             ">(&Stub::" + ident(name) + args + ");";
    if (signature.size() + call.size() + 3 <= 100) {
      out += signature + " " + call + " }\n";
    } else {
      out += signature + "\n" + wrap("    ", call) + "  }\n";
    }
  }
  return out + "};\n";
}

std::string Emitter::server_class() {
  std::string out =
      "\n// The server's side: handle_request runs on the thread that calls process().\n"
      "class MyServer : public ta::Server {\n public:\n  using ta::Server::Server;\n\n"
      " protected:\n"
      "  void handle_request(ta::ExecutionRequest& request, ta::Promise& future) override {\n";
  std::string chain = "    ";
  for (const auto& name : names_in_order("handlers", p_.handlers)) {
    const TaskDef& def = *p_.handlers.at(name);
    const std::string key = cpp::handler_key(name);
    out += chain + "if (request.is(&Stub::" + ident(name) + ")) {\n";
    std::set<std::string> params(def.params.begin(), def.params.end());
    params.insert("future");
    Function f(key, false, true, def.body, params, p_);
    fn_ = &f;
    indent_ = 3;
    if (!def.params.empty()) {
      std::string names, spelled;
      for (const auto& param : def.params) {
        names += (names.empty() ? "" : ", ") + ident(param);
        spelled +=
            (spelled.empty() ? "" : ", ") + spell_decl(types_.get(key + "/" + param), def.path);
      }
      out += "      auto [" + names + "] = request.args<" + spelled + ">();\n";
    }
    out += block(def.body);
    fn_ = nullptr;
    chain = "    } else ";
  }
  headers_.insert("stdexcept");
  out +=
      "    } else {\n      throw std::logic_error(\"Unknown function \" + request.name());\n"
      "    }\n  }\n};\n";
  return out;
}

std::string Emitter::function(const TaskDef& def, const std::string& key, bool task) {
  std::set<std::string> params(def.params.begin(), def.params.end());
  Function f(key, task, false, def.body, params, p_);
  fn_ = &f;
  const std::string result = spell_result(types_.result(key), def.path);
  std::string signature = result + " " + ident(def.name) + "(";
  for (std::size_t i = 0; i < def.params.size(); ++i) {
    signature += (i ? ", " : "") + spell_decl(types_.get(key + "/" + def.params[i]), def.path) +
                 " " + ident(def.params[i]);
  }
  signature += ")";
  prototypes_ += signature + ";\n";
  indent_ = 1;
  std::string body = block(def.body);
  const Type r = types_.result(key);
  if (r.is(K::kOptional) && (def.body.empty() || def.body.back().op != Op::kReturn)) {
    body += "  return std::nullopt;\n";
  }
  fn_ = nullptr;
  defined_.insert(def.name);
  // A one-statement body fits on the signature's line, as clang-format puts it.
  const std::string one = body.size() > 2 ? body.substr(2, body.size() - 3) : "";
  if (!one.empty() && one.find('\n') == std::string::npos && one.find("//") == std::string::npos &&
      signature.size() + one.size() + 5 <= 100) {
    return "\n" + signature + " { " + one + " }\n";
  }
  return "\n" + signature + " {\n" + body + "}\n";
}

std::string Emitter::main_function() {
  Function f("main", false, false, p_.main, {}, p_);
  fn_ = &f;
  indent_ = 1;
  std::string body = block(p_.main);
  fn_ = nullptr;
  return "\nint main() {\n" + body + "}\n";
}

}  // namespace cpp

CppProgram emit_cpp(const std::string& json, const Limits& limits) {
  CppProgram result;
  try {
    std::unique_ptr<Program> program = compile(json, limits, result.errors);
    if (!program) {
      if (result.errors.empty()) result.errors.push_back({"", "invalid scenario"});
      return result;
    }
    const auto doc = nlohmann::ordered_json::parse(json);
    const cpp::Types types = cpp::infer_types(*program, result.errors);
    if (!result.errors.empty()) return result;
    result.code = cpp::Emitter(*program, types, doc).run();
    result.ok = true;
  } catch (const cpp::CannotExpress& e) {
    result.errors.push_back({e.path, "no C++ form: " + e.message});
  } catch (const std::exception& e) {
    result.errors.push_back({"", std::string("internal error while writing C++: ") + e.what()});
  }
  return result;
}

}  // namespace playground
