#pragma once
// `fdlab report`: replays the usocket-level scenarios on the reference (the model on the sim)
// and on the real package (the usocket backend), writes docs/usocket-conformance.md, and
// checks the divergences against the expected ones (adapters/usocket/expected-divergences.json)
// so CI stays green while they are listed and turns red when one changes.
#include <string>
#include <vector>

namespace fdlab {

struct ReportOptions {
  std::vector<std::string> paths;  // default: scenarios/usocket
  std::string output;              // default: docs/usocket-conformance.md
  std::string expected;            // default: adapters/usocket/expected-divergences.json
  bool write = false;              // write the document
  bool update_expected = false;    // rewrite the expectations file from this run
};

// 0: the divergences are exactly the expected ones; 1: some changed; 2: a harness error.
int run_report(const ReportOptions& options);

}  // namespace fdlab
