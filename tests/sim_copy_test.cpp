// SimKernel::copy and a ReplaySession continued on it (the visualizer's checkpoints): a run
// copied at any step goes on exactly as the run it was copied from, record for record and
// state for state, for every bundled kernel-level scenario.
#include <gtest/gtest.h>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/replay.h"
#include "corpus/scenario_files.h"
#include "corpus_paths.h"
#include "sim/sim_kernel.h"

namespace fdlab {
namespace {

// Runs `session` to its end (or its first harness error); returns its records and final state.
nlohmann::json finish(ReplaySession& session, SimKernel& kernel) {
  ReplayReport report;
  std::string error;
  try {
    while (session.step(report)) {
    }
  } catch (const HarnessError& e) {
    error = e.what();
  }
  return {{"trace", report.trace}, {"error", error}, {"state", kernel.snapshot()}};
}

TEST(SimCopy, ARunCopiedAtAnyStepGoesOnAsTheOriginal) {
  int copies = 0;
  for (const auto& file : collect_scenario_files({testing::scenarios_dir()})) {
    if (file.find("/bad/") != std::string::npos) continue;
    const Scenario sc = parse_scenario(read_text_file(file), file);
    if (sc.level != Level::kernel) continue;
    // Copied at the start, a third of the way and two thirds of the way.
    for (std::size_t at : {std::size_t{0}, sc.steps.size() / 3, 2 * sc.steps.size() / 3}) {
      SimKernel kernel;
      ReplaySession session(sc, kernel);
      ReplayReport ignored;
      bool stopped = false;
      try {
        while (session.next_step() < at && session.step(ignored)) {
        }
      } catch (const HarnessError&) {
        stopped = true;
      }
      if (stopped || session.next_step() != at) continue;
      const std::unique_ptr<SimKernel> copy = kernel.copy();
      ReplaySession continued(session, *copy);
      const nlohmann::json original = finish(session, kernel);
      EXPECT_EQ(finish(continued, *copy), original) << file << " copied after step " << at;
      ++copies;
    }
  }
  EXPECT_GT(copies, 300);
}

TEST(SimCopy, TheCopyIsIndependentOfTheOriginal) {
  const Scenario sc = parse_scenario(R"({"fdlab": 1, "id": "t", "level": "kernel", "title": "t",
    "provenance": ["test"], "processes": ["p"], "steps": [
    {"proc": "p", "op": "socketpair", "type": "stream", "as": ["a", "b"]},
    {"proc": "p", "op": "sendmsg", "sock": "a", "data": "xy", "fds": ["a"]},
    {"proc": "p", "op": "close", "fd": "a"},
    {"proc": "p", "op": "close", "fd": "b"}]})",
                                     "t.json");
  SimKernel kernel;
  ReplaySession session(sc, kernel);
  ReplayReport report;
  session.step(report);
  session.step(report);
  const nlohmann::json before = kernel.snapshot();
  const std::unique_ptr<SimKernel> copy = kernel.copy();
  ReplaySession continued(session, *copy);
  finish(continued, *copy);
  EXPECT_EQ(kernel.snapshot(), before);  // the copy's steps changed nothing here
  EXPECT_NE(copy->snapshot(), before);
}

}  // namespace
}  // namespace fdlab
