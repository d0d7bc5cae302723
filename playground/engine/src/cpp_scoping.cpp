#include "cpp_scoping.hpp"

#include <algorithm>

namespace playground::cpp {

namespace {

void expr_names(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == ExprKind::kVar || !e.name.empty()) out.push_back(e.name);
  for (const auto& a : e.args) expr_names(a, out);
}

}  // namespace

Scoping::Scoping(const Block& root, const std::set<std::string>& outside) : outside_(outside) {
  walk(root, {});
  for (auto& [name, mentions] : mentions_) place(name, mentions);
}

const Decl* Scoping::find(const std::string& name) const {
  auto it = decls_.find(name);
  return it == decls_.end() ? nullptr : &it->second;
}

bool Scoping::escapes(const std::string& name) const {
  return owned_.count(name) != 0 && mentions_.count(name) != 0;
}

std::vector<std::string> Scoping::before(const Block* block, std::size_t index) const {
  std::vector<std::string> out;
  for (const auto& name : order_) {
    const Decl& d = decls_.at(name);
    if (d.block == block && d.first == index && !d.direct) out.push_back(name);
  }
  return out;
}

void Scoping::mention(const std::string& name, const Position& at, bool def) {
  if (outside_.count(name) != 0) return;
  if (std::find(owners_.begin(), owners_.end(), name) != owners_.end()) {
    owned_.insert(name);
    return;
  }
  if (mentions_.count(name) == 0) order_.push_back(name);
  mentions_[name].push_back({at, def});
}

void Scoping::owned_block(const std::string& name, const Block& block, const Position& at) {
  owners_.push_back(name);
  owned_.insert(name);
  walk(block, at);
  owners_.pop_back();
}

void Scoping::walk(const Block& block, Position at) {
  for (std::size_t i = 0; i < block.size(); ++i) {
    const Step& s = block[i];
    at.emplace_back(&block, i);
    std::vector<std::string> uses;
    if (!s.target.empty()) uses.push_back(s.target);
    for (const auto* e :
         {&s.value, &s.cond, &s.timeout, &s.message, &s.error, &s.seconds, &s.maxsize, &s.name}) {
      if (*e) expr_names(**e, uses);
    }
    for (const auto& a : s.args) expr_names(a, uses);
    for (const auto& u : uses) mention(u, at, false);
    if (!s.as.empty()) mention(s.as, at, true);
    if (s.op == Op::kSet) mention(s.var, at, true);
    if (s.op == Op::kFor) {
      owned_block(s.var, s.body, at);
    } else {
      walk(s.body, at);
    }
    walk(s.orelse, at);
    walk(s.finally, at);
    for (const auto& e : s.excepts) {
      if (e.as.empty()) {
        walk(e.body, at);
      } else {
        owned_block(e.as, e.body, at);
      }
    }
    at.pop_back();
  }
}

void Scoping::place(const std::string& name, const std::vector<Mention>& mentions) {
  std::size_t depth = mentions[0].at.size();
  for (const auto& m : mentions) {
    std::size_t d = 0;
    while (d < depth && d < m.at.size() && m.at[d].first == mentions[0].at[d].first) ++d;
    depth = d;
  }
  Decl decl;
  decl.block = mentions[0].at[depth - 1].first;
  decl.first = decl.last = mentions[0].at[depth - 1].second;
  for (const auto& m : mentions) {
    decl.first = std::min(decl.first, m.at[depth - 1].second);
    decl.last = std::max(decl.last, m.at[depth - 1].second);
  }
  const Mention& first = mentions[0];
  decl.direct = first.def && first.at.size() == depth && first.at[depth - 1].second == decl.first;
  decls_[name] = decl;
}

}  // namespace playground::cpp
