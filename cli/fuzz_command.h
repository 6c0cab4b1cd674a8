#pragma once
// `fdlab fuzz`: differential fuzzing. Generated scenarios run on the sim and the real kernel;
// any difference in their traces is a simulator bug (the kernel is right) and is saved as a
// scenario file to replay and fix.
#include <cstdint>
#include <string>

namespace fdlab {

struct FuzzOptions {
  std::uint64_t seed = 1;
  int count = 500;
  int steps = 20;
  int processes = 2;
  std::string save_dir;  // where diverging scenarios are written ("" = not saved)
};

// 0 when every trace agreed, 1 when some diverged.
int run_fuzz(const FuzzOptions& options);

}  // namespace fdlab
