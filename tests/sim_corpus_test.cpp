// The bundled corpus on the simulator: every scenario passes, the malformed ones are refused
// with a located error, and the ones that must fail do fail. Runs in the native and wasm builds.
#include <gtest/gtest.h>

#include "core/harness_error.h"
#include "core/level.h"
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

TEST(SimCorpus, MalformedScenariosAreRefusedForTheirOwnReasonWithTheirLocation) {
  const auto expected = nlohmann::json::parse(read_text_file(
      std::string(FDLAB_SOURCE_DIR) + "/tests/data/bad-scenario-errors.json"))["errors"];
  const auto files = collect_scenario_files({testing::scenarios_dir() + "/bad"});
  ASSERT_EQ(files.size(), expected.size())
      << "tests/data/bad-scenario-errors.json lists each bad file";
  for (const auto& file : files) {
    const auto name = file.substr(file.rfind('/') + 1);
    ASSERT_TRUE(expected.contains(name))
        << name << " is not in tests/data/bad-scenario-errors.json";
    try {
      parse_scenario(read_text_file(file), file);
      ADD_FAILURE() << file << " was accepted";
    } catch (const HarnessError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(file, 0), 0u) << what;
      EXPECT_NE(what.find(expected[name].get<std::string>()), std::string::npos)
          << file << ": expected an error containing \"" << expected[name].get<std::string>()
          << "\", got: " << what;
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
