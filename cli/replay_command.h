#pragma once
// `fdlab replay`: replays scenario files on one or more backends, prints the results table,
// compares the traces, and writes the JSON report.
#include <string>
#include <vector>

namespace fdlab {

struct ReplayOptions {
  std::vector<std::string> paths;
  std::string backend = "both";
  std::string json_path;   // "" = no JSON report; "-" = standard output
  std::string junit_path;  // JUnit XML, the same way
  std::string tap_path;    // TAP, the same way
  // Known deviations (docs/expectations.md): expected FAILs and SKIPs per backend and kernel.
  std::vector<std::string> expectations;
  std::string label;  // the run's name in a results matrix (fdlab merge); "" makes one
  bool print_trace = false;
  bool quiet = false;  // summary only
  // Each scenario's budget on each backend, in seconds (0: none); running out is its own result.
  double timeout_seconds = 60;
  // Scenario files replayed at once, each set in a forked job (cli/replay_jobs.h); 0: one per
  // CPU. The table and the report are in file order whatever the number.
  int jobs = 0;
  // The runner backend's command (cli/runner_kernel.h); "" for $FDLAB_RUNNER or the built one.
  std::string runner_command;
};

// Exit status: 0 when every scenario passed on every backend with identical traces, or failed
// as an expectation said; 1 when some failed or diverged unexpectedly, or passed where an
// expectation said FAIL; 2 when some scenario could not be parsed (the others still run).
int run_replay(const ReplayOptions& options);

}  // namespace fdlab
