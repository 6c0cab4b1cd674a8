#pragma once
// Replays a usocket-level scenario on one Kernel through the reference model (UServer,
// USocket, EventLoop) and records one trace record per step: {"step", "proc", "op", "result",
// "events"}. Received fds appear only by their object's label (docs/scenario-format.md).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/replay.h"
#include "core/scenario.h"
#include "core/usocket/named_sockets.h"

namespace fdlab::usocket {

struct UStep;  // core/usocket/usocket_scenario.h

// One scenario on one kernel, a step at a time: replay_script runs it through; the fuzzer's
// usocket generator runs each step as it writes it (ScriptReader) and learns from the record.
class ScriptSession {
 public:
  // Creates the scenario's processes on `kernel`, which must be fresh.
  ScriptSession(const Scenario& sc, Kernel& kernel, NamedSockets& named);
  ~ScriptSession();
  ScriptSession(const ScriptSession&) = delete;
  ScriptSession& operator=(const ScriptSession&) = delete;

  // Runs one step; returns its record. Sets `stop` when the run cannot go on (a step blocked).
  // Throws HarnessError.
  nlohmann::json step(const UStep& s, bool& stop);
  // Whether fd label `label` is bound in scenario process `proc` (a read's `as` binds only as
  // many labels as fds came back).
  bool fd_bound(std::size_t proc, const std::string& label) const;
  // Whether the object `label` was made (a run's `as` names only the connections that came).
  bool object_made(const std::string& label) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// A usocket-level scenario's run (core/replay.h), which owns `named`; `sc` and `kernel` must
// outlive it.
std::unique_ptr<ReplayRun> start_script(const Scenario& sc, Kernel& kernel,
                                        std::unique_ptr<NamedSockets> named,
                                        const ReplayLimits& limits = {});

// `named` supplies socket/bind/listen/connect/accept (core/usocket/kernel_named_sockets.h).
ReplayReport replay_script(const Scenario& sc, Kernel& kernel, NamedSockets& named,
                           const ReplayLimits& limits = {});

// One line per key of `expect` ({"result", "events"}) that the record does not satisfy.
std::vector<std::string> match_usocket_expectation(const nlohmann::json& expect,
                                                   const nlohmann::json& record);

// {"data": "..."} / {"data_hex"} / {"data_len", "data_fnv1a"}, as kernel-level traces show bytes.
void put_bytes(nlohmann::json& into, const std::string& bytes);

}  // namespace fdlab::usocket
