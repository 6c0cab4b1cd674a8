#pragma once
// The usocket backend: the real npm package driven by adapters/usocket/replay.js, one node
// process per scenario. A hang (a step past its time limit) or a crash of node is that
// scenario's failure on this backend, recorded with the step node was in and the end of node's
// stderr, never a failure of fdlab itself. A backend that cannot run at all (node or the
// package missing) is fdlab's error: replay_on_usocket throws, once, saying what to run.
#include <string>
#include <vector>

#include "core/replay.h"
#include "core/scenario.h"

namespace fdlab {

struct UsocketAdapter {
  std::string script;  // adapters/usocket/replay.js
  std::string node = "node";
  std::string variant = "eager";  // replay.js --variant: how listeners are attached
  // Where the package is found (replay.js's FDLAB_USOCKET_NODE_MODULES; "": the bundled one),
  // so a patched copy runs through the same adapter.
  std::string node_modules;
  // Each step must finish within this of the step before it (node's start-up counts toward
  // the first): node reports every step as it finishes, so a long correct scenario is never
  // cut off, and a hang is caught this long after the last step that finished, whatever the
  // scenario's length. The adapter's own wait for quiet (`run`) gives up after 5 s.
  int step_timeout_seconds = 10;
  // The whole scenario's budget (`fdlab replay --timeout`; 0: none). Running out of it is
  // reported as the run's timed_out_at, not as a failure, as on the other backends.
  double budget_seconds = 0;
};

// What a node script run by fdlab did: its stdout, the end of its stderr, how it ended.
struct NodeScriptResult {
  std::string out;
  std::string err_tail;
  bool timed_out = false;  // killed: nothing on stdout for timeout_seconds
  bool exited = false;
  int status = -1;  // exit status when it exited
  int signal = 0;   // the signal that killed it, if one did
};

// Runs `node ARGS... DIR` with the adapter's node and package (node_modules), DIR a private
// directory removed afterwards, under the same watchdog as the adapter's steps.
NodeScriptResult run_node_script(const UsocketAdapter& adapter,
                                 const std::vector<std::string>& args, int timeout_seconds);

// The adapter bundled with this source tree.
UsocketAdapter default_usocket_adapter();

// Runs the scenario file through the adapter, in a private directory under $TMPDIR that is
// removed afterwards whatever node did, and checks the scenario's expectations against the
// package's records. Throws std::runtime_error when the backend cannot run at all.
ReplayReport replay_on_usocket(const Scenario& sc, const std::string& file,
                               const UsocketAdapter& adapter);

}  // namespace fdlab
