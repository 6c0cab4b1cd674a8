#pragma once
// What a fuzzing run reached: ops, ops × errnos, ops × flags (and commands, options, kinds),
// ops × the kind of object they named, and the rules of docs/rules.md the sim applied. Printed
// at the end of `fdlab fuzz` and written as JSON (--coverage FILE).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fdlab {

class Coverage {
 public:
  // One generated step as written, its trace record, and the kind of object it named.
  void add_step(const nlohmann::json& step, const nlohmann::json& record,
                const std::string& target_kind);
  // A usocket-level step and its record: counted under "usocket OP" (the op, its result: ok,
  // null, true, false, data, fds or the error's code; the events it caused; its form, its
  // optional arguments), so the two levels' ops of one name stay apart.
  void add_usocket_step(const nlohmann::json& step, const nlohmann::json& record,
                        const std::string& target_kind);
  // A rule of docs/rules.md that the sim applied in a scenario (counted once per scenario).
  void add_rule(const std::string& rule_id) { ++rules_[rule_id]; }
  void add_scenario() { ++scenarios_; }
  void merge(const Coverage& other);

  // `rules`: every rule id of the catalogue that a run can reach, so the unreached are named.
  nlohmann::json to_json(const std::vector<std::string>& rules) const;
  // The counts of a to_json() back (another process's share of a run, to merge).
  static Coverage from_json(const nlohmann::json& j);
  // A few lines for people: counts, and what was never reached.
  std::string summary(const std::vector<std::string>& rules) const;

  std::vector<std::string> unreached_ops() const;
  std::vector<std::string> unreached_rules(const std::vector<std::string>& rules) const;

 private:
  long scenarios_ = 0;
  long steps_ = 0;
  std::map<std::string, long> ops_, op_errno_, op_flags_, op_kinds_, rules_;
};

}  // namespace fdlab
