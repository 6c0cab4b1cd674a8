// SCM_CREDENTIALS pids on the sim: which answers it may give without knowing the machine.
#include <gtest/gtest.h>

#include <string>

#include "core/level.h"
#include "core/replay.h"
#include "core/scenario.h"
#include "sim/sim_kernel.h"

namespace fdlab {
namespace {

// A sendmsg whose first cmsg is SCM_CREDENTIALS with an empty payload and cmsg_len 28: its
// ucred is the next cmsg's header (pid: the low half of that cmsg_len, gid: its level), and the
// walk ends there. The parser sees only each cmsg's own bytes, so the pid reaches the sim.
ReplayReport send_overlapping_creds(int next_cmsg_len) {
  const std::string next_len = std::to_string(next_cmsg_len);
  const Scenario sc = parse_scenario(
      R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": "x", "processes": ["p"],
          "steps": [{"proc": "p", "op": "socketpair", "as": ["a", "b"]},
                    {"proc": "p", "op": "sendmsg", "sock": "a", "data": "x", "control": [
                      {"level": "SOL_SOCKET", "type": "SCM_CREDENTIALS", "cmsg_len": 28,
                       "data_hex": ""},
                      {"level": "SOL_SOCKET", "type": "SCM_RIGHTS", "cmsg_len": )" +
          next_len + R"(, "data_hex": ""}]}]})",
      "t.json");
  SimKernel kernel;
  return replay(sc, kernel);
}

TEST(SimCreds, APidSomeMachinesHaveIsRefusedAtItsStepNotAnswered) {
  // 28: a kernel thread on one machine, no process on another (ESRCH); the sim knows neither.
  const ReplayReport r = send_overlapping_creds(28);
  EXPECT_NE(r.error.find("t.json: step 1: result depends on whether pid 28 exists on the machine"),
            std::string::npos)
      << r.error;
}

TEST(SimCreds, APidNoMachineHasIsEsrchAndInitIsThere) {
  ReplayReport r = send_overlapping_creds(0);
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.trace.size(), 2u);
  EXPECT_EQ(r.trace[1].value("errno", ""), "ESRCH") << r.trace[1].dump();
  r = send_overlapping_creds(1);  // pid 1, uid 0, gid 1 (the next cmsg's level): sent
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.trace.size(), 2u);
  EXPECT_FALSE(r.trace[1].contains("errno")) << r.trace[1].dump();
}

}  // namespace
}  // namespace fdlab
