#pragma once
// The replay engine: runs a scenario's steps on one Kernel, keeps the labels, records the trace
// and checks each step's expectation.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/scenario.h"

namespace fdlab {

struct StepFailure {
  int step = 0;
  std::string message;
};

struct ReplayReport {
  std::string backend;
  std::vector<nlohmann::json> trace;
  std::vector<StepFailure> failures;  // expectations that did not hold, steps that blocked
  std::string error;                  // a harness error that stopped the run ("" when none)
  int timed_out_at = -1;              // the step the time budget ran out before (-1: it did not)
  Leftovers leftovers;

  bool timed_out() const { return timed_out_at >= 0; }
  bool passed() const {
    return failures.empty() && error.empty() && !timed_out() && leftovers.leaked == 0;
  }
};

// What bounds a run besides its steps. Core has no clock: the caller measures.
struct ReplayLimits {
  // Asked before each step; true stops the run there, reported as timed out.
  std::function<bool()> out_of_time;
};

// One scenario on one kernel, a step at a time (the visualizer steps; replay() runs it through).
class ReplaySession {
 public:
  // Creates the scenario's processes on `kernel`, which must be fresh.
  ReplaySession(const Scenario& sc, Kernel& kernel);

  // `at`'s position and labels, continuing on `kernel`: a copy of at's kernel made at the same
  // step (the visualizer's checkpoints, so that it can stand at any step without replaying from
  // the first).
  ReplaySession(const ReplaySession& at, Kernel& kernel);

  // Runs the next step and appends its record and failures to `report`. Returns false when
  // there is no next step or the run had to stop (an unexpected block). Throws HarnessError.
  bool step(ReplayReport& report);

  std::size_t next_step() const { return next_; }
  // The label of every object created so far, by ObjectId.
  const std::map<ObjectId, std::string>& object_labels() const { return object_labels_; }
  // The fd labels bound in each process.
  const std::vector<std::map<std::string, int>>& fd_labels() const { return fd_labels_; }

 private:
  int resolve(const Step& step, const FdArg& a) const;
  Outcome execute(const Step& s);
  std::vector<std::string> bind_results(const Step& s, const Outcome& o);

  const Scenario& sc_;
  Kernel& k_;
  std::size_t next_ = 0;
  bool stopped_ = false;
  std::vector<ProcId> procs_;
  std::vector<std::map<std::string, int>> fd_labels_;
  std::map<ObjectId, std::string> object_labels_;
};

// One scenario on one kernel, handing out its records one at a time and keeping none: a caller
// that needs each record once (a comparison, a count) replays a long scenario in memory bounded
// by its live state, not its history. Either level (core/level.h starts one); replay() is a run
// whose records are all kept.
class ReplayRun {
 public:
  virtual ~ReplayRun() = default;
  // Runs the next step and moves its record into `record`; its failures go to the report. False
  // when the run is over: every step ran, a step blocked for good, the budget ran out before the
  // next step, or a harness error stopped it (all said in the report).
  virtual bool next(nlohmann::json& record) = 0;
  // Releases what the scenario left (Kernel::finish) and returns the report, its trace empty.
  virtual ReplayReport finish() = 0;
};

// A kernel-level scenario's run on `kernel` (a fresh one per scenario); `sc` and `kernel` must
// outlive it.
std::unique_ptr<ReplayRun> start_kernel_level(const Scenario& sc, Kernel& kernel,
                                              const ReplayLimits& limits = {});

// Runs `run` to its end, keeping every record in the report's trace.
ReplayReport run_to_end(ReplayRun& run);

// Runs every step of a kernel-level scenario on `kernel` (a fresh one per scenario) and calls
// kernel.finish(). core/level.h replays a scenario of either level.
ReplayReport replay_kernel_level(const Scenario& sc, Kernel& kernel,
                                 const ReplayLimits& limits = {});

// A step's arguments as the Call a backend runs: its fds resolved by `fd_of`, give's target
// process given as `to`, a sendmsg's message built in `send` (which the Call points at, as
// it points at the step's bytes). Both levels build their calls here.
Call make_call(const Step& s, const std::function<int(const FdArg&)>& fd_of, ProcId to,
               SendArgs& send);

// Whether the budget ran out before `step`; records it in `report` when it did.
bool budget_spent(const ReplayLimits& limits, int step, ReplayReport& report);

// The end of every replay, whatever the level: releases what the scenario left and reports a
// leak as a failure.
void finish_replay(ReplayReport& report, Kernel& kernel, const std::string& file);

}  // namespace fdlab
