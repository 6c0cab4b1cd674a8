#include <gtest/gtest.h>

#include "core/op_table.h"
#include "fuzzing/coverage.h"

namespace fdlab {
namespace {

using nlohmann::json;

TEST(Coverage, CountsOpsErrnosFlagsAndKinds) {
  Coverage c;
  c.add_scenario();
  c.add_step({{"op", "recvmsg"}, {"flags", {"MSG_PEEK"}}, {"fd_space", 2}},
             {{"ret", 3}, {"msg_flags", {"MSG_CTRUNC"}}}, "stream");
  c.add_step({{"op", "sendmsg"}}, {{"ret", -1}, {"errno", "EPIPE"}}, "dgram");
  c.add_rule("stream.peek");
  const json j = c.to_json({"stream.peek", "dgram.queue"});
  EXPECT_EQ(j["scenarios"], 1);
  EXPECT_EQ(j["steps"], 2);
  EXPECT_EQ(j["ops"], json({{"recvmsg", 1}, {"sendmsg", 1}}));
  EXPECT_EQ(j["op_errno"], json({{"recvmsg ok", 1}, {"sendmsg EPIPE", 1}}));
  EXPECT_EQ(
      j["op_flags"],
      json({{"recvmsg MSG_PEEK", 1}, {"recvmsg +fd_space", 1}, {"recvmsg -> MSG_CTRUNC", 1}}));
  EXPECT_EQ(j["op_kinds"], json({{"recvmsg stream", 1}, {"sendmsg dgram", 1}}));
  EXPECT_EQ(j["unreached_rules"], json({"dgram.queue"}));
  EXPECT_EQ(j["unreached_ops"].size(), kernel_ops().size() - 2);
}

TEST(Coverage, MergedShareEqualsOneRunOverEverything) {
  Coverage a, b, whole;
  const json s1 = {{"op", "close"}}, r1 = {{"ret", 0}};
  const json s2 = {{"op", "close"}}, r2 = {{"ret", -1}, {"errno", "EBADF"}};
  a.add_step(s1, r1, "file");
  whole.add_step(s1, r1, "file");
  b.add_step(s2, r2, "");
  whole.add_step(s2, r2, "");
  b.add_rule("lifetimes.close");
  whole.add_rule("lifetimes.close");
  // A job's share travels as JSON between processes.
  Coverage merged = Coverage::from_json(a.to_json({}));
  merged.merge(Coverage::from_json(b.to_json({})));
  EXPECT_EQ(merged.to_json({"lifetimes.close"}), whole.to_json({"lifetimes.close"}));
  EXPECT_EQ(merged.to_json({})["op_errno"], json({{"close EBADF", 1}, {"close ok", 1}}));
}

TEST(Coverage, SummaryNamesWhatWasNeverReached) {
  Coverage c;
  for (const auto& spec : kernel_ops()) c.add_step({{"op", spec.name}}, {{"ret", 0}}, "");
  const std::string s = c.summary({"a.one", "b.two"});
  EXPECT_NE(s.find(std::to_string(kernel_ops().size()) + " of " +
                   std::to_string(kernel_ops().size()) + " ops"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("ops never run"), std::string::npos) << s;
  EXPECT_NE(s.find("0 of 2 rules"), std::string::npos) << s;
  EXPECT_NE(s.find("rules never reached (2): a.one, b.two"), std::string::npos) << s;
}

}  // namespace
}  // namespace fdlab
