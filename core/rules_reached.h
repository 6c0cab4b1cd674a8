#pragma once
// Which rules of docs/rules.md a run applied. The sim (and the parts of core it runs on) marks a
// rule with reached(sink, "stream.fd-boundary") at the branch where that rule decides an
// outcome: the errno it describes is returned, the read stops where it says, the fds are
// dropped. The usocket model (core/usocket/) marks its rules into the sink of the Kernel it runs
// on (Kernel::rules_sink(): the sim's; none on native). Without a sink (the default) a mark is
// one branch. `fdlab fuzz` gives the sim a sink per scenario and counts the rules its generated
// steps reached (fuzzing/coverage.h).
//
// A mark names a rule id as a string literal, on a call of reached(...) that ends at its `;`:
// tests/sim_rules_reached_test.cpp finds the marks by reading the source, checks each id
// against the catalogue, and checks that every rule is marked or listed in
// tests/data/rules-not-marked.json with the reason it cannot be.
#include <map>
#include <string_view>

namespace fdlab {

class RulesReached {
 public:
  // `rule` must outlive the sink: marks pass string literals.
  void reach(std::string_view rule) { ++counts_[rule]; }
  bool has(std::string_view rule) const { return counts_.count(rule) != 0; }
  // Each rule reached and how many times it was applied, ordered by id.
  const std::map<std::string_view, long>& counts() const { return counts_; }
  void clear() { counts_.clear(); }

 private:
  std::map<std::string_view, long> counts_;
};

// `rule` is a const char*, measured only when there is a sink.
inline void reached(RulesReached* sink, const char* rule) {
  if (sink != nullptr) sink->reach(rule);
}

}  // namespace fdlab
