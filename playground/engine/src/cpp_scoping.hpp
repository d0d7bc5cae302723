// Where the C++ generator declares each local variable.
//
// A scenario's variables belong to their whole body, as in Python; C++'s to a
// block. Each variable is declared in the innermost block that holds every
// step naming it: with `auto x = ...` where it is first assigned, if that step
// is directly in that block, or else just before the step that leads to it. A
// loop's variable and an except clause's belong to that loop or clause (C++
// declares them there); one named both inside and outside cannot.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "program.hpp"

namespace playground::cpp {

struct Decl {
  const Block* block = nullptr;
  std::size_t first = 0;  // the index, in `block`, of the step holding the first mention
  std::size_t last = 0;   // ... and of the last
  bool direct = false;    // the first mention assigns it, directly in `block`
};

class Scoping {
 public:
  // The variables of the body `root`, but for those in `outside` (parameters, globals).
  Scoping(const Block& root, const std::set<std::string>& outside);

  const Decl* find(const std::string& name) const;
  // Named inside a loop or clause that declares it, and also elsewhere.
  bool escapes(const std::string& name) const;
  // Variables to declare before step `index` of `block`.
  std::vector<std::string> before(const Block* block, std::size_t index) const;

 private:
  using Position = std::vector<std::pair<const Block*, std::size_t>>;
  struct Mention {
    Position at;
    bool def = false;
  };

  void mention(const std::string& name, const Position& at, bool def);
  void owned_block(const std::string& name, const Block& block, const Position& at);
  void walk(const Block& block, Position at);
  void place(const std::string& name, const std::vector<Mention>& mentions);

  const std::set<std::string>& outside_;
  std::vector<std::string> owners_;
  std::set<std::string> owned_;
  std::vector<std::string> order_;
  std::map<std::string, std::vector<Mention>> mentions_;
  std::map<std::string, Decl> decls_;
};

}  // namespace playground::cpp
