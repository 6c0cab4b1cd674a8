#pragma once
// One scenario on the sim and on the real kernel, and the verdict: the traces agree, they
// differ (a simulator bug: the kernel is right), or both stopped on the same harness error.
#include <nlohmann/json.hpp>
#include <string>

#include "core/kernel.h"
#include "core/replay.h"
#include "core/scenario.h"

namespace fdlab {

enum class Verdict { agree, diverged };

struct DifferentialRun {
  Verdict verdict = Verdict::agree;
  std::string difference;  // for people: where and how the traces differ ("" when they agree)
  ReplayReport sim;
  ReplayReport native;
};

// `sim` and `native` must be fresh, or finished (finish() leaves a kernel ready for the next).
DifferentialRun run_differential(const Scenario& sc, Kernel& sim, Kernel& native);

// A harness error's kind: its reason without the file, step, labels and numbers, so errors of
// one cause count together ("label '…' was never bound to an fd in process '…' …").
std::string harness_error_kind(const std::string& error, const std::string& file);

// A step's `expect` as the record shows it (a trace record's keys that are expectation keys;
// long data by its size; at the usocket level its result and events), for a shrunk scenario
// measured on the kernel.
nlohmann::json expectation_from_record(const nlohmann::json& record);

}  // namespace fdlab
