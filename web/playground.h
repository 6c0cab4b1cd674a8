#pragma once
// Playground: one scenario on the simulator, positioned at any step, for the visualizer.
// The whole trace (with every expectation's result) is computed once when a scenario is
// loaded; the state at a step is not stored but recomputed by the simulator on demand, from
// the nearest checkpoint behind it (a copy of the simulator taken while loading, every
// `interval` steps, their number bounded in bytes), so no move replays more than `interval`
// steps (a usocket-level scenario, tens of steps, keeps its states whole instead). It also
// knows which rules each step applied and an object's journey. Every result is a JSON
// string, and no C++ exception leaves this class: errors come back as {"ok": false, ...}.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/replay.h"
#include "core/scenario.h"
#include "sim/sim_kernel.h"

namespace fdlab::web {

// {"ok": true, "id", "level", "title", "steps"} or {"ok": false, "error": {file, step, field,
// reason, message}}; message is HarnessError::what(), the CLI's own wording.
std::string parse_result(const std::string& text, const std::string& file);

class Playground {
 public:
  Playground();
  ~Playground();

  // Parses `text` and replays it to the end once to record the trace; then stands at step 0
  // (nothing run). Returns parse_result's JSON, plus "ran": the number of steps that ran.
  std::string load(const std::string& text, const std::string& file);
  // Stands after the first k steps (clamped to what ran). Forward runs the missing steps;
  // otherwise from the nearest checkpoint. Returns {"ok", "step"}.
  std::string step_to(int k);
  // The simulator's state where the playground stands, with the scenario's names for it.
  std::string snapshot() const;
  // {"step": k, "before": state after k-1 steps (null at 0), "after": state after k steps}.
  // Stepping forward costs one simulator step; stepping back is served from a small cache of
  // recent states (bounded in bytes) that prefetch() fills, or else replays from a checkpoint.
  std::string view(int k);
  // The state after k steps alone (what view(k) has as "after"): the page asks only for the
  // states it does not hold.
  std::string state_json(int k);
  // What moving has cost: {"replayed": simulator steps run since the load (the recording run
  // not counted), "restores": checkpoints copied, "interval", "checkpoints",
  // "checkpoint_bytes" (estimated), "cached": states held, "cached_bytes"}.
  std::string stats() const;
  // Fills the cache with the states just behind the last viewed step (as many as fit in 1 MiB),
  // so that stepping back is as cheap as stepping forward. The page calls it when idle.
  // Returns how many it added.
  int prefetch();
  // {"records": [...], "rules": [[rule ids applied by step k], ...], "failures": [{step, message}], "error": located error or null, "ran"}.
  std::string trace() const;
  // Where object `object` was after each step, and the steps that moved it (web/journey.h).
  // Replays the scenario once from the start.
  std::string journey(int object);
  // Compares a trace file written by `fdlab record` with the simulator's trace:
  // {"ok", "found", "index", "sim", "other", "scenario", "backend", "kernel", "passed"}.
  std::string divergence(const std::string& trace_file) const;

 private:
  nlohmann::json state() const;
  void restart();
  // Stands at the nearest checkpoint at or before step k (a copy of it: the checkpoint stays).
  void restore(int k);
  void advance();
  // Whether a checkpoint lies between where the simulator stands and step k.
  bool jumps_ahead(int k) const;
  // Keeps a copy of the recording run's simulator at its step; thins the checkpoints (every
  // other one goes, the interval doubles) past kCheckpointBytes.
  void checkpoint(const SimKernel& kernel, const ReplaySession& session, int step);
  // The state after k steps as JSON text, from the cache or the simulator.
  std::string state_at(int k);
  void remember(int k, std::string state);

  std::unique_ptr<Scenario> scenario_;
  std::unique_ptr<SimKernel> kernel_;
  std::unique_ptr<ReplaySession> session_;
  ReplayReport scratch_;  // records of steps replayed while moving; discarded
  std::vector<nlohmann::json> records_;
  // The rules of docs/rules.md each step applied (the sim's marks), by step.
  std::vector<std::vector<std::string>> step_rules_;
  // A usocket-level scenario's kernel state after each step, whole (session_ is null then).
  std::vector<std::string> whole_states_;
  std::vector<StepFailure> failures_;
  nlohmann::json run_error_;  // a harness error that stopped the recording run, or null
  int position_ = 0;
  int viewed_ = 0;
  // Whether the last state asked for was one or two steps behind the one asked before.
  bool stepping_back_ = false;
  std::map<int, std::string> recent_;  // step -> state, near the viewed step
  std::size_t recent_bytes_ = 0;
  struct Checkpoint {
    int step;
    std::unique_ptr<SimKernel> kernel;
    std::unique_ptr<ReplaySession> session;
    std::size_t bytes;  // estimated
  };
  std::vector<Checkpoint> checkpoints_;  // by step; the first at step 0
  std::vector<Checkpoint>::const_iterator nearest_checkpoint(int k) const;
  int interval_ = 0;
  std::size_t checkpoint_bytes_ = 0;
  long long replayed_ = 0;
  long long restores_ = 0;
};

}  // namespace fdlab::web
