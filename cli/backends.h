#pragma once
// The backends the CLI can replay on, by name.
#include <memory>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "core/scenario.h"

namespace fdlab {

std::unique_ptr<Kernel> make_kernel(const std::string& backend);

// "sim" -> {"sim"}, "both" -> {"sim", "native"}, "sim,runner" -> {"sim", "runner"}; throws
// std::invalid_argument otherwise.
std::vector<std::string> expand_backends(const std::string& choice);

// The running kernel's release ("6.18.44-..."), for reports and min_kernel.
std::string host_kernel_release();

// Whether kernel release `release` ("6.1.0-18-amd64") comes before `version` ("6.2"): their
// leading numbers compared in order.
bool kernel_older_than(const std::string& release, const std::string& version);

// Why this backend must skip the scenario ("" when it can run it).
std::string skip_reason(const Scenario& sc, const std::string& backend);

}  // namespace fdlab
