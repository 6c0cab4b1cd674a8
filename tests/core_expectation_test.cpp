#include <gtest/gtest.h>

#include "core/expectation.h"
#include "core/trace.h"

namespace fdlab {
namespace {

using nlohmann::json;

TEST(Expectation, HoldsWhenEveryGivenKeyMatches) {
  const json record = json::parse(R"({"step": 4, "proc": "q", "op": "recvmsg", "ret": 4,
    "data": "abcd", "fds": [{"fd": 3, "obj": "f1", "cloexec": false}], "msg_flags": []})");
  const json expect = json::parse(R"({"ret": 4, "data": "abcd", "fds": ["f1"], "msg_flags": [],
    "errno": null})");
  EXPECT_TRUE(match_expectation(expect, record).empty());
}

TEST(Expectation, ReportsEachKeyThatDiffers) {
  const json record = json::parse(R"({"step": 1, "proc": "p", "op": "recvmsg", "ret": 2,
    "data": "ab", "msg_flags": ["MSG_CTRUNC"]})");
  const json expect = json::parse(R"({"ret": 4, "data": "abcd", "fds": ["f1"], "msg_flags": []})");
  const auto m = match_expectation(expect, record);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0], "ret: expected 4, got 2");
  EXPECT_EQ(m[1], "data: expected \"abcd\", got \"ab\"");
  EXPECT_NE(m[2].find("fds: expected 1 fd(s), got 0"), std::string::npos);
  EXPECT_EQ(m[3], "msg_flags: expected [], got [\"MSG_CTRUNC\"]");
}

TEST(Expectation, ErrnoNullMeansSuccess) {
  const json record = json::parse(R"({"ret": -1, "errno": "EBADF"})");
  const auto m = match_expectation(json::parse(R"({"errno": null})"), record);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], "errno: expected nothing, got \"EBADF\"");
}

TEST(Expectation, FdEntriesMayPinNumberAndCloexec) {
  const json record =
      json::parse(R"({"ret": 1, "fds": [{"fd": 5, "obj": "f1", "cloexec": true}]})");
  EXPECT_TRUE(match_expectation(
                  json::parse(R"({"fds": [{"obj": "f1", "fd": 5, "cloexec": true}]})"), record)
                  .empty());
  EXPECT_EQ(match_expectation(json::parse(R"({"fds": [{"fd": 4}]})"), record).size(), 1u);
}

TEST(Expectation, LongDataIsComparedByHashAndSize) {
  const std::string big(1000, 'x');
  const json record = {{"ret", 1000}, {"data_len", 1000}, {"data_fnv1a", trace_hash(big)}};
  EXPECT_TRUE(match_expectation({{"data", big}}, record).empty());
  EXPECT_TRUE(match_expectation({{"data_size", 1000}}, record).empty());
  EXPECT_EQ(match_expectation({{"data", std::string(1000, 'y')}}, record).size(), 1u);
}

TEST(Expectation, UnexpectedBlockIsReportedAlone) {
  const json record = {{"step", 2}, {"blocked", true}};
  const auto m = match_expectation(json::parse(R"({"ret": 0})"), record);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NE(m[0].find("would block forever"), std::string::npos);
}

TEST(TraceComparison, FindsTheFirstDifferingRecord) {
  const std::vector<json> a = {{{"step", 0}}, {{"step", 1}, {"ret", 1}}};
  const std::vector<json> b = {{{"step", 0}}, {{"step", 1}, {"ret", 2}}};
  const auto d = first_divergence(a, b);
  ASSERT_TRUE(d.found);
  EXPECT_EQ(d.index, 1u);
  EXPECT_EQ(d.left["ret"], 1);
  EXPECT_EQ(d.right["ret"], 2);
  EXPECT_FALSE(first_divergence(a, a).found);
  EXPECT_TRUE(first_divergence(a, {a[0]}).found);
}

}  // namespace
}  // namespace fdlab
