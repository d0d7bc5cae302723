// The C++ generator's text: literals, names, and lines broken as clang-format
// breaks them (the project's .clang-format: Google style, 100 columns).
#pragma once

#include <map>
#include <set>
#include <string>

namespace playground::cpp {

// A C++ string literal with the text's quotes and backslashes escaped.
std::string quote(const std::string& s);
// A float literal ("0.5", "2.0").
std::string number(double x);
// 100ms, 1s, or std::chrono::duration<double>(x) for what literals cannot say.
std::string duration_literal(double seconds);
// Names the program cannot give a variable or function: C++'s keywords and its own names.
const std::set<std::string>& reserved();
// The library's exceptions by their scenario names ("TimeoutError": "ta::EventLoopTimeoutError").
const std::map<std::string, std::string>& library_errors();
// Python's errors that only Python's own operations raise (C++ checks none of them).
bool raised_by_python_only(const std::string& type);
// One statement at indentation `pad`, with its line breaks and the final newline.
std::string wrap(const std::string& pad, const std::string& text);

}  // namespace playground::cpp
