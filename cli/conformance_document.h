#pragma once
// docs/usocket-conformance.md: the findings first (severity, the README sentence each breaks,
// where it shows, its cause in the package's source, its reproduction script, the fix), then
// the README's quick usage as written, then every scenario's differences step by step.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/conformance_run.h"
#include "cli/readme_quick_usage.h"
#include "cli/repro_scripts.h"

namespace fdlab {

// `patches` is adapters/usocket/patch-results.json ({} when never measured). Throws when a
// finding's cause does not quote the installed package's source at the line it names.
std::string conformance_document(const std::vector<ScenarioRun>& runs,
                                 const std::vector<FindingSpec>& findings,
                                 const std::map<std::string, ReproScript>& scripts,
                                 const ReadmeRun& readme, const nlohmann::json& patches);

// One difference in a line of text, for the document and the terminal.
std::string describe(const Delta& d);

}  // namespace fdlab
