#include <gtest/gtest.h>

#include "fuzzing/shrinker.h"

namespace fdlab {
namespace {

using nlohmann::json;

json scenario_of(const json& steps) { return {{"id", "fuzz/1"}, {"steps", steps}}; }

// A failure that needs two steps and one argument of each: the shrinker must keep exactly those.
bool needs_send_and_recv(const json& sc) {
  bool sent = false;
  for (const auto& s : sc["steps"]) {
    if (s["op"] == "sendmsg" && s.contains("data") && s["data"].get<std::string>().size() >= 3)
      sent = true;
    if (sent && s["op"] == "recvmsg" && s.contains("flags")) return true;
  }
  return false;
}

TEST(Shrinker, KeepsOnlyTheStepsArgumentsAndBytesTheFailureNeeds) {
  json steps = json::array();
  for (int i = 0; i < 12; ++i)
    steps.push_back({{"proc", "a"}, {"op", "write"}, {"fd", "x"}, {"data", "noise"}});
  steps[4] = {{"proc", "a"},
              {"op", "sendmsg"},
              {"sock", "x"},
              {"data", "0123456789abcdef"},
              {"fds", {"f", "g"}}};
  steps[9] = {{"proc", "b"},
              {"op", "recvmsg"},
              {"sock", "y"},
              {"len", 64},
              {"flags", {"MSG_PEEK", "MSG_TRUNC"}}};
  const json original = scenario_of(steps);
  ASSERT_TRUE(needs_send_and_recv(original));

  const ShrinkResult r = shrink_scenario(original, needs_send_and_recv);
  ASSERT_TRUE(needs_send_and_recv(r.scenario));
  const json expected = json::array({{{"proc", "a"}, {"op", "sendmsg"}, {"data", "0123"}},
                                     {{"proc", "b"}, {"op", "recvmsg"}, {"flags", json::array()}}});
  EXPECT_EQ(r.scenario["steps"], expected) << r.scenario.dump();
  EXPECT_EQ(r.scenario["id"], "fuzz/1");
  EXPECT_GT(r.tries, 0);
}

TEST(Shrinker, HalvesSizesDownToTheLeastThatStillFails) {
  const json original = scenario_of(
      json::array({{{"proc", "a"}, {"op", "recvmsg"}, {"len", 1000}, {"fd_space", 253}}}));
  const auto fails = [](const json& sc) {
    const auto& s = sc["steps"][0];
    return s.value("len", 0) >= 100 && s.value("fd_space", 0) >= 10;
  };
  const json shrunk = shrink_scenario(original, fails).scenario;
  // Halving stops at the last value that fails: 1000 → 500 → 250 → 125 (62 passes).
  EXPECT_EQ(shrunk["steps"][0]["len"], 125);
  EXPECT_EQ(shrunk["steps"][0]["fd_space"], 15);
}

TEST(Shrinker, StopsAtTheTryLimitWithAFailingScenario) {
  json steps = json::array();
  for (int i = 0; i < 64; ++i) steps.push_back({{"proc", "a"}, {"op", "close"}, {"fd", i}});
  const json original = scenario_of(steps);
  int calls = 0;
  const auto fails = [&calls](const json& sc) {
    ++calls;
    return sc["steps"].size() >= 2;  // everything fails down to two steps
  };
  const ShrinkResult r = shrink_scenario(original, fails, 5);
  EXPECT_EQ(r.tries, 5);
  EXPECT_EQ(calls, 5);
  EXPECT_GE(r.scenario["steps"].size(), 2u);
  EXPECT_LT(r.scenario["steps"].size(), 64u);
}

TEST(Shrinker, AScenarioThatNeverFailsAgainComesBackUnchanged) {
  const json original = scenario_of(json::array(
      {{{"proc", "a"}, {"op", "close"}, {"fd", 3}}, {{"proc", "a"}, {"op", "close"}, {"fd", 4}}}));
  EXPECT_EQ(shrink_scenario(original, [](const json&) { return false; }).scenario, original);
}

}  // namespace
}  // namespace fdlab
