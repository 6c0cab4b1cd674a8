#include "bench/ratio_guard.h"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/harness_error.h"

namespace fdlab::bench {

RatioLimits read_ratio_limits(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw HarnessError(path, -1, "", "cannot open the ratio limits");
  std::stringstream text;
  text << in.rdbuf();
  const auto j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw HarnessError(path, -1, "", "expected a JSON object");
  RatioLimits limits;
  const auto base = j.find("baseline");
  if (base == j.end() || !base->is_string())
    throw HarnessError(path, -1, "baseline", "expected a benchmark name");
  limits.baseline = base->get<std::string>();
  const auto max = j.find("max_ratio");
  if (max == j.end() || !max->is_object() || max->empty())
    throw HarnessError(path, -1, "max_ratio", "expected {\"BM_name\": {\"limit\": ratio, ...}}");
  for (const auto& [name, entry] : max->items()) {
    const auto limit = entry.is_object() ? entry.find("limit") : entry.end();
    if (limit == entry.end() || !limit->is_number() || limit->get<double>() <= 0)
      throw HarnessError(path, -1, "max_ratio." + name + ".limit", "expected a ratio above 0");
    limits.max[name] = limit->get<double>();
  }
  return limits;
}

std::string guard_filter(const RatioLimits& limits) {
  std::string names = limits.baseline;
  for (const auto& [name, _] : limits.max) names += "|" + name;
  return "^(" + names + ")$";
}

std::vector<std::string> broken_limits(const RatioLimits& limits,
                                       const std::map<std::string, double>& best_ns) {
  std::vector<std::string> broken;
  const auto base = best_ns.find(limits.baseline);
  if (base == best_ns.end() || base->second <= 0)
    return {limits.baseline + ": not measured (the baseline)"};
  for (const auto& [name, limit] : limits.max) {
    const auto it = best_ns.find(name);
    if (it == best_ns.end()) {
      broken.push_back(name + ": not measured");
      continue;
    }
    const double ratio = it->second / base->second;
    if (ratio > limit)
      broken.push_back(
          fmt::format("{}: {:.3f}x {}, limit {:.3f}x", name, ratio, limits.baseline, limit));
  }
  return broken;
}

}  // namespace fdlab::bench
