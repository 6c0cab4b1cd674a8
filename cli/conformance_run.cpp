#include "cli/conformance_run.h"

#include <atomic>
#include <map>
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

ScenarioRun run_one(const std::string& file, const UsocketAdapter& base,
                    const std::vector<FindingSpec>& findings) {
  const std::string text = read_text_file(file);
  const Scenario sc = parse_scenario(text, file);
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
  std::vector<std::string> usocket_files;
  for (const auto& f : files)
    if (parse_scenario(read_text_file(f), f).level == Level::usocket) usocket_files.push_back(f);
  std::vector<ScenarioRun> runs(usocket_files.size());
  std::atomic<std::size_t> next{0};
  std::mutex error_mutex;
  std::string error;
  const auto worker = [&] {
    for (std::size_t i = next++; i < usocket_files.size(); i = next++) {
      try {
        runs[i] = run_one(usocket_files[i], adapter, findings);
      } catch (const std::exception& e) {
        const std::lock_guard<std::mutex> lock(error_mutex);
        if (error.empty()) error = e.what();
        next = usocket_files.size();
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
    for (auto& [step, ids] : steps.items()) std::sort(ids.begin(), ids.end());
    out[v.variant] = steps;
  }
  return out;
}

std::map<std::string, std::vector<nlohmann::json>> occurrences(
    const std::vector<ScenarioRun>& runs) {
  std::map<std::string, std::vector<nlohmann::json>> out;
  for (const auto& r : runs)
    for (const auto& v : r.variants)
      for (std::size_t i = 0; i < v.deltas.size(); ++i) {
        auto& list = out[v.causes[i]];
        const nlohmann::json where{
            {"scenario", r.id}, {"variant", v.variant}, {"step", v.deltas[i].step}};
        if (std::find(list.begin(), list.end(), where) == list.end()) list.push_back(where);
      }
  return out;
}

}  // namespace fdlab
