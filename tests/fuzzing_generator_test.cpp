#include <gtest/gtest.h>

#include <set>

#include "core/level.h"
#include "core/scenario.h"
#include "fuzzing/scenario_generator.h"
#include "sim/sim_kernel.h"

namespace fdlab {
namespace {

TEST(ScenarioGenerator, SameSeedGivesTheSameScenario) {
  GeneratorOptions opt;
  opt.steps = 30;
  opt.processes = 3;
  EXPECT_EQ(generate_scenario(42, opt), generate_scenario(42, opt));
  EXPECT_NE(generate_scenario(42, opt), generate_scenario(43, opt));
}

TEST(ScenarioGenerator, EveryGeneratedScenarioParsesAndMostReachTheRequestedLength) {
  int full = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    GeneratorOptions opt;
    opt.processes = 1 + static_cast<int>(seed % 4);
    const Scenario sc = parse_scenario(generate_scenario(seed, opt), "gen");
    EXPECT_LE(sc.steps.size(), 20u) << seed;
    EXPECT_EQ(sc.processes.size(), static_cast<std::size_t>(opt.processes)) << seed;
    full += sc.steps.size() == 20u;
  }
  // Only a step whose result hangs on the collector's timing ends a scenario early.
  EXPECT_GT(full, 180);
}

TEST(ScenarioGenerator, ReachesEveryOpAndEverySocketType) {
  std::set<std::string> ops, types;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    const auto j = nlohmann::json::parse(generate_scenario(seed, GeneratorOptions{}));
    for (const auto& s : j["steps"]) {
      ops.insert(s["op"].get<std::string>());
      if (s.contains("type")) types.insert(s["type"].get<std::string>());
    }
  }
  for (const auto& spec : kernel_ops()) EXPECT_TRUE(ops.count(spec.name)) << spec.name;
  EXPECT_EQ(types, (std::set<std::string>{"dgram", "seqpacket", "stream"}));
}

TEST(ScenarioGenerator, PassesSocketsAndNamesReceivedFds) {
  int sockets_sent = 0, received_used = 0;
  // 600 seeds: a received fd named again is a few per hundred scenarios, so 300 left the count
  // at the threshold whenever the action mix moved.
  for (std::uint64_t seed = 1; seed <= 600; ++seed) {
    const auto j = nlohmann::json::parse(generate_scenario(seed, GeneratorOptions{}));
    std::set<std::string> sockets, received;
    for (const auto& s : j["steps"]) {
      if (s["op"] == "socketpair")
        for (const auto& l : s["as"]) sockets.insert(l.get<std::string>());
      if (s["op"] == "sendmsg" && s.contains("fds"))
        for (const auto& f : s["fds"]) sockets_sent += f.is_string() && sockets.count(f);
      if (s["op"] == "recvmsg" && s.contains("as"))
        for (const auto& l : s["as"]) received.insert(l.get<std::string>());
      for (const char* k : {"fd", "sock"})
        if (s.contains(k) && s[k].is_string()) received_used += received.count(s[k]) > 0;
    }
  }
  EXPECT_GT(sockets_sent, 100);
  EXPECT_GT(received_used, 25);  // 42 when written
}

TEST(ScenarioGenerator, ByteChoicesDriveTheGeneratorAndEndWithTheInput) {
  const std::uint8_t bytes[] = {1, 0, 7, 0, 3, 0, 200, 1, 9, 9};
  ByteChoices a(bytes, sizeof bytes), b(bytes, sizeof bytes);
  GeneratorOptions opt;
  opt.steps = 50;
  const auto x = generate_scenario(a, opt, "fuzz/bytes").scenario;
  const auto y = generate_scenario(b, opt, "fuzz/bytes").scenario;
  EXPECT_EQ(x, y);
  EXPECT_LT(x["steps"].size(), 50u);  // 10 bytes are a few choices, not 50 steps
}

}  // namespace
}  // namespace fdlab

namespace fdlab {
namespace {

// The one case the native harness cannot reproduce (its processes share a pid): the sim names
// it so that the generator can keep away from it.
TEST(ScenarioGenerator, SimNamesAStreamReadWhoseGlueDependsOnWhichProcessSent) {
  sim::SimKernel k;
  const ProcId p = k.add_process(), q = k.add_process();
  const Outcome pair = k.socketpair(p, SockType::stream, true, false);
  const int a = pair.fds[0].fd, b = pair.fds[1].fd;
  ASSERT_EQ(k.setsockopt(p, b, SockOpt::passcred, 1).ret, 0);
  SendArgs x;
  x.data = "x";
  ASSERT_EQ(k.sendmsg(p, a, x).ret, 1);
  ASSERT_EQ(k.sendmsg(p, a, x).ret, 1);
  EXPECT_FALSE(k.glue_depends_on_pid(p, b));  // one writer
  const Outcome g = k.give(p, a, q);
  ASSERT_EQ(k.sendmsg(q, static_cast<int>(g.ret), x).ret, 1);
  EXPECT_TRUE(k.glue_depends_on_pid(p, b));   // p's segment next to q's
  EXPECT_FALSE(k.glue_depends_on_pid(p, a));  // nothing queued there
  ASSERT_EQ(k.setsockopt(p, b, SockOpt::passcred, 0).ret, 0);
  EXPECT_FALSE(k.glue_depends_on_pid(p, b));  // without SO_PASSCRED all is glued anyway
}

}  // namespace
}  // namespace fdlab
