#include "cli/report_command.h"

#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/conformance_document.h"
#include "cli/conformance_run.h"
#include "cli/patched_package.h"
#include "cli/repro_scripts.h"
#include "cli/usocket_adapter.h"
#include "corpus/scenario_files.h"

namespace fdlab {
namespace {

const std::string kRoot = FDLAB_SOURCE_DIR;

nlohmann::json pins(const std::vector<ScenarioRun>& runs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& r : runs) {
    auto p = pin(r);
    if (!p.empty()) out[r.id] = std::move(p);
  }
  return out;
}

nlohmann::json run_json(const std::vector<ScenarioRun>& runs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : runs) {
    nlohmann::json j{{"scenario", r.id}, {"file", r.file}, {"variants", nlohmann::json::array()}};
    for (const auto& v : r.variants) {
      nlohmann::json d = nlohmann::json::array();
      for (std::size_t i = 0; i < v.deltas.size(); ++i)
        d.push_back({{"step", v.deltas[i].step},
                     {"finding", v.causes[i]},
                     {"difference", v.deltas[i].what}});
      j["variants"].push_back({{"variant", v.variant}, {"stopped", v.stopped}, {"differences", d}});
    }
    out.push_back(std::move(j));
  }
  return out;
}

// The keys of two JSON objects, together and sorted.
std::set<std::string> keys_of(const nlohmann::json& a, const nlohmann::json& b) {
  std::set<std::string> keys;
  for (const auto& [k, v] : a.items()) keys.insert(k);
  for (const auto& [k, v] : b.items()) keys.insert(k);
  return keys;
}

// Every way the pinned differences and this run's differ, one line each.
std::vector<std::string> changes(const nlohmann::json& expected, const nlohmann::json& now) {
  std::vector<std::string> out;
  for (const auto& id : keys_of(expected, now)) {
    const auto e = expected.value(id, nlohmann::json::object());
    const auto n = now.value(id, nlohmann::json::object());
    if (e == n) continue;
    if (n.empty()) {
      out.push_back(id + ": now agrees with the reference in every variant");
      continue;
    }
    for (const auto& variant : keys_of(e, n)) {
      const auto ev = e.value(variant, nlohmann::json::object());
      const auto nv = n.value(variant, nlohmann::json::object());
      for (const auto& s : keys_of(ev, nv))
        if (ev.value(s, nlohmann::json()) != nv.value(s, nlohmann::json()))
          out.push_back(fmt::format("{} ({}) step {}: expected {}, got {}", id, variant, s,
                                    ev.value(s, nlohmann::json()).dump(),
                                    nv.value(s, nlohmann::json()).dump()));
    }
  }
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
  fmt::print("wrote {}\n", path);
}

}  // namespace

int run_report(const ReportOptions& o) {
  const auto paths =
      o.paths.empty() ? std::vector<std::string>{kRoot + "/scenarios/usocket"} : o.paths;
  const auto output = o.output.empty() ? kRoot + "/docs/usocket-conformance.md" : o.output;
  const auto expected_file =
      o.expected.empty() ? kRoot + "/adapters/usocket/expected-divergences.json" : o.expected;
  const auto findings = parse_findings(
      nlohmann::json::parse(read_text_file(kRoot + "/adapters/usocket/findings.json")));

  const UsocketAdapter adapter = default_usocket_adapter();
  const auto runs = run_conformance(collect_scenario_files(paths), adapter, findings, o.jobs);
  const ReadmeRun readme = run_readme_quick_usage(adapter);
  nlohmann::json now{{"scenarios", pins(runs)}, {"readme_quick_usage", readme.pin()}};

  if (!o.json.empty()) {
    const auto j = nlohmann::json{{"runs", run_json(runs)}, {"readme_quick_usage", readme.result}};
    if (o.json == "-")
      std::cout << j.dump(1) << "\n";
    else
      write_file(o.json, j.dump(1) + "\n");
  }
  if (o.patched) {
    const auto results = measure_patches(runs, findings, o.jobs);
    write_file(kRoot + "/adapters/usocket/patch-results.json", results.dump(1) + "\n");
  }
  if (o.write) {
    const auto scripts = write_repro_scripts(runs, findings, kRoot + "/adapters/usocket/repro");
    nlohmann::json patches = nlohmann::json::object();
    try {
      patches =
          nlohmann::json::parse(read_text_file(kRoot + "/adapters/usocket/patch-results.json"));
    } catch (const std::exception&) {
      // Not measured yet: the document says so.
    }
    write_file(output, conformance_document(runs, findings, scripts, readme, patches));
  }
  if (o.update_expected) {
    write_file(expected_file, now.dump(1) + "\n");
    return 0;
  }
  nlohmann::json expected;
  try {
    expected = nlohmann::json::parse(read_text_file(expected_file));
  } catch (const std::exception& e) {
    fmt::print(stderr, "fdlab report: {}\n", e.what());
    return 2;
  }
  auto changed = changes(expected.value("scenarios", nlohmann::json::object()), now["scenarios"]);
  if (expected.value("readme_quick_usage", nlohmann::json()) != now["readme_quick_usage"])
    changed.push_back("the README's quick usage: expected " +
                      expected.value("readme_quick_usage", nlohmann::json()).dump() + ", got " +
                      now["readme_quick_usage"].dump());
  for (const auto& c : changed) fmt::print("{}\n", c);
  std::size_t differing = 0, unexplained = 0, runs_count = 0;
  std::set<std::string> seen;
  for (const auto& r : runs)
    for (const auto& v : r.variants) {
      ++runs_count;
      differing += !v.deltas.empty();
      for (const auto& c : v.causes) {
        unexplained += c == "unexplained";
        if (c != "unexplained") seen.insert(c);
      }
    }
  fmt::print(
      "{} usocket scenarios, {} runs with variants: {} differ from the reference; {} findings, "
      "{} unexplained differences; {} changed from {}\n",
      runs.size(), runs_count, differing, seen.size(), unexplained, changed.size(), expected_file);
  return changed.empty() ? 0 : 1;
}

}  // namespace fdlab
