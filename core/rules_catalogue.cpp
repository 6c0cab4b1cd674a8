#include "core/rules_catalogue.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/harness_error.h"
#include "core/json_fields.h"

namespace fdlab {

std::vector<Rule> parse_rules_catalogue(const std::string& text, const std::string& file) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw HarnessError(file, -1, "", std::string("invalid JSON: ") + e.what());
  }
  JsonFields top(j, file, -1);
  top.allow({"comment"});
  const auto& list = top.raw("rules");
  top.reject_unknown();
  if (!list.is_array()) top.fail("rules", "expected an array");
  std::vector<Rule> rules;
  std::set<std::string> ids;
  for (const auto& item : list) {
    JsonFields f(item, file, -1);
    Rule r{f.req_string("id"), f.req_string("rule"), f.req_string("source")};
    f.reject_unknown();
    if (!ids.insert(r.id).second) f.fail("id", "rule '" + r.id + "' is listed twice");
    rules.push_back(std::move(r));
  }
  return rules;
}

std::vector<std::string> check_rules(const std::vector<Rule>& rules,
                                     const std::vector<ScenarioRules>& scenarios) {
  std::vector<std::string> problems;
  std::map<std::string, int> uses;
  for (const auto& r : rules) uses[r.id] = 0;
  for (const auto& s : scenarios) {
    if (s.rules.empty()) problems.push_back("scenario " + s.id + " names no rule");
    for (const auto& id : s.rules) {
      auto it = uses.find(id);
      if (it == uses.end())
        problems.push_back("scenario " + s.id + " names rule '" + id +
                           "', which is not in the catalogue");
      else
        ++it->second;
    }
  }
  for (const auto& r : rules)
    if (uses[r.id] == 0) problems.push_back("rule " + r.id + " has no scenario");
  return problems;
}

std::string render_rules_markdown(const std::vector<Rule>& rules,
                                  const std::vector<ScenarioRules>& scenarios) {
  std::string md =
      "# Rules\n\n"
      "Every rule fdlab models, numbered, with its source and the scenarios that check it on the\n"
      "simulator and the real kernel. Generated from docs/rules/*.json and the scenarios' `rules`\n"
      "by `fdlab rules --write`; `fdlab rules --check` (run by the tests) fails when a rule has "
      "no\n"
      "scenario, a scenario names no rule or an unknown one, or this file is out of date.\n";
  int n = 0;
  for (const auto& r : rules) {
    md += "\n## " + std::to_string(++n) + ". `" + r.id + "`\n\n" + r.rule + "\n\n";
    md += "- Source: " + r.source + "\n- Scenarios:";
    for (const auto& s : scenarios)
      for (const auto& id : s.rules)
        if (id == r.id) md += " `" + s.id + "`";
    md += "\n";
  }
  return md;
}

}  // namespace fdlab
