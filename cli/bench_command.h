#pragma once
// `fdlab bench`: how cost grows (docs/performance.md). Replays generated scenarios of growing
// size (steps, fds per message, payload bytes) on each backend, each measurement in its own
// `fdlab replay` process, and writes the time and peak memory of each as JSON.
#include <string>

namespace fdlab {

struct BenchOptions {
  std::string backend = "both";  // sim, native or both
  std::string series = "all";    // steps, fds, bytes or all
  bool quick = false;            // small sizes only (a test's run)
  std::string output = "-";      // "-" = standard output
  std::string replayer;          // the fdlab whose replay is measured ("": this one), e.g. an
                                 // older build, for numbers before a change
};

// 0 when every measured replay passed; 1 when one failed (its measurement says how); 2 when
// the bench itself could not run.
int run_bench(const BenchOptions& options);

}  // namespace fdlab
