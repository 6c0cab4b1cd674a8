// A scenario parsed lazily (its steps read again from its text as they are replayed) replays
// exactly as one parsed whole, and is refused with the same error when it is bad.
#include <gtest/gtest.h>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/replay.h"
#include "core/step_source.h"
#include "corpus/scenario_files.h"
#include "sim/sim_kernel.h"
#include "tests/corpus_paths.h"

namespace fdlab {
namespace {

std::string error_of(const std::function<void()>& parse) {
  try {
    parse();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(LazySteps, EveryBundledScenarioReplaysAsWhenParsedWhole) {
  const auto files = collect_scenario_files({testing::scenarios_dir()});
  ASSERT_GE(files.size(), 30u);
  int lazy = 0;
  for (const auto& file : files) {
    const std::string text = read_text_file(file);
    const Scenario whole = parse_scenario(text, file);
    const Scenario read = parse_scenario_lazily(text, file);
    lazy += read.lazy_steps != nullptr;
    SimKernel k1, k2;
    const ReplayReport a = replay(whole, k1);
    const ReplayReport b = replay(read, k2);
    EXPECT_EQ(a.trace, b.trace) << file;
    EXPECT_EQ(a.failures.size(), b.failures.size()) << file;
    EXPECT_EQ(a.error, b.error) << file;
  }
  EXPECT_GT(lazy, 300) << "the kernel-level scenarios (header first) are read lazily";
}

TEST(LazySteps, BadScenariosAreRefusedWithTheSameError) {
  const auto files = collect_scenario_files({testing::scenarios_dir() + "/bad"});
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    const std::string text = read_text_file(file);
    const auto whole = error_of([&] { parse_scenario(text, file); });
    EXPECT_NE(whole, "") << file;
    EXPECT_EQ(error_of([&] { parse_scenario_lazily(text, file); }), whole) << file;
  }
}

constexpr const char* kBadStep = R"({"proc": "p", "op": "close", "fd": "nope"})";

std::string scenario(const std::string& steps, const std::string& after = "") {
  return R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": "test",
             "processes": ["p"], "steps": [)" +
         steps + "]" + after + "}";
}

TEST(LazySteps, AHeaderErrorAfterTheStepsComesBeforeAStepError) {
  // As when the steps were parsed after the document: the header is checked first.
  const auto text = scenario(kBadStep, R"(, "tags": 5)");
  for (bool lazy : {false, true}) {
    const auto e = error_of([&] {
      lazy ? (void)parse_scenario_lazily(text, "t.json") : (void)parse_scenario(text, "t.json");
    });
    EXPECT_NE(e.find("'tags'"), std::string::npos) << e;
  }
}

TEST(LazySteps, InvalidJsonAfterAStepErrorComesFirst) {
  const auto text = scenario(kBadStep, R"(, "tags": [})");
  const auto e = error_of([&] { parse_scenario_lazily(text, "t.json"); });
  EXPECT_NE(e.find("invalid JSON"), std::string::npos) << e;
}

TEST(LazySteps, OnlyTheFirstBadStepIsNamed) {
  const auto text = scenario(std::string(kBadStep) + ", " + kBadStep);
  const auto e = error_of([&] { parse_scenario_lazily(text, "t.json"); });
  EXPECT_NE(e.find("t.json: step 0: field 'fd'"), std::string::npos) << e;
}

TEST(LazySteps, StepsAreFoundUnderAnEscapedKeyAndAfterNestedMembers) {
  const std::string text =
      R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": ["a]\"}"],
          "processes": ["p"], "comment": {"steps": [1, {"x": "]"}]},
          "st\u0065ps": [{"proc": "p", "op": "pipe", "as": ["r", "w"]},
                         {"proc": "p", "op": "write", "fd": "w", "data": "]}\"["},
                         {"proc": "p", "op": "close", "fd": "r"},
                         {"proc": "p", "op": "close", "fd": "w"}]})";
  const Scenario sc = parse_scenario_lazily(text, "t.json");
  ASSERT_NE(sc.lazy_steps, nullptr);
  ASSERT_EQ(sc.step_count(), 4u);
  EXPECT_EQ(sc.step(1).data, "]}\"[");
  EXPECT_EQ(sc.step(3).fd.label, "w");
  EXPECT_EQ(sc.step(0).as.size(), 2u);  // going back reads again from the first
  SimKernel k;
  const ReplayReport r = replay(sc, k);
  EXPECT_TRUE(r.passed()) << r.error;
  EXPECT_EQ(r.trace.size(), 4u);
}

TEST(LazySteps, StepsAfterTheHeaderOnlyAreReadWhole) {
  const std::string text = R"({"steps": [{"proc": "p", "op": "pipe"}], "fdlab": 1, "id": "t",
                               "level": "kernel", "provenance": "x", "processes": ["p"]})";
  const Scenario sc = parse_scenario_lazily(text, "t.json");
  EXPECT_EQ(sc.lazy_steps, nullptr);
  EXPECT_EQ(sc.steps.size(), 1u);
}

}  // namespace
}  // namespace fdlab
