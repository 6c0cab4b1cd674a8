#pragma once
// `fdlab fuzz`: differential fuzzing. Generated scenarios (fuzzing/scenario_generator.h) run on
// the sim and the real kernel; any difference in their traces is a simulator bug (the kernel is
// right). A difference is shrunk to a small scenario, measured on the kernel and saved, ready to
// join scenarios/. The run ends with what it reached (fuzzing/coverage.h).
#include <cstdint>
#include <string>

namespace fdlab {

struct FuzzOptions {
  std::uint64_t seed = 1;
  long count = 500;    // scenarios (with minutes: at most this many)
  double minutes = 0;  // > 0: run until this much time has passed
  int jobs = 1;        // forked processes, each with its own kernels (main: one per core)
  int steps = 20;
  int processes = 2;
  std::string weights;               // a JSON file of action weights ("" = the defaults)
  std::string save_dir;              // where diverging scenarios are written ("" = not saved)
  std::string coverage;              // where the coverage JSON is written ("" = not written)
  std::string rules = "docs/rules";  // the catalogue, to name the rules a run never reached
  bool shrink = true;
  bool pin = true;  // with jobs > 1: each job on one core of its own, round robin
  // kernel, usocket, or both: even seeds kernel, odd seeds usocket (a seed alone still names
  // its scenario).
  std::string level = "both";
};

// 0 when every trace agreed, 1 when some diverged or the generator failed, 2 on bad options.
int run_fuzz(const FuzzOptions& options);

}  // namespace fdlab
