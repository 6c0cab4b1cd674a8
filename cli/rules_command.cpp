#include "cli/rules_command.h"

#include <fmt/core.h>

#include <fstream>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/rules_catalogue.h"
#include "core/scenario.h"
#include "corpus/scenario_files.h"

namespace fdlab {

int run_rules(const RulesOptions& opt) {
  std::vector<Rule> rules;
  std::vector<ScenarioRules> scenarios;
  try {
    // The catalogue is a folder of JSON files (one per family of rules), read in name order.
    for (const auto& file : collect_scenario_files({opt.catalogue})) {
      auto part = parse_rules_catalogue(read_text_file(file), file);
      rules.insert(rules.end(), part.begin(), part.end());
    }
    for (const auto& file : collect_scenario_files({opt.scenarios})) {
      const auto sc = parse_scenario(read_text_file(file), file);
      scenarios.push_back({sc.id, sc.rules});
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "fdlab rules: {}\n", e.what());
    return 2;
  }
  auto problems = check_rules(rules, scenarios);
  for (std::size_t i = 0; i < rules.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (rules[i].id == rules[k].id)
        problems.push_back("rule " + rules[i].id + " is listed twice");
  const std::string md = render_rules_markdown(rules, scenarios);
  if (opt.write) {
    std::ofstream(opt.markdown) << md;
  } else {
    std::string current;
    try {
      current = read_text_file(opt.markdown);
    } catch (const std::exception&) {
    }
    if (current != md)
      problems.push_back(opt.markdown + " is out of date: run `fdlab rules --write`");
  }
  for (const auto& p : problems) fmt::print("{}\n", p);
  fmt::print("{} rules, {} scenarios, {} problems\n", rules.size(), scenarios.size(),
             problems.size());
  return problems.empty() ? 0 : 1;
}

}  // namespace fdlab
