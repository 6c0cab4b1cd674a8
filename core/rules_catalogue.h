#pragma once
// The rules catalogue (docs/rules/*.json → docs/rules.md): every rule with its source and the
// scenarios that check it; every scenario must name rules of the catalogue.
#include <map>
#include <string>
#include <vector>

namespace fdlab {

struct Rule {
  std::string id;
  std::string rule;
  std::string source;
};

struct ScenarioRules {
  std::string id;
  std::vector<std::string> rules;
};

// Throws HarnessError (naming `file`) when the catalogue is malformed or has duplicate ids.
std::vector<Rule> parse_rules_catalogue(const std::string& text, const std::string& file);

// One line per problem: a rule no scenario checks, a scenario with no rules, a scenario naming
// a rule that is not in the catalogue. Empty when the catalogue and the corpus agree.
std::vector<std::string> check_rules(const std::vector<Rule>& rules,
                                     const std::vector<ScenarioRules>& scenarios);

// docs/rules.md: numbered rules, their sources and the scenarios that check them.
std::string render_rules_markdown(const std::vector<Rule>& rules,
                                  const std::vector<ScenarioRules>& scenarios);

}  // namespace fdlab
