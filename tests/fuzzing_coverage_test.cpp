// What a fuzzing run reached (fuzzing/coverage.h): the rules of docs/rules.md a job's scenarios
// reached survive the trip through JSON that brings a job's share back to the parent
// (`fdlab fuzz -j N`), and the unreached ones are named.
#include <gtest/gtest.h>

#include "fuzzing/coverage.h"

namespace fdlab {
namespace {

TEST(Coverage, RulesReachedByJobsMergeThroughJson) {
  Coverage one, two;
  one.add_scenario();
  one.add_rule("stream.eof");
  two.add_scenario();
  two.add_rule("stream.eof");
  two.add_rule("stream.epipe");
  Coverage total;
  total.merge(Coverage::from_json(one.to_json({})));
  total.merge(Coverage::from_json(two.to_json({})));
  const std::vector<std::string> rules = {"stream.eof", "stream.epipe", "stream.eagain"};
  const auto j = total.to_json(rules);
  EXPECT_EQ(j["scenarios"], 2);
  EXPECT_EQ(j["rules"]["stream.eof"], 2);
  EXPECT_EQ(j["rules"]["stream.epipe"], 1);
  EXPECT_EQ(j["unreached_rules"], nlohmann::json::array({"stream.eagain"}));
  EXPECT_NE(total.summary(rules).find("2 of 3 rules"), std::string::npos) << total.summary(rules);
}

}  // namespace
}  // namespace fdlab
