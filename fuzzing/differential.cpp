#include "fuzzing/differential.h"

#include <cctype>

#include "core/expectation.h"
#include "core/level.h"
#include "core/trace.h"

namespace fdlab {

DifferentialRun run_differential(const Scenario& sc, Kernel& sim, Kernel& native) {
  DifferentialRun run;
  run.sim = replay(sc, sim);
  run.native = replay(sc, native);
  const Divergence d = first_divergence(run.sim.trace, run.native.trace);
  if (d.found) {
    run.verdict = Verdict::diverged;
    run.difference =
        "traces differ at record " + std::to_string(d.index) +
        "\n  sim:    " + (d.left.is_null() ? "(ended: " + run.sim.error + ")" : d.left.dump()) +
        "\n  native: " + (d.right.is_null() ? "(ended: " + run.native.error + ")" : d.right.dump());
  } else if (run.sim.error != run.native.error) {
    run.verdict = Verdict::diverged;
    run.difference = "the runs ended differently\n  sim:    " + run.sim.error +
                     "\n  native: " + run.native.error;
  } else if (run.sim.leftovers.leaked != run.native.leftovers.leaked ||
             run.sim.leftovers.open_fds != run.native.leftovers.open_fds) {
    run.verdict = Verdict::diverged;
    run.difference = "the scenarios left different fds\n  sim:    " +
                     std::to_string(run.sim.leftovers.open_fds) + " open, " +
                     run.sim.leftovers.detail +
                     "\n  native: " + std::to_string(run.native.leftovers.open_fds) + " open, " +
                     run.native.leftovers.detail;
  }
  return run;
}

std::string harness_error_kind(const std::string& error, const std::string& file) {
  std::string s = error;
  if (s.rfind(file + ": ", 0) == 0) s = s.substr(file.size() + 2);
  if (s.rfind("step ", 0) == 0)
    if (auto colon = s.find(": "); colon != std::string::npos) s = s.substr(colon + 2);
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '\'') {
      if (!quoted) out += "'…'";
      quoted = !quoted;
    } else if (!quoted) {
      if (std::isdigit(static_cast<unsigned char>(ch))) {
        if (out.empty() || out.back() != 'N') out += 'N';
      } else {
        out += ch;
      }
    }
  }
  if (out.size() > 100) out = out.substr(0, 97) + "...";
  return out;
}

nlohmann::json expectation_from_record(const nlohmann::json& record) {
  // A usocket-level record: its result and its events ([] for none), as `expect` takes them.
  if (record.contains("result"))
    return {{"result", record["result"]},
            {"events", record.value("events", nlohmann::json::array())}};
  nlohmann::json expect = nlohmann::json::object();
  for (const auto& key : expectation_keys())
    if (record.contains(key.name)) expect[key.name] = record[key.name];
  if (record.contains("data_len")) expect["data_size"] = record["data_len"];
  return expect;
}

}  // namespace fdlab
