#pragma once
// The usocket backend: the real npm package driven by adapters/usocket/replay.js, one node
// process per scenario. A hang (past the timeout) or a crash of node is that scenario's
// failure on this backend, recorded in the report's `error`, never a failure of fdlab itself.
#include <string>

#include "core/replay.h"
#include "core/scenario.h"

namespace fdlab {

struct UsocketAdapter {
  std::string script;  // adapters/usocket/replay.js
  std::string node = "node";
  int timeout_seconds = 10;
};

// The adapter bundled with this source tree.
UsocketAdapter default_usocket_adapter();

// Runs the scenario file through the adapter and checks the scenario's expectations against
// the package's records.
ReplayReport replay_on_usocket(const Scenario& sc, const std::string& file,
                               const UsocketAdapter& adapter);

}  // namespace fdlab
