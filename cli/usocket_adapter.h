#pragma once
// The usocket backend: the real npm package driven by adapters/usocket/replay.js, one node
// process per scenario. A hang (a step past its time limit) or a crash of node is that
// scenario's failure on this backend, recorded with the step node was in and the end of node's
// stderr, never a failure of fdlab itself. A backend that cannot run at all (node or the
// package missing) is fdlab's error: replay_on_usocket throws, once, saying what to run.
#include <string>

#include "core/replay.h"
#include "core/scenario.h"

namespace fdlab {

struct UsocketAdapter {
  std::string script;  // adapters/usocket/replay.js
  std::string node = "node";
  // Each step must finish within this of the step before it (node's start-up counts toward
  // the first): node reports every step as it finishes, so a long correct scenario is never
  // cut off, and a hang is caught this long after the last step that finished, whatever the
  // scenario's length. The adapter's own wait for quiet (`run`) gives up after 5 s.
  int step_timeout_seconds = 10;
  // The whole scenario's budget (`fdlab replay --timeout`; 0: none). Running out of it is
  // reported as the run's timed_out_at, not as a failure, as on the other backends.
  double budget_seconds = 0;
};

// The adapter bundled with this source tree.
UsocketAdapter default_usocket_adapter();

// Runs the scenario file through the adapter, in a private directory under $TMPDIR that is
// removed afterwards whatever node did, and checks the scenario's expectations against the
// package's records. Throws std::runtime_error when the backend cannot run at all.
ReplayReport replay_on_usocket(const Scenario& sc, const std::string& file,
                               const UsocketAdapter& adapter);

}  // namespace fdlab
