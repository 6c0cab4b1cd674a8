#pragma once
// `fdlab report`: replays the usocket-level scenarios on the reference (the model on the sim)
// and on the real package (the usocket backend) in every adapter variant, attributes every
// differing step to a finding of adapters/usocket/findings.json, writes
// docs/usocket-conformance.md and the findings' reproduction scripts, and checks every
// difference against the pinned ones (adapters/usocket/expected-divergences.json), so CI stays
// green while they are listed and turns red when any changes.
#include <string>
#include <vector>

namespace fdlab {

struct ReportOptions {
  std::vector<std::string> paths;  // default: scenarios/usocket
  std::string output;              // default: docs/usocket-conformance.md
  std::string expected;            // default: adapters/usocket/expected-divergences.json
  std::string json;                // the whole run, machine-readable ("" none, "-" stdout)
  int jobs = 2;                    // library runs at once
  bool write = false;              // write the document and the reproduction scripts
  bool update_expected = false;    // rewrite the expectations file from this run
  // Also build the package with each fix of adapters/usocket/patches/ (alone, then all) and
  // record which findings each closes in adapters/usocket/patch-results.json.
  bool patched = false;
};

// 0: the divergences are exactly the expected ones; 1: some changed; 2: a harness error.
int run_report(const ReportOptions& options);

}  // namespace fdlab
