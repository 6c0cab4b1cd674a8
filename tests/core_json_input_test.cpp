// Untrusted JSON: duplicate keys and nesting are refused with the step and field they sit in.
#include <gtest/gtest.h>

#include <string>

#include "core/harness_error.h"
#include "core/json_input.h"

namespace fdlab {
namespace {

HarnessError refusal(const std::string& text) {
  try {
    parse_json_input(text, "f.json");
  } catch (const HarnessError& e) {
    return e;
  }
  ADD_FAILURE() << "accepted: " << text;
  return HarnessError("", -1, "", "");
}

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonInput, RefusesADuplicateKeyNamingTheStepAndField) {
  const auto e = refusal(R"({"steps": [{"op": "a"}, {"op": "close", "fd": 3, "op": "pipe"}]})");
  EXPECT_EQ(e.file(), "f.json");
  EXPECT_EQ(e.step(), 1);
  EXPECT_EQ(e.field(), "op");
}

TEST(JsonInput, RefusesADuplicateTopLevelKeyOutsideAnyStep) {
  const auto e = refusal(R"({"id": "a", "steps": [], "id": "b"})");
  EXPECT_EQ(e.step(), -1);
  EXPECT_EQ(e.field(), "id");
}

TEST(JsonInput, NamesTheFieldOfADuplicateKeyDeepInAnExpectation) {
  const auto e = refusal(R"({"steps": [{"expect": {"fds": [{"fd": 3, "fd": 4}]}}]})");
  EXPECT_EQ(e.step(), 0);
  EXPECT_EQ(e.field(), "expect.fds[0].fd");
}

TEST(JsonInput, AcceptsTheSameKeyInDifferentObjects) {
  EXPECT_NO_THROW(parse_json_input(R"({"steps": [{"op": "a"}, {"op": "b"}], "op": 1})", "f"));
}

TEST(JsonInput, AcceptsNestingUpToTheLimitAndRefusesOneLevelMore) {
  EXPECT_NO_THROW(parse_json_input(nested(kMaxJsonDepth), "f"));
  const auto e = refusal(nested(kMaxJsonDepth + 1));
  EXPECT_NE(e.reason().find("nested deeper than"), std::string::npos) << e.what();
}

TEST(JsonInput, RefusesAMillionLevelsWithoutOverflowingTheStack) {
  const auto e = refusal(R"({"steps": [{"expect": )" + nested(1000000) + "}]}");
  EXPECT_EQ(e.step(), 0);
  EXPECT_EQ(e.field(), "expect[0][0][0]...");
}

TEST(JsonInput, RefusesTextOverTheSizeCapBeforeParsing) {
  const auto e = refusal(std::string(kMaxScenarioBytes + 1, ' '));
  EXPECT_NE(e.reason().find("MiB"), std::string::npos) << e.what();
}

TEST(JsonInput, ReportsSyntaxErrorsAsInvalidJson) {
  EXPECT_NE(refusal("{\"a\": ").reason().find("invalid JSON"), std::string::npos);
}

}  // namespace
}  // namespace fdlab
