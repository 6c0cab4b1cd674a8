#include <gtest/gtest.h>

#include "core/level.h"
#include "core/scenario.h"
#include "core/scenario_generator.h"

namespace fdlab {
namespace {

TEST(ScenarioGenerator, SameSeedGivesTheSameScenario) {
  const GeneratorOptions opt{30, 3};
  EXPECT_EQ(generate_scenario(42, opt), generate_scenario(42, opt));
  EXPECT_NE(generate_scenario(42, opt), generate_scenario(43, opt));
}

TEST(ScenarioGenerator, EveryGeneratedScenarioParsesWithTheRequestedLength) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    const GeneratorOptions opt{20, 1 + static_cast<int>(seed % 4)};
    const Scenario sc = parse_scenario(generate_scenario(seed, opt), "gen");
    EXPECT_EQ(sc.steps.size(), 20u) << seed;
    EXPECT_EQ(sc.processes.size(), static_cast<std::size_t>(opt.processes)) << seed;
  }
}

TEST(ScenarioGenerator, NeverPassesSockets) {
  // Cycles of sockets in flight are collected asynchronously by Linux; see the generator.
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    const Scenario sc = parse_scenario(generate_scenario(seed, {40, 2}), "gen");
    for (const Step& s : sc.steps)
      for (const FdArg& a : s.fds) EXPECT_NE(a.label[0], 's') << seed;
  }
}

}  // namespace
}  // namespace fdlab
