#include "fuzzing/shrinker.h"

#include <string>
#include <vector>

namespace fdlab {
namespace {

using nlohmann::json;

class Shrinker {
 public:
  Shrinker(json scenario, const StillFails& fails, int max_tries)
      : best_(std::move(scenario)), fails_(fails), max_tries_(max_tries) {}

  ShrinkResult run() {
    for (bool changed = true; changed && tries_ < max_tries_;) {
      changed = steps();
      changed |= arguments();
      changed |= sizes();
    }
    return {best_, tries_};
  }

 private:
  bool attempt(json candidate) {
    if (tries_ >= max_tries_) return false;
    ++tries_;
    if (!fails_(candidate)) return false;
    best_ = std::move(candidate);
    return true;
  }

  // ddmin: remove chunks of steps, from halves down to single steps.
  bool steps() {
    bool changed = false;
    std::size_t n = 2;
    while (best_["steps"].size() >= 2 && tries_ < max_tries_) {
      const json& all = best_["steps"];
      const std::size_t len = all.size();
      const std::size_t chunk = (len + n - 1) / n;
      bool removed = false;
      for (std::size_t start = 0; start < len && !removed; start += chunk) {
        json candidate = best_;
        json kept = json::array();
        for (std::size_t i = 0; i < len; ++i)
          if (i < start || i >= start + chunk) kept.push_back(all[i]);
        candidate["steps"] = kept;
        removed = attempt(std::move(candidate));
      }
      if (removed) {
        changed = true;
        n = std::max<std::size_t>(n - 1, 2);
      } else if (n >= len) {
        break;
      } else {
        n = std::min(n * 2, len);
      }
    }
    return changed;
  }

  // Each optional field of each step dropped, then each element of its arrays.
  bool arguments() {
    bool changed = false;
    for (std::size_t i = 0; i < best_["steps"].size(); ++i) {
      std::vector<std::string> keys;
      for (const auto& [k, v] : best_["steps"][i].items())
        if (k != "proc" && k != "op") keys.push_back(k);
      for (const auto& k : keys) {
        json candidate = best_;
        candidate["steps"][i].erase(k);
        if (attempt(std::move(candidate))) {
          changed = true;
          continue;
        }
        if (!best_["steps"][i][k].is_array()) continue;
        for (std::size_t e = best_["steps"][i][k].size(); e-- > 0;) {
          json c = best_;
          c["steps"][i][k].erase(e);
          changed |= attempt(std::move(c));
        }
      }
    }
    return changed;
  }

  // Numbers and data halved towards zero while the failure stays.
  bool sizes() {
    bool changed = false;
    for (std::size_t i = 0; i < best_["steps"].size(); ++i) {
      for (const char* key : {"data_size", "len", "fd_space", "control_len", "msg_controllen"}) {
        while (best_["steps"][i].contains(key) && best_["steps"][i][key].is_number_integer()) {
          const long v = best_["steps"][i][key].get<long>();
          if (v <= 0) break;
          json c = best_;
          c["steps"][i][key] = v / 2;
          if (!attempt(std::move(c))) break;
          changed = true;
        }
      }
      while (best_["steps"][i].contains("data") && best_["steps"][i]["data"].is_string()) {
        const std::string d = best_["steps"][i]["data"];
        if (d.empty()) break;
        json c = best_;
        c["steps"][i]["data"] = d.substr(0, d.size() / 2);
        if (!attempt(std::move(c))) break;
        changed = true;
      }
    }
    return changed;
  }

  json best_;
  const StillFails& fails_;
  int max_tries_;
  int tries_ = 0;
};

}  // namespace

ShrinkResult shrink_scenario(const nlohmann::json& scenario, const StillFails& still_fails,
                             int max_tries) {
  return Shrinker(scenario, still_fails, max_tries).run();
}

}  // namespace fdlab
