#pragma once
// `fdlab diff-runs A B`: two runs of the same programs, each written as a scenario (a native run
// by `fdlab capture`, a run on the model by posix/host.js), compared call by call within each
// process. Processes are matched in order of appearance and by name; across processes the
// order may differ (two schedules interleave calls differently) without it being a difference.
// What is compared is what a program sees: each call's op and its answer (errno, blocking and
// SIGPIPE always; return value, bytes, how many fds and msg_flags where both runs wrote them); never labels, which the two writers
// choose, nor control-buffer sizes, which differ between cmsghdr layouts (docs/programs.md).
#include <nlohmann/json.hpp>
#include <string>

namespace fdlab {

struct RunDiff {
  bool same = true;
  std::string process;        // where the first difference is: the process (A's name)
  int call = -1;              // and its call, counted from 0 within the process
  nlohmann::json a, b;        // the two steps there (null: that run has no such call)
  std::string what;           // in words
  int calls_compared = 0;
};

RunDiff diff_runs(const nlohmann::json& a, const nlohmann::json& b);

struct DiffRunsOptions {
  std::string a, b;
};

// 0 when the runs agree, 1 at a difference (printed with both steps), 2 on unreadable input.
int run_diff_runs(const DiffRunsOptions& options);

}  // namespace fdlab
