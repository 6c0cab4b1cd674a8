#pragma once
// `fdlab replay`: replays scenario files on one or more backends, prints the results table,
// compares the traces, and writes the JSON report.
#include <string>
#include <vector>

namespace fdlab {

struct ReplayOptions {
  std::vector<std::string> paths;
  std::string backend = "both";
  std::string json_path;  // "" = no JSON report; "-" = standard output
  bool print_trace = false;
  bool quiet = false;  // summary only
  // Each scenario's budget on each backend, in seconds (0: none); running out is its own result.
  double timeout_seconds = 60;
  // Scenario files replayed at once, each set in a forked job (cli/replay_jobs.h); 0: one per
  // CPU. The table and the report are in file order whatever the number.
  int jobs = 0;
};

// Exit status: 0 when every scenario passed on every backend with identical traces; 1 when some
// failed or diverged; 2 when some scenario could not be parsed (the others still run).
int run_replay(const ReplayOptions& options);

}  // namespace fdlab
