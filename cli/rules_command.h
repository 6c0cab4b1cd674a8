#pragma once
// `fdlab rules`: checks that every rule has a scenario and every scenario names known rules,
// and writes or checks docs/rules.md.
#include <string>

namespace fdlab {

struct RulesOptions {
  std::string catalogue = "docs/rules";  // a folder of *.json catalogues
  std::string markdown = "docs/rules.md";
  std::string scenarios = "scenarios";
  bool write = false;  // rewrite the markdown instead of checking it
};

// 0 when everything agrees (or was written), 1 when not, 2 on a bad file.
int run_rules(const RulesOptions& options);

}  // namespace fdlab
