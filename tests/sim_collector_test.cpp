// The sim's collector (sim/sim_collector.cpp): garbage waits for a collect step, and a step whose
// result depends on whether the collector has run yet is refused with a located message that
// names the cycle. The kernel's side of each case was measured with C probes and the native
// backend on Linux 6.18.44 (scenarios/collector/README.md).
#include <gtest/gtest.h>

#include "core/level.h"
#include "core/replay.h"
#include "corpus/scenario_files.h"
#include "sim/sim_kernel.h"

namespace fdlab {
namespace {

ReplayReport run(const std::string& steps, const std::string& file = "test.json") {
  const std::string text = R"({"fdlab": 1, "id": "t", "level": "kernel", "title": "t",
    "provenance": ["net/unix/garbage.c"], "processes": ["p"], "steps": [)" +
                           steps + "]}";
  const Scenario sc = parse_scenario(text, file);
  SimKernel k;
  return replay(sc, k);
}

const char* kSelfSent = R"(
  {"proc": "p", "op": "socketpair", "type": "stream", "as": ["a", "b"]},
  {"proc": "p", "op": "pipe", "as": ["r", "w"]},
  {"proc": "p", "op": "sendmsg", "sock": "b", "data": "x", "fds": ["a", "w"]},
  {"proc": "p", "op": "close", "fd": "w"},
  {"proc": "p", "op": "close", "fd": "a"})";

TEST(SimCollector, TheFuzzReproducerIsRefusedWithTheCycleNamed) {
  const std::string file =
      std::string(FDLAB_SOURCE_DIR) + "/tests/data/collector/send-to-pending-garbage.json";
  SimKernel k;
  const ReplayReport r = replay(parse_scenario(read_text_file(file), file), k);
  EXPECT_EQ(r.error, file +
                         ": step 3: result depends on whether the collector has run yet "
                         "(cycle: socket a); add a collect step before it");
  EXPECT_EQ(r.leftovers.leaked, 0);
}

TEST(SimCollector, StepsThatDoNotDependOnTheGarbageRun) {
  // Closing the peer, making and using new objects: the same whether a is freed or not.
  const ReplayReport r = run(std::string(kSelfSent) + R"(,
    {"proc": "p", "op": "socketpair", "type": "stream", "as": ["c", "d"]},
    {"proc": "p", "op": "sendmsg", "sock": "c", "data": "z", "expect": {"ret": 1}},
    {"proc": "p", "op": "recvmsg", "sock": "d", "len": 4, "expect": {"ret": 1, "data": "z"}},
    {"proc": "p", "op": "close", "fd": "b", "expect": {"ret": 0}})");
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.passed());
}

TEST(SimCollector, ABlockingReadOfAPipeQueuedInGarbageIsRefused) {
  const ReplayReport r =
      run(std::string(kSelfSent) + R"(, {"proc": "p", "op": "read", "fd": "r", "len": 1})");
  EXPECT_NE(r.error.find("step 5: result depends on whether the collector has run yet (cycle: "
                         "socket a); add a collect step before it"),
            std::string::npos)
      << r.error;
}

TEST(SimCollector, AfterACollectStepTheCycleIsGone) {
  const ReplayReport r = run(std::string(kSelfSent) + R"(,
    {"proc": "p", "op": "collect", "expect": {"ret": 0}},
    {"proc": "p", "op": "sendmsg", "sock": "b", "data": "y", "flags": ["MSG_NOSIGNAL"],
     "expect": {"errno": "EPIPE", "sigpipe": false}},
    {"proc": "p", "op": "read", "fd": "r", "len": 1, "expect": {"ret": 0}})");
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.passed());
}

TEST(SimCollector, APairSentOverEachOtherIsNamedWhole) {
  const ReplayReport r = run(R"(
    {"proc": "p", "op": "socketpair", "type": "stream", "as": ["a", "b"]},
    {"proc": "p", "op": "pipe", "as": ["r", "w"]},
    {"proc": "p", "op": "sendmsg", "sock": "a", "data": "a", "fds": ["a", "w"]},
    {"proc": "p", "op": "sendmsg", "sock": "b", "data": "b", "fds": ["b"]},
    {"proc": "p", "op": "close", "fd": "w"},
    {"proc": "p", "op": "close", "fd": "a"},
    {"proc": "p", "op": "close", "fd": "b"},
    {"proc": "p", "op": "read", "fd": "r", "len": 1})");
  EXPECT_NE(r.error.find("step 7: result depends on whether the collector has run yet (cycle: "
                         "sockets a, b); add a collect step before it"),
            std::string::npos)
      << r.error;
}

TEST(SimCollector, GarbageMadeByARunIsPendingUntilTheNextCollect) {
  // a sits in its own queue and in x's; x in its own. One run frees x only; the release of x
  // makes a garbage, freed by a later run whose timing is the kernel's.
  const std::string chain = R"(
    {"proc": "p", "op": "socketpair", "type": "stream", "as": ["a", "b"]},
    {"proc": "p", "op": "socketpair", "type": "stream", "as": ["x", "y"]},
    {"proc": "p", "op": "sendmsg", "sock": "b", "data": "a", "fds": ["a"]},
    {"proc": "p", "op": "sendmsg", "sock": "y", "data": "x", "fds": ["x", "a"]},
    {"proc": "p", "op": "close", "fd": "a"},
    {"proc": "p", "op": "close", "fd": "x"},
    {"proc": "p", "op": "collect"})";
  const ReplayReport once = run(chain + R"(,
    {"proc": "p", "op": "sendmsg", "sock": "b", "data": "y", "flags": ["MSG_NOSIGNAL"]})");
  EXPECT_NE(once.error.find("step 7: result depends on whether the collector has run yet "
                            "(cycle: socket a); add a collect step before it"),
            std::string::npos)
      << once.error;
  const ReplayReport twice = run(chain + R"(, {"proc": "p", "op": "collect"},
    {"proc": "p", "op": "sendmsg", "sock": "b", "data": "y", "flags": ["MSG_NOSIGNAL"],
     "expect": {"errno": "EPIPE"}})");
  EXPECT_EQ(twice.error, "");
  EXPECT_TRUE(twice.passed());
}

TEST(SimCollector, BeforeTheCollectStepTheChainIsNotGarbageYet) {
  // x's cycle is garbage, a is not (one of its references is in x's queue): a look at x's peer
  // is refused, naming x only.
  const ReplayReport r = run(R"(
    {"proc": "p", "op": "socketpair", "type": "stream", "as": ["a", "b"]},
    {"proc": "p", "op": "socketpair", "type": "stream", "as": ["x", "y"]},
    {"proc": "p", "op": "sendmsg", "sock": "b", "data": "a", "fds": ["a"]},
    {"proc": "p", "op": "sendmsg", "sock": "y", "data": "x", "fds": ["x", "a"]},
    {"proc": "p", "op": "close", "fd": "a"},
    {"proc": "p", "op": "close", "fd": "x"},
    {"proc": "p", "op": "sendmsg", "sock": "y", "data": "y", "flags": ["MSG_NOSIGNAL"]})");
  EXPECT_NE(r.error.find("step 6: result depends on whether the collector has run yet (cycle: "
                         "socket x); add a collect step before it"),
            std::string::npos)
      << r.error;
}

}  // namespace
}  // namespace fdlab
