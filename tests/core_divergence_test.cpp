// core/divergence: a library's trace compared with the reference's at every step, and each
// difference attributed to a finding of a catalogue.
#include <gtest/gtest.h>

#include "core/divergence.h"

namespace fdlab {
namespace {

using nlohmann::json;

const json kSteps = json::parse(R"([
  {"proc": "p", "op": "sys.socketpair", "as": ["a", "b"]},
  {"proc": "p", "op": "usocket", "as": "w", "fd": "a", "callback": true},
  {"proc": "p", "op": "run", "expect": {"events": []}},
  {"proc": "p", "op": "write", "socket": "w", "data": "x"},
  {"proc": "p", "op": "run"}
])");

std::vector<json> trace(std::initializer_list<const char*> records) {
  std::vector<json> out;
  for (const char* r : records) out.push_back(json::parse(r));
  return out;
}

TEST(Divergence, KeepsComparingAfterTheFirstDifference) {
  const auto ref = trace({R"({"step": 0, "op": "sys.socketpair", "result": null})",
                          R"({"step": 1, "op": "usocket", "result": null})",
                          R"({"step": 2, "op": "run", "result": null, "events": [
                               {"on": "w", "event": "connected"},
                               {"on": "w", "event": "callback", "step": 1}]})",
                          R"({"step": 3, "op": "write", "result": true})",
                          R"({"step": 4, "op": "run", "result": null, "events": [
                               {"on": "w", "event": "error", "code": "ECONNRESET"}]})"});
  const auto lib = trace({R"({"step": 0, "op": "sys.socketpair", "result": null})",
                          R"({"step": 1, "op": "usocket", "result": null})",
                          R"({"step": 2, "op": "run", "result": null})",
                          R"({"step": 3, "op": "write", "result": null})",
                          R"({"step": 4, "op": "run", "result": null, "events": [
                               {"on": "w", "event": "error", "code": "EBADF"},
                               {"on": "w", "event": "close"}]})"});
  const auto d = diff_traces(kSteps, ref, lib, "");
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].step, 2);
  EXPECT_EQ(d[0].what["delta"], "missing_event");
  EXPECT_EQ(d[0].what["event"]["event"], "connected");
  // The event's object came from step 1, as written, without its expectation.
  EXPECT_EQ(d[0].what["origin"]["fd"], "a");
  EXPECT_EQ(d[1].what["event"]["event"], "callback");
  EXPECT_EQ(d[1].what["registered_by"]["op"], "usocket");
  EXPECT_FALSE(d[1].what["step"].contains("expect"));
  EXPECT_EQ(d[2].what["delta"], "result");
  EXPECT_EQ(d[2].what["ref"], true);
  EXPECT_TRUE(d[2].what["pkg"].is_null());
  // What the library reported on the write's socket afterwards.
  EXPECT_EQ(d[2].what["pkg_error_after"]["code"], "EBADF");
  // Another code for the same object's error is one difference, not two.
  EXPECT_EQ(d[3].what["delta"], "event_differs");
  EXPECT_EQ(d[3].what["pkg_event"]["code"], "EBADF");
  EXPECT_EQ(d[4].what["delta"], "extra_event");
  EXPECT_EQ(d[4].what["event"]["event"], "close");
}

TEST(Divergence, EventsInAnotherOrderAreOneDifference) {
  const auto ref = trace({R"({"step": 2, "op": "run", "result": null, "events": [
                               {"on": "w", "event": "connected"}, {"on": "w", "event": "end"}]})"});
  const auto lib = trace({R"({"step": 2, "op": "run", "result": null, "events": [
                               {"on": "w", "event": "end"}, {"on": "w", "event": "connected"}]})"});
  const auto d = diff_traces(kSteps, ref, lib, "");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].what["delta"], "event_order");
}

TEST(Divergence, ARunThatStoppedIsOneDifferenceAtTheFirstMissingStep) {
  const auto ref = trace({R"({"step": 0, "op": "sys.socketpair", "result": null})",
                          R"({"step": 1, "op": "usocket", "result": null})",
                          R"({"step": 2, "op": "run", "result": null})"});
  const auto lib = trace({R"({"step": 0, "op": "sys.socketpair", "result": null})"});
  const auto d = diff_traces(kSteps, ref, lib, "node was killed by signal 6");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].step, 1);
  EXPECT_EQ(d[0].what["delta"], "never_ran");
  EXPECT_EQ(d[0].what["stopped"], "node was killed by signal 6");
}

TEST(Divergence, IdenticalTracesHaveNoDifference) {
  const auto ref = trace({R"({"step": 0, "op": "sys.socketpair", "result": null})"});
  EXPECT_TRUE(diff_traces(kSteps, ref, ref, "").empty());
}

TEST(Divergence, OpenFdListingsDifferFdByFd) {
  const auto ref = trace({R"({"step": 3, "op": "open_fds", "result": {"open": [
                               {"object": "a", "cloexec": true}, {"object": "f1", "cloexec": true},
                               {"object": "f2", "cloexec": true}]}})"});
  const auto lib = trace({R"({"step": 3, "op": "open_fds", "result": {"open": [
                               {"object": "a", "cloexec": true}, {"object": "f1", "cloexec": false},
                               {"object": "g", "cloexec": false}]}})"});
  const auto d = diff_traces(kSteps, ref, lib, "");
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].what["delta"], "open_fd_flags");
  EXPECT_EQ(d[0].what["pkg"]["object"], "f1");
  EXPECT_EQ(d[1].what["delta"], "open_fd_missing");
  EXPECT_EQ(d[1].what["ref"]["object"], "f2");
  EXPECT_EQ(d[2].what["delta"], "open_fd_extra");
  EXPECT_EQ(d[2].what["pkg"]["object"], "g");
}

TEST(Divergence, PatternsMatchSubsetsWildcardsAbsenceAndExpressions) {
  const json v = json::parse(R"({"delta": "never_ran", "stopped": "Assertion `x' failed",
                                 "origin": {"op": "usocket", "fd": "a"}})");
  EXPECT_TRUE(pattern_matches(json::parse(R"({"delta": "never_ran"})"), v));
  EXPECT_TRUE(pattern_matches(json::parse(R"({"origin": {"fd": "*"}})"), v));
  EXPECT_FALSE(pattern_matches(json::parse(R"({"origin": {"path": "*"}})"), v));
  EXPECT_TRUE(pattern_matches(json::parse(R"({"origin": {"path": "!"}})"), v));
  EXPECT_FALSE(pattern_matches(json::parse(R"({"origin": {"fd": "!"}})"), v));
  EXPECT_TRUE(pattern_matches(json::parse(R"({"stopped": "re:Assertion `x'"})"), v));
  EXPECT_FALSE(pattern_matches(json::parse(R"({"stopped": "re:hang"})"), v));
  EXPECT_FALSE(pattern_matches(json::parse(R"({"delta": "result"})"), v));
  EXPECT_TRUE(pattern_matches(json(nullptr), json(nullptr)));
}

TEST(Divergence, ConsequencesCountOnlyAfterTheirFindingWasSeen) {
  const auto findings = parse_findings(json::parse(R"({"findings": [
    {"id": "silent-close", "severity": "swallowed error", "title": "t",
     "match": [{"delta": "result", "op": "write"}],
     "consequences": [{"delta": "extra_event", "event": {"event": "readable"}}]}]})"));
  const Delta readable{4,
                       json::parse(R"({"delta": "extra_event", "event": {"event": "readable"}})")};
  const Delta write{3, json::parse(R"({"delta": "result", "op": "write"})")};
  EXPECT_EQ(attribute(findings, {readable, write}),
            (std::vector<std::string>{"unexplained", "silent-close"}));
  EXPECT_EQ(attribute(findings, {write, readable}),
            (std::vector<std::string>{"silent-close", "silent-close"}));
}

TEST(Divergence, AConsequenceOfWhatWentWrongFirstOutranksAnotherFindingsMatch) {
  const auto findings = parse_findings(json::parse(R"({"findings": [
    {"id": "no-connected", "severity": "API differs from the README", "title": "t",
     "match": [{"delta": "missing_event", "event": {"event": "connected"}}]},
    {"id": "constructor-throws", "severity": "API differs from the README", "title": "t",
     "match": [{"delta": "result", "op": "usocket"}],
     "consequences": [{"delta": "missing_event", "event": {"event": "connected"}}]}]})"));
  const Delta thrown{1, json::parse(R"({"delta": "result", "op": "usocket"})")};
  const Delta connected{3, json::parse(
                               R"({"delta": "missing_event", "event": {"event": "connected"}})")};
  EXPECT_EQ(attribute(findings, {thrown, connected}),
            (std::vector<std::string>{"constructor-throws", "constructor-throws"}));
  EXPECT_EQ(attribute(findings, {connected}), (std::vector<std::string>{"no-connected"}));
}

TEST(Divergence, ABadCatalogueEntryIsNamed) {
  const auto error_of = [](const char* text) {
    try {
      parse_findings(json::parse(text));
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error_of(R"({"findings": [{"id": "x", "severity": "bad", "title": "t",
                                        "match": [{}]}]})"),
            "findings catalogue: entry 'x': field 'severity': expected one of the severities "
            "of core/divergence.cpp");
  EXPECT_EQ(error_of(R"({"findings": [{"id": "x", "severity": "crash", "title": "t"}]})"),
            "findings catalogue: entry 'x': field 'match': expected a non-empty array of "
            "patterns");
  EXPECT_EQ(error_of(R"({"findings": [
              {"id": "x", "severity": "crash", "title": "t", "match": [{}]},
              {"id": "x", "severity": "crash", "title": "t", "match": [{}]}]})"),
            "findings catalogue: entry 'x': field 'id': listed twice");
  EXPECT_EQ(error_of(R"([])"), "findings catalogue: expected {\"findings\": [...]}");
}

}  // namespace
}  // namespace fdlab
