#include "cli/run_diff.h"

#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

namespace fdlab {
namespace {

using nlohmann::json;

// A step as the program saw it: op and answer, nothing either writer chose.
json seen(const json& step) {
  json s = {{"op", step.value("op", "")}};
  const json e = step.value("expect", json::object());
  for (const char* k : {"ret", "errno", "data", "data_hex", "data_size", "msg_flags", "sigpipe",
                        "blocked", "value"})
    if (e.contains(k)) s[k] = e[k];
  if (e.contains("fds")) s["fds"] = e["fds"].size();
  if (!s.contains("errno") && !s.contains("blocked")) s["errno"] = nullptr;
  return s;
}

// The same answer as far as both runs wrote it down: op, errno, blocking and SIGPIPE always
// (their absence says something: success, a call that returned, no signal), every other field
// when both have it (a writer may leave out a return value the other states).
bool agree(const json& a, const json& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  for (const char* k : {"op", "errno"})
    if (a.value(k, json()) != b.value(k, json())) return false;
  for (const char* k : {"blocked", "sigpipe"})
    if (a.value(k, false) != b.value(k, false)) return false;
  for (const auto& [k, v] : a.items())
    if (b.contains(k) && b[k] != v) return false;
  return true;
}

struct Process {
  std::string name;
  std::vector<json> steps;
};

std::vector<Process> by_process(const json& scenario) {
  std::vector<Process> out;
  std::map<std::string, std::size_t> index;
  for (const auto& name : scenario.at("processes")) {
    index[name.get<std::string>()] = out.size();
    out.push_back({name.get<std::string>(), {}});
  }
  for (const auto& step : scenario.at("steps")) {
    const auto it = index.find(step.at("proc").get<std::string>());
    if (it != index.end()) out[it->second].steps.push_back(step);
  }
  // Processes that made no call are no part of either run's behaviour.
  std::vector<Process> made_calls;
  for (auto& p : out)
    if (!p.steps.empty()) made_calls.push_back(std::move(p));
  return made_calls;
}

}  // namespace

RunDiff diff_runs(const json& a, const json& b) {
  RunDiff d;
  const std::vector<Process> pa = by_process(a), pb = by_process(b);
  if (pa.size() != pb.size()) {
    d.same = false;
    d.what = fmt::format("{} processes made calls in A, {} in B", pa.size(), pb.size());
    return d;
  }
  for (std::size_t i = 0; i < pa.size(); ++i) {
    const Process &x = pa[i], &y = pb[i];
    const std::size_t n = std::max(x.steps.size(), y.steps.size());
    for (std::size_t k = 0; k < n; ++k) {
      const json sx = k < x.steps.size() ? seen(x.steps[k]) : json();
      const json sy = k < y.steps.size() ? seen(y.steps[k]) : json();
      if (agree(sx, sy)) {
        ++d.calls_compared;
        continue;
      }
      d.same = false;
      d.process = x.name;
      d.call = static_cast<int>(k);
      d.a = k < x.steps.size() ? x.steps[k] : json();
      d.b = k < y.steps.size() ? y.steps[k] : json();
      if (sx.is_null() || sy.is_null())
        d.what = fmt::format("{} made {} calls in A and {} in B", x.name, x.steps.size(), y.steps.size());
      else if (sx["op"] != sy["op"])
        d.what = fmt::format("{}'s call {}: {} in A, {} in B", x.name, k, sx["op"].get<std::string>(),
                             sy["op"].get<std::string>());
      else
        d.what = fmt::format("{}'s call {} ({}) answered differently: A {}, B {}", x.name, k,
                             sx["op"].get<std::string>(), sx.dump(), sy.dump());
      return d;
    }
  }
  return d;
}

int run_diff_runs(const DiffRunsOptions& options) {
  json runs[2];
  const std::string* paths[2] = {&options.a, &options.b};
  for (int i = 0; i < 2; ++i) {
    std::ifstream in(*paths[i]);
    std::stringstream text;
    text << in.rdbuf();
    try {
      if (!in) throw std::runtime_error("cannot read it");
      runs[i] = json::parse(text.str());
      if (!runs[i].contains("processes") || !runs[i].contains("steps"))
        throw std::runtime_error("not a scenario: no processes or steps");
    } catch (const std::exception& e) {
      std::cerr << fmt::format("{}: {}\n", *paths[i], e.what());
      return 2;
    }
  }
  RunDiff d;
  try {
    d = diff_runs(runs[0], runs[1]);
  } catch (const std::exception& e) {
    std::cerr << fmt::format("diff-runs: a step without the fields of a scenario step: {}\n", e.what());
    return 2;
  }
  if (d.same) {
    std::cout << fmt::format("same: {} calls agree ({} and {})\n", d.calls_compared, options.a, options.b);
    return 0;
  }
  std::cout << fmt::format("differ: {}\n", d.what);
  if (d.call >= 0) {
    std::cout << fmt::format("  A ({}): {}\n", options.a, d.a.dump());
    std::cout << fmt::format("  B ({}): {}\n", options.b, d.b.dump());
  }
  return 1;
}

}  // namespace fdlab
