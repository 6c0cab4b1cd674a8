// The scenario format's named-socket, socket-option, rlimit and credentials fields.
#include <gtest/gtest.h>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/scenario.h"

namespace fdlab {
namespace {

std::string error_of(const std::string& steps) {
  const std::string text = R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": "x",
    "processes": ["p"], "steps": )" +
                           steps + "}";
  try {
    parse_scenario(text, "t.json");
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "";
}

Scenario parse_steps(const std::string& steps) {
  return parse_scenario(R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": "x",
    "processes": ["p"], "steps": )" +
                            steps + "}",
                        "t.json");
}

const char* kSocket = R"({"proc": "p", "op": "socket", "as": "s"})";

TEST(NamedScenarioParser, APathThatLeavesTheScenarioDirectoryIsAnErrorAtItsStepAndField) {
  for (const char* path : {"/tmp/x", "../x", "a/b", "..", "."}) {
    const std::string err =
        error_of(std::string("[") + kSocket +
                 R"(, {"proc": "p", "op": "bind", "sock": "s", "path": ")" + path + R"("}])");
    EXPECT_NE(err.find("t.json"), std::string::npos) << path;
    EXPECT_NE(err.find("step 1"), std::string::npos) << err;
    EXPECT_NE(err.find("path"), std::string::npos) << err;
  }
}

TEST(NamedScenarioParser, AnAtSignOrAbstractTrueNamesTheAbstractNamespace) {
  const Scenario sc = parse_steps(std::string("[") + kSocket +
                                  R"(, {"proc": "p", "op": "bind", "sock": "s", "path": "@a/b"},
       {"proc": "p", "op": "connect", "sock": "s", "path": "x", "abstract": true},
       {"proc": "p", "op": "connect", "sock": "s", "path": "plain"}])");
  EXPECT_TRUE(sc.steps[1].addr.abstract);
  EXPECT_EQ(sc.steps[1].addr.name, "a/b");  // no directory to leave in the abstract namespace
  EXPECT_TRUE(sc.steps[2].addr.abstract);
  EXPECT_FALSE(sc.steps[3].addr.abstract);
}

TEST(NamedScenarioParser, UnlinkTakesOnlyAFilePath) {
  EXPECT_NE(error_of(R"([{"proc": "p", "op": "unlink", "path": "x", "abstract": true}])")
                .find("abstract"),
            std::string::npos);
}

TEST(NamedScenarioParser, AcceptAndSocketCreateOneLabelAndAccept4IsAccept) {
  const Scenario sc = parse_steps(std::string("[") + kSocket +
                                  R"(, {"proc": "p", "op": "accept4", "sock": "s",
       "nonblock": true, "cloexec": true, "as": "c"}])");
  EXPECT_EQ(sc.steps[1].op, OpKind::accept);
  EXPECT_TRUE(sc.steps[1].nonblock);
  EXPECT_TRUE(sc.steps[1].cloexec);
  EXPECT_EQ(sc.steps[1].as, std::vector<std::string>{"c"});
}

TEST(NamedScenarioParser, CredsSpaceAddsThirtyTwoBytesInFrontOfTheFdSpace) {
  const Scenario sc = parse_steps(std::string("[") + kSocket +
                                  R"(, {"proc": "p", "op": "recvmsg", "sock": "s", "len": 1,
       "fd_space": 1, "creds_space": true},
       {"proc": "p", "op": "recvmsg", "sock": "s", "len": 1, "creds_space": true}])");
  EXPECT_EQ(sc.steps[1].control_len, 32u + 24u);
  EXPECT_EQ(sc.steps[2].control_len, 32u);
  EXPECT_TRUE(sc.steps[2].has_control);
}

TEST(NamedScenarioParser, SocketOptionsAndRlimitAreCheckedByName) {
  EXPECT_NE(error_of(std::string("[") + kSocket +
                     R"(, {"proc": "p", "op": "setsockopt", "sock": "s", "opt": "SO_LINGER",
                          "value": 1}])")
                .find("opt"),
            std::string::npos);
  EXPECT_NE(error_of(R"([{"proc": "p", "op": "setrlimit", "resource": "RLIMIT_NPROC",
                          "soft": 4}])")
                .find("resource"),
            std::string::npos);
  const Scenario sc = parse_steps(std::string("[") + kSocket +
                                  R"(, {"proc": "p", "op": "setsockopt", "sock": "s",
       "opt": "SO_PASSCRED", "value": true}])");
  EXPECT_EQ(sc.steps[1].opt, SockOpt::passcred);
  EXPECT_EQ(sc.steps[1].value, 1);
}

}  // namespace
}  // namespace fdlab
