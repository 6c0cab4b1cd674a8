// The bundled corpus on the real kernel and the simulator: both pass, their traces are identical,
// and nothing (fd, thread) is left behind by the native backend.
#include <dirent.h>
#include <gtest/gtest.h>

#include "core/level.h"
#include "core/replay.h"
#include "core/trace.h"
#include "corpus/scenario_files.h"
#include "native/posix_kernel.h"
#include "sim/sim_kernel.h"
#include "tests/corpus_paths.h"

namespace fdlab {
namespace {

int count_entries(const char* dir) {
  int n = 0;
  if (DIR* d = opendir(dir)) {
    while (readdir(d)) ++n;
    closedir(d);
  }
  return n;
}

TEST(NativeCorpus, EveryScenarioPassesOnBothBackendsWithIdenticalTraces) {
  const auto files = collect_scenario_files({testing::scenarios_dir()});
  ASSERT_GE(files.size(), 30u);
  const int fds_before = count_entries("/proc/self/fd");
  const int threads_before = count_entries("/proc/self/task");
  for (const auto& file : files) {
    const Scenario sc = parse_scenario(read_text_file(file), file);
    SimKernel sim;
    const ReplayReport s = replay(sc, sim);
    ReplayReport n;
    {
      PosixKernel native;
      n = replay(sc, native);
    }
    EXPECT_TRUE(n.passed()) << file << ": " << n.error
                            << (n.failures.empty() ? ""
                                                   : " step " + std::to_string(n.failures[0].step) +
                                                         ": " + n.failures[0].message);
    EXPECT_TRUE(s.passed()) << file;
    const auto d = first_divergence(s.trace, n.trace);
    EXPECT_FALSE(d.found) << file << ": record " << d.index << "\n  sim:    " << d.left.dump()
                          << "\n  native: " << d.right.dump();
  }
  EXPECT_EQ(count_entries("/proc/self/fd"), fds_before) << "fds leaked";
  EXPECT_EQ(count_entries("/proc/self/task"), threads_before) << "threads leaked";
}

}  // namespace
}  // namespace fdlab
