#include <gtest/gtest.h>

#include <set>

#include "core/level.h"
#include "core/rules_catalogue.h"
#include "core/rules_reached.h"
#include "core/scenario.h"
#include "core/usocket/usocket_ops.h"
#include "corpus/scenario_files.h"
#include "fuzzing/differential.h"
#include "fuzzing/shrinker.h"
#include "fuzzing/usocket_generator.h"
#include "sim/sim_kernel.h"

namespace fdlab {
namespace {

TEST(UsocketGenerator, SameSeedGivesTheSameScenario) {
  GeneratorOptions opt;
  opt.steps = 30;
  opt.processes = 3;
  EXPECT_EQ(generate_usocket_scenario(42, opt), generate_usocket_scenario(42, opt));
  EXPECT_NE(generate_usocket_scenario(42, opt), generate_usocket_scenario(43, opt));
}

TEST(UsocketGenerator, EveryScenarioParsesAndReplaysOnTheSimWithoutHarnessErrors) {
  int full = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    GeneratorOptions opt;
    opt.processes = 1 + static_cast<int>(seed % 3);
    const auto text = generate_usocket_scenario(seed, opt);
    const Scenario sc = parse_scenario(text, "gen");
    ASSERT_EQ(sc.level, Level::usocket) << seed;
    EXPECT_EQ(sc.processes.size(), static_cast<std::size_t>(opt.processes)) << seed;
    SimKernel sim;
    const ReplayReport r = replay(sc, sim);
    EXPECT_EQ(r.error, "") << seed << "\n" << text;
    EXPECT_EQ(r.trace.size(), sc.usocket->steps.size()) << seed;
    EXPECT_EQ(r.leftovers.leaked, 0) << seed;
    full += sc.usocket->steps.size() == 20u;
  }
  // Only a step the sim finds blocking, or hanging on the collector, ends a scenario early.
  EXPECT_GT(full, 190);
}

TEST(UsocketGenerator, ReachesEveryUsocketOp) {
  std::set<std::string> ops;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    GeneratorOptions opt;
    opt.processes = 2;
    const auto j = nlohmann::json::parse(generate_usocket_scenario(seed, opt));
    for (const auto& s : j["steps"]) ops.insert(s["op"].get<std::string>());
  }
  for (const auto& spec : usocket::usocket_ops()) EXPECT_TRUE(ops.count(spec.name)) << spec.name;
}

// At the default 20 steps, enough generated scenarios replayed on the sim reach every usocket
// rule the model marks (core/rules_reached.h): 'drain' needs the burst that begins a scenario.
TEST(UsocketGenerator, ReachesEveryUsocketRuleAtTheDefaultSteps) {
  const std::string file = std::string(FDLAB_SOURCE_DIR) + "/docs/rules/usocket.json";
  const auto rules = parse_rules_catalogue(read_text_file(file), file);
  ASSERT_GE(rules.size(), 30u);
  RulesReached sink;
  for (std::uint64_t seed = 1; seed <= 600; ++seed) {
    const Scenario sc = parse_scenario(generate_usocket_scenario(seed, GeneratorOptions{}), "gen");
    SimKernel sim;
    sim.set_rules_sink(&sink);
    (void)replay(sc, sim);
  }
  for (const Rule& r : rules) EXPECT_TRUE(sink.has(r.id)) << r.id;
}

TEST(UsocketGenerator, PassesManyFdsBothWaysAndNamesReceivedOnes) {
  int many = 0, received_used = 0, forms = 0, by_accepted = 0, by_clients = 0;
  std::set<std::string> write_forms;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const auto j = nlohmann::json::parse(generate_usocket_scenario(seed, GeneratorOptions{}));
    std::set<std::string> received;
    for (const auto& s : j["steps"]) {
      if (s["op"] == "write" && s.contains("fds") && s["fds"].size() >= 64) ++many;
      if (s["op"] == "write" && s.contains("fds"))
        ++(s["socket"].get<std::string>()[0] == 'k' ? by_accepted : by_clients);
      if (s["op"] == "write" && s.contains("form"))
        write_forms.insert(s["form"].get<std::string>());
      if (s["op"] == "read" && s.contains("as"))
        for (const auto& l : s["as"]) received.insert(l.get<std::string>());
      if (s.contains("fds"))
        for (const auto& f : s["fds"]) received_used += received.count(f.get<std::string>()) > 0;
      if (s.contains("fd")) received_used += received.count(s["fd"].get<std::string>()) > 0;
    }
    forms = static_cast<int>(write_forms.size());
  }
  EXPECT_GT(many, 20);
  EXPECT_GT(by_accepted, 20);  // fds travel both ways: from the server's side too
  EXPECT_GT(by_clients, 20);
  EXPECT_GT(received_used, 20);
  EXPECT_EQ(forms, 4);  // buffer, string, fds, object
}

TEST(UsocketGenerator, ByteChoicesDriveItAndEndWithTheInput) {
  const std::uint8_t bytes[] = {1, 0, 7, 0, 3, 0, 200, 1, 9, 9};
  ByteChoices a(bytes, sizeof bytes), b(bytes, sizeof bytes);
  GeneratorOptions opt;
  opt.steps = 50;
  const auto x = generate_usocket_scenario(a, opt, "fuzz/bytes").scenario;
  const auto y = generate_usocket_scenario(b, opt, "fuzz/bytes").scenario;
  EXPECT_EQ(x, y);
  EXPECT_LT(x["steps"].size(), 50u);
}

// The shrinker knows nothing of levels: a usocket scenario's steps shrink to the few a
// failure needs, and every candidate it keeps still parses.
TEST(UsocketGenerator, ShrinksToTheStepsAFailureNeeds) {
  // "Fails" when some step writes fds: the smallest such scenario makes a file, a socket,
  // and writes.
  const auto fails = [](const nlohmann::json& c) {
    try {
      parse_scenario(c.dump(), "shrink");
    } catch (const std::exception&) {
      return false;
    }
    if (!c.contains("steps")) return false;
    for (const auto& s : c["steps"])
      if (s["op"] == "write" && s.contains("fds")) return true;
    return false;
  };
  nlohmann::json scenario;
  for (std::uint64_t seed = 1; seed < 100 && !fails(scenario); ++seed)
    scenario = nlohmann::json::parse(generate_usocket_scenario(seed, GeneratorOptions{}));
  ASSERT_TRUE(fails(scenario));
  const ShrinkResult r = shrink_scenario(scenario, fails);
  EXPECT_TRUE(fails(r.scenario));
  EXPECT_LE(r.scenario["steps"].size(), 4u) << r.scenario.dump();
}

// A shrunk scenario is saved with each step's `expect` taken from the kernel's record: at the
// usocket level, its result and events. Taken from the sim's own records here, they must hold
// when the scenario replays on the sim.
TEST(UsocketGenerator, ExpectationsFromRecordsHoldOnReplay) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    auto j = nlohmann::json::parse(generate_usocket_scenario(seed, GeneratorOptions{}));
    SimKernel first;
    const ReplayReport r = replay(parse_scenario(j.dump(), "gen"), first);
    ASSERT_EQ(r.trace.size(), j["steps"].size()) << seed;
    for (std::size_t i = 0; i < r.trace.size(); ++i) {
      j["steps"][i]["expect"] = expectation_from_record(r.trace[i]);
      ASSERT_TRUE(j["steps"][i]["expect"].contains("result")) << seed;
    }
    SimKernel again;
    const ReplayReport checked = replay(parse_scenario(j.dump(), "gen"), again);
    EXPECT_TRUE(checked.failures.empty()) << seed << ": " << checked.failures.front().message;
  }
}

}  // namespace
}  // namespace fdlab
