#pragma once
// The choice of level, above both: a scenario file is parsed and replayed at the kernel level
// (core/scenario.h, core/replay.h) or at the usocket level (core/usocket/), whose model is built
// on the kernel level. Neither level includes this file, so the kernel level reads and
// compiles without the usocket model.
#include <memory>
#include <string>

#include "core/kernel.h"
#include "core/replay.h"
#include "core/scenario.h"

namespace fdlab {

// A whole scenario file, either level. Throws HarnessError naming the file, step and field.
Scenario parse_scenario(const std::string& text, const std::string& file);

// The same, checked as thoroughly, but a kernel-level scenario whose level and processes come
// before its steps keeps them as its text and reads them again as they are replayed
// (Scenario::lazy_steps): a long scenario's memory is its text, not a Step per step. Its
// `steps` is then empty: for replaying, not for inspecting.
Scenario parse_scenario_lazily(std::string text, const std::string& file);

// Runs every step on `kernel` (a fresh one per scenario) and calls kernel.finish().
ReplayReport replay(const Scenario& sc, Kernel& kernel, const ReplayLimits& limits = {});

// The same run a record at a time, keeping none (core/replay.h); `sc` and `kernel` must
// outlive it.
std::unique_ptr<ReplayRun> start_replay(const Scenario& sc, Kernel& kernel,
                                        const ReplayLimits& limits = {});

}  // namespace fdlab
