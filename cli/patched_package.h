#pragma once
// `fdlab report --patched`: the package rebuilt with each fix of adapters/usocket/patches/
// (adapters/usocket/build-patched.sh), alone and then all together, run through the same
// scenarios and variants, so each patch is credited only with the findings it really closes.
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/conformance_run.h"

namespace fdlab {

// {"patches": [{"patch", "closes": [ids], "introduces": [ids]}],
//  "all": {"closes": [ids], "remaining": [ids], "introduces": [ids], "readme_quick_usage"}}
nlohmann::json measure_patches(const std::vector<ScenarioRun>& baseline,
                               const std::vector<FindingSpec>& findings, int jobs);

}  // namespace fdlab
