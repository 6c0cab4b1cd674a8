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

const std::array<UGenActionSpec, kUGenActionCount>& usocket_gen_actions() {
  static const std::array<UGenActionSpec, kUGenActionCount> specs = {{
#define FDLAB_UGEN_ACTION_SPEC(name, op, weight, doc) {UGenAction::name, op, weight, doc},
      FDLAB_USOCKET_GENERATOR_ACTIONS(FDLAB_UGEN_ACTION_SPEC)
#undef FDLAB_UGEN_ACTION_SPEC
  }};
  return specs;
}

GeneratorWeights::GeneratorWeights() : weight{}, usocket{} {
  for (const auto& a : gen_actions()) weight[static_cast<std::size_t>(a.action)] = a.default_weight;
  for (const auto& a : usocket_gen_actions())
    usocket[static_cast<std::size_t>(a.action)] = a.default_weight;
}

namespace {

template <class Specs>
std::string actions_markdown(const Specs& specs) {
  int total = 0;
  for (const auto& a : specs) total += a.default_weight;
  std::string s = "| action | weight | share | what it generates |\n|---|---|---|---|\n";
  for (const auto& a : specs) {
    const int tenths = (a.default_weight * 1000 + total / 2) / total;
    s += "| `" + std::string(a.name) + "` | " + std::to_string(a.default_weight) + " | " +
         std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " % | " + a.doc + " |\n";
  }
  return s;
}

// One level's weights from `j` into `weight` (indexed like `specs`); `where` prefixes fields.
template <class Specs, std::size_t N>
void read_weights(const nlohmann::json& j, const Specs& specs, std::array<int, N>& weight,
                  const std::string& file, const std::string& where) {
  for (const auto& [key, value] : j.items()) {
    if (where.empty() && key == "usocket") continue;  // the other level's, read on its own
    std::size_t at = N;
    for (std::size_t i = 0; i < N; ++i)
      if (key == specs[i].name) at = i;
    if (at == N) {
      std::string known;
      for (const auto& a : specs) known += (known.empty() ? "" : ", ") + std::string(a.name);
      throw HarnessError(file, -1, where + key, "unknown action (known: " + known + ")");
    }
    const nlohmann::json& v = value;
    if (!v.is_number_integer() || v.get<long>() < 0 || v.get<long>() > 1000)
      throw HarnessError(file, -1, where + key, "expected a weight, an integer 0..1000");
    weight[at] = v.get<int>();
  }
  int total = 0;
  for (int x : weight) total += x;
  if (total == 0) throw HarnessError(file, -1, where, "every weight is 0: nothing to generate");
}

}  // namespace

std::string generator_actions_markdown() { return actions_markdown(gen_actions()); }
std::string usocket_generator_actions_markdown() { return actions_markdown(usocket_gen_actions()); }

GeneratorWeights parse_generator_weights(const std::string& text, const std::string& file) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw HarnessError(file, -1, "", "expected a JSON object of action names and weights");
  GeneratorWeights w;
  read_weights(j, gen_actions(), w.weight, file, "");
  if (j.contains("usocket")) {
    if (!j["usocket"].is_object())
      throw HarnessError(file, -1, "usocket", "expected an object of usocket action weights");
    read_weights(j["usocket"], usocket_gen_actions(), w.usocket, file, "usocket.");
  }
  return w;
}

}  // namespace fdlab
