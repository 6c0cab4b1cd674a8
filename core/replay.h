#pragma once
// The replay engine: runs a scenario's steps on one Kernel, keeps the labels, records the trace
// and checks each step's expectation.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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
  Leftovers leftovers;

  bool passed() const { return failures.empty() && error.empty() && leftovers.leaked == 0; }
};

// Runs every step on `kernel` (a fresh one per scenario) and calls kernel.finish().
ReplayReport replay(const Scenario& sc, Kernel& kernel);

}  // namespace fdlab
