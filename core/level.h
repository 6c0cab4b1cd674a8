#pragma once
// The choice of level, above both: a scenario file is parsed and replayed at the kernel level
// (core/scenario.h, core/replay.h) or at the usocket level (core/usocket/), whose model is built
// on the kernel level. Neither level includes this file, so the kernel level reads and
// compiles without the usocket model.
#include <string>

#include "core/kernel.h"
#include "core/replay.h"
#include "core/scenario.h"

namespace fdlab {

// A whole scenario file, either level. Throws HarnessError naming the file, step and field.
Scenario parse_scenario(const std::string& text, const std::string& file);

// Runs every step on `kernel` (a fresh one per scenario) and calls kernel.finish().
ReplayReport replay(const Scenario& sc, Kernel& kernel, const ReplayLimits& limits = {});

}  // namespace fdlab
