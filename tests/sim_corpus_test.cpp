// The bundled corpus on the simulator: every scenario passes, the malformed ones are refused
// with a located error, and the ones that must fail do fail. Runs in the native and wasm builds.
#include <gtest/gtest.h>

#include "core/harness_error.h"
#include "core/replay.h"
#include "corpus/scenario_files.h"
#include "sim/sim_kernel.h"
#include "tests/corpus_paths.h"

namespace fdlab {
namespace {

TEST(SimCorpus, EveryBundledScenarioPasses) {
  const auto files = collect_scenario_files({testing::scenarios_dir()});
  ASSERT_GE(files.size(), 30u);
  for (const auto& file : files) {
    const Scenario sc = parse_scenario(read_text_file(file), file);
    SimKernel kernel;
    const ReplayReport report = replay(sc, kernel);
    EXPECT_EQ(report.error, "") << file;
    for (const auto& f : report.failures)
      ADD_FAILURE() << file << ": step " << f.step << ": " << f.message;
  }
}

TEST(SimCorpus, MalformedScenariosAreRefusedWithTheirLocation) {
  const auto files = collect_scenario_files({testing::scenarios_dir() + "/bad"});
  ASSERT_GE(files.size(), 4u);
  for (const auto& file : files) {
    try {
      parse_scenario(read_text_file(file), file);
      ADD_FAILURE() << file << " was accepted";
    } catch (const HarnessError& e) {
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
}

TEST(SimCorpus, ScenariosThatMustFailDoFail) {
  const auto files = collect_scenario_files({testing::scenarios_dir() + "/expected-fail"});
  ASSERT_GE(files.size(), 1u);
  for (const auto& file : files) {
    const Scenario sc = parse_scenario(read_text_file(file), file);
    SimKernel kernel;
    EXPECT_FALSE(replay(sc, kernel).passed()) << file;
  }
}

}  // namespace
}  // namespace fdlab
