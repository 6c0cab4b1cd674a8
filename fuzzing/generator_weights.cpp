#include "fuzzing/generator_weights.h"

#include <nlohmann/json.hpp>

#include "core/harness_error.h"

namespace fdlab {

const std::array<GenActionSpec, kGenActionCount>& gen_actions() {
  static const std::array<GenActionSpec, kGenActionCount> specs = {{
#define FDLAB_GEN_ACTION_SPEC(name, weight, doc) {GenAction::name, #name, weight, doc},
      FDLAB_GENERATOR_ACTIONS(FDLAB_GEN_ACTION_SPEC)
#undef FDLAB_GEN_ACTION_SPEC
  }};
  return specs;
}

GeneratorWeights::GeneratorWeights() : weight{} {
  for (const auto& a : gen_actions()) weight[static_cast<std::size_t>(a.action)] = a.default_weight;
}

std::string generator_actions_markdown() {
  int total = 0;
  for (const auto& a : gen_actions()) total += a.default_weight;
  std::string s = "| action | weight | share | what it generates |\n|---|---|---|---|\n";
  for (const auto& a : gen_actions()) {
    const int tenths = (a.default_weight * 1000 + total / 2) / total;
    s += "| `" + std::string(a.name) + "` | " + std::to_string(a.default_weight) + " | " +
         std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " % | " + a.doc + " |\n";
  }
  return s;
}

GeneratorWeights parse_generator_weights(const std::string& text, const std::string& file) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw HarnessError(file, -1, "", "expected a JSON object of action names and weights");
  GeneratorWeights w;
  for (const auto& [key, value] : j.items()) {
    const GenActionSpec* spec = nullptr;
    for (const auto& a : gen_actions())
      if (key == a.name) spec = &a;
    if (!spec) {
      std::string known;
      for (const auto& a : gen_actions())
        known += (known.empty() ? "" : ", ") + std::string(a.name);
      throw HarnessError(file, -1, key, "unknown action (known: " + known + ")");
    }
    if (!value.is_number_integer() || value.get<long>() < 0 || value.get<long>() > 1000)
      throw HarnessError(file, -1, key, "expected a weight, an integer 0..1000");
    w[spec->action] = value.get<int>();
  }
  int total = 0;
  for (int x : w.weight) total += x;
  if (total == 0) throw HarnessError(file, -1, "", "every weight is 0: nothing to generate");
  return w;
}

}  // namespace fdlab
