#pragma once
// One conformance run of a library against the reference: every usocket-level scenario on the
// reference model (sim) and on the library through its adapter, in every variant that applies,
// each step compared and each difference attributed to a finding of the catalogue.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/usocket_adapter.h"
#include "core/divergence.h"

namespace fdlab {

struct VariantRun {
  std::string variant;
  std::vector<nlohmann::json> trace;  // the library's records
  std::string stopped;                // why its run ended early; "" when it ran to the end
  std::vector<Delta> deltas;
  std::vector<std::string> causes;  // the finding of each delta, or "unexplained"
};

struct ScenarioRun {
  std::string file;
  std::string id;
  std::string title;
  nlohmann::json steps;                   // as written
  std::vector<nlohmann::json> reference;  // the reference's records
  std::vector<VariantRun> variants;
};

// The adapter's variants (adapters/usocket/replay.js, VARIANTS) that can change what a
// scenario does: listener timing matters only for a socket not connected at construction.
std::vector<std::string> variants_for(const nlohmann::json& steps);

// Runs the scenario files, `jobs` at a time (the library's runs are separate node processes).
std::vector<ScenarioRun> run_conformance(const std::vector<std::string>& files,
                                         const UsocketAdapter& adapter,
                                         const std::vector<FindingSpec>& findings, int jobs);

// What the guard pins of a run: per variant, the findings that explain each differing step
// ({"variant": {"step": [ids, sorted, each once]}}); a run that agrees pins nothing.
nlohmann::json pin(const ScenarioRun& r);

}  // namespace fdlab
