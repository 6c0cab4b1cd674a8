#include "cli/conformance_run.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "core/level.h"
#include "core/replay.h"
#include "core/scenario.h"
#include "corpus/scenario_files.h"
#include "sim/sim_kernel.h"

namespace fdlab {
namespace {

// The failure that says why the library's run ended before the scenario did. The usocket
// backend's messages for a run that stopped start with "node " or "the adapter".
std::string why_stopped(const ReplayReport& r) {
  for (const auto& f : r.failures)
    if (f.message.rfind("node ", 0) == 0 || f.message.rfind("the adapter", 0) == 0)
      return f.message;
  return "";
}

ScenarioRun run_one(const std::string& file, const std::string& text, const Scenario& sc,
                    const UsocketAdapter& base, const std::vector<FindingSpec>& findings) {
  ScenarioRun run;
  run.file = file;
  run.id = sc.id;
  run.title = sc.title;
  run.steps = nlohmann::json::parse(text)["steps"];
  sim::SimKernel kernel;
  run.reference = replay(sc, kernel).trace;
  for (const auto& v : variants_for(run.steps)) {
    UsocketAdapter a = base;
    a.variant = v;
    const ReplayReport lib = replay_on_usocket(sc, file, a);
    VariantRun vr;
    vr.variant = v;
    vr.trace = lib.trace;
    vr.stopped = why_stopped(lib);
    vr.deltas = diff_traces(run.steps, run.reference, vr.trace, vr.stopped);
    vr.causes = attribute(findings, vr.deltas);
    run.variants.push_back(std::move(vr));
  }
  return run;
}

}  // namespace

std::vector<std::string> variants_for(const nlohmann::json& steps) {
  for (const auto& s : steps)
    if (s.is_object() && s.value("op", "") == "usocket" && !s.contains("fd"))
      return {"eager", "readable-after-connected"};
  return {"eager"};
}

std::vector<ScenarioRun> run_conformance(const std::vector<std::string>& files,
                                         const UsocketAdapter& adapter,
                                         const std::vector<FindingSpec>& findings, int jobs) {
  struct Input {
    std::string file;
    std::string text;
    Scenario scenario;
  };
  std::vector<Input> inputs;
  for (const auto& f : files) {
    std::string text = read_text_file(f);
    Scenario sc = parse_scenario(text, f);
    if (sc.level == Level::usocket) inputs.push_back({f, std::move(text), std::move(sc)});
  }
  std::vector<ScenarioRun> runs(inputs.size());
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::string error;
  const auto worker = [&] {
    for (std::size_t i = next++; i < inputs.size(); i = next++) {
      try {
        runs[i] = run_one(inputs[i].file, inputs[i].text, inputs[i].scenario, adapter, findings);
      } catch (const std::exception& e) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (error.empty()) error = e.what();
        next = inputs.size();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::max(1, jobs); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  return runs;
}

nlohmann::json pin(const ScenarioRun& r) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& v : r.variants) {
    if (v.deltas.empty()) continue;
    nlohmann::json steps = nlohmann::json::object();
    for (std::size_t i = 0; i < v.deltas.size(); ++i)
      steps[std::to_string(v.deltas[i].step)].push_back(v.causes[i]);
    // Which findings explain a step is pinned, not how many deltas each made there: an fd
    // listing taken while the package is still sending can miss one fd or two (measured once in
    // write-fds-while-kernel-full), with the same cause.
    for (auto& [step, ids] : steps.items()) {
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
    out[v.variant] = steps;
  }
  return out;
}

}  // namespace fdlab
