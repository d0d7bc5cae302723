// The C++ generator's shared declarations: the Emitter that writes a scenario
// as the C++ program a user would write, and what its files pass around.
//
// emit_cpp.cpp lays out the program (includes, classes, functions, main);
// cpp_names.cpp spells its names and declared types; cpp_expressions.cpp
// writes expressions; cpp_statements.cpp writes one step as statements;
// cpp_blocks.cpp writes blocks and the scopes that open them (try/catch,
// with_runner, with_server).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cpp_scoping.hpp"
#include "cpp_text.hpp"
#include "cpp_types.hpp"
#include "program.hpp"

namespace playground::cpp {

// What has no faithful C++ form: where, and why.
struct CannotExpress {
  std::string path;
  std::string message;
};

[[noreturn]] void cannot(const std::string& path, const std::string& message);

// A C++ expression and its type.
struct Code {
  std::string text;
  Type type;
  bool atomic = true;  // needs no parentheses as an operand
  bool literal_str = false;
  std::string raw = {};  // a string literal's text
};

class Emitter {
 public:
  Emitter(const Program& program, const cpp::Types& types, const nlohmann::ordered_json& doc)
      : p_(program), types_(types), doc_(doc) {}

  // The whole program's text; throws CannotExpress.
  std::string run();

 private:
  using K = Type::Kind;

  // One function being written: its body's key and where its variables are declared.
  struct Function {
    Function(std::string k, bool t, bool h, const Block& root, const std::set<std::string>& params,
             const Program& p)
        : key(std::move(k)),
          task(t),
          handler(h),
          outside(with_globals(params, p)),
          scoping(root, outside) {}
    static std::set<std::string> with_globals(std::set<std::string> s, const Program& p) {
      for (const auto& [name, value] : p.globals) s.insert(name);
      return s;
    }
    std::string key;
    bool task, handler;
    std::set<std::string> outside;
    Scoping scoping;
    std::set<std::string> declared;
    std::vector<std::string> runners;  // thread side: the innermost runner's expression
    std::vector<std::set<std::string>> not_none = {{}};  // variables known not to be None
    std::vector<std::string> catching;  // the variables of the enclosing catch clauses
    std::map<std::string, std::string> thread_results;
  };

  // --- Layout of the program (emit_cpp.cpp)

  std::vector<std::string> names_in_order(
      const char* section, const std::map<std::string, std::unique_ptr<TaskDef>>& defs);
  std::string header() const;
  std::string includes() const;
  std::string stub_class();
  std::string server_class();
  std::string function(const TaskDef& def, const std::string& key, bool task);
  std::string main_function();

  // --- Names and types (cpp_names.cpp)

  // A function's name: the scenario's, unless C++ reserves it.
  static std::string ident(const std::string& name);
  // A variable's name: the scenario's, unless a function or C++ has it.
  std::string var(const std::string& name) const;
  // The declared type of a value slot.
  std::string spell_decl(const Type& t, const std::string& path);
  std::string spell_result(const Type& t, const std::string& path);
  std::string cpp_error(const std::string& type, const std::string& path);
  Type type_of_var(const std::string& name) const { return types_.var(fn_->key, name); }

  // --- Expressions (cpp_expressions.cpp)

  Code literal(const Value& v, const std::string& path);
  // The value itself, not an optional holding it.
  Code value(Code c);
  std::string operand(const Code& c) { return c.atomic ? c.text : "(" + c.text + ")"; }
  // The handle a query or a step acts on: "q." or, through an optional, "q->".
  std::string member(const std::string& name);
  Code expr(const Expr& e);
  static bool leaf_error(const std::string& type);
  // The condition's opposite: a == b gives a != b rather than !(a == b).
  std::string negated(const Expr& e);
  Code condition(const Expr& e);
  // A value converted for a slot of type `want` (an int into a std::optional<int> converts itself).
  Code into(const Expr& e, const Type& want);
  // What print shows of one value, as a piece of a std::cout chain; literal text when it is known.
  std::pair<std::string, bool> printed(const Expr& e);
  std::string timeout_arg(const std::optional<Expr>& t);
  std::string duration(const Expr& e);

  // --- Statements (cpp_statements.cpp)

  std::string step(const Block& steps, std::size_t index);
  // "auto x = " (declaring it), "x = " (assigning it), or "" (nothing to keep).
  std::string assign(const std::string& name, bool spelled_type = false);
  std::string thread_runner(const std::string& path);
  std::string call_args(const std::vector<Expr>& args, const std::string& key,
                        const std::vector<std::string>& params);
  std::optional<std::string> doc_comment(const std::string& path) const;
  Type value_of_handle(const std::string& name) const;
  // Keeps a result, if the step names a variable and the result is a value.
  std::string result_assign(const Step& s);
  std::string make(const Step& s, const std::string& type, const std::string& extra);
  std::string server_name(const std::string& path);
  std::string start_thread(const Step& s);

  // --- Blocks and scopes (cpp_blocks.cpp)

  std::string pad() const { return std::string(2 * indent_, ' '); }
  std::string line(const std::string& text) const { return wrap(pad(), text); }
  std::string block(const Block& steps);
  // Finds the with_runner / with_server step that makes `name`, inside `s`.
  static const Step* find_with(const Step& s, const std::string& name);
  std::string predeclare(const std::string& name, const Step& at);
  void narrow_after_if(const Step& s);
  std::string try_step(const Step& s);
  // The statements that set the runner's options on `options`, one per option.
  std::vector<std::string> runner_options(const RunnerSpec& spec, const std::string& options);
  // The runner's (or server's) declaration, with its options first if it has any.
  std::string runner_declaration(const Step& s, const std::string& name);
  std::string with_step(const Block& steps, std::size_t index);

  const Program& p_;
  const cpp::Types& types_;
  const nlohmann::ordered_json& doc_;
  Function* fn_ = nullptr;
  int indent_ = 1;
  int items_ = 0;
  bool uses_durations_ = false;
  bool forward_ = false;
  std::string prototypes_;
  std::set<std::string> headers_;
  std::set<std::string> error_classes_;
  std::set<std::string> defined_;
  std::vector<std::string> servers_;
};

}  // namespace playground::cpp
