#include <gtest/gtest.h>

#include "core/bytes.h"
#include "core/harness_error.h"
#include "core/level.h"
#include "core/scenario.h"

namespace fdlab {
namespace {

const char* kExample = R"J({"fdlab": 1, "id": "stream/example", "level": "kernel",
 "provenance": "unix(7)", "processes": ["p", "q"],
 "steps": [
  {"proc": "p", "op": "socketpair", "type": "stream", "as": ["a", "b"]},
  {"proc": "p", "op": "open_temp", "as": "f1"},
  {"proc": "p", "op": "give", "fd": "b", "to": "q"},
  {"proc": "p", "op": "sendmsg", "sock": "a", "data": "abcd", "fds": ["f1", 77], "flags": ["MSG_NOSIGNAL"]},
  {"proc": "q", "op": "recvmsg", "sock": "b", "len": 64, "fd_space": 4, "as": ["g"],
   "expect": {"ret": 4, "data": "abcd", "fds": ["f1"], "msg_flags": []}}]})J";

// Parses `steps` (a JSON array text) inside an otherwise valid scenario and returns the error.
std::string error_of(const std::string& steps, const std::string& processes = R"(["p", "q"])") {
  const std::string text = R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": "x",
    "processes": )" + processes +
                           R"(, "steps": )" + steps + "}";
  try {
    parse_scenario(text, "t.json");
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioParser, ReadsEveryFieldOfTheExample) {
  const Scenario sc = parse_scenario(kExample, "ex.json");
  EXPECT_EQ(sc.id, "stream/example");
  ASSERT_EQ(sc.steps.size(), 5u);
  EXPECT_EQ(sc.steps[0].op, OpKind::socketpair);
  EXPECT_EQ(sc.steps[0].as, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sc.steps[2].to, 1);
  const Step& send = sc.steps[3];
  EXPECT_EQ(send.data, "abcd");
  ASSERT_EQ(send.fds.size(), 2u);
  EXPECT_EQ(send.fds[0].label, "f1");
  EXPECT_EQ(send.fds[1].number, 77);
  EXPECT_EQ(send.flags, msg::nosignal);
  const Step& recv = sc.steps[4];
  EXPECT_EQ(recv.proc, 1);
  EXPECT_TRUE(recv.has_control);
  EXPECT_EQ(recv.control_len, 32u);  // CMSG_SPACE(16) on 64-bit Linux
  ASSERT_TRUE(recv.expect.has_value());
  EXPECT_EQ((*recv.expect)["ret"], 4);
}

TEST(ScenarioParser, FdSpaceOneRoundsUpToTwentyFourBytes) {
  const auto sc = parse_scenario(R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": "x",
    "processes": ["p"], "steps": [{"proc": "p", "op": "socketpair", "as": ["a", "b"]},
    {"proc": "p", "op": "recvmsg", "sock": "a", "len": 1, "fd_space": 1}]})",
                                 "t.json");
  EXPECT_EQ(sc.steps[1].control_len, 24u);
}

TEST(ScenarioParser, InvalidJsonNamesTheFile) {
  try {
    parse_scenario("{\"fdlab\": 1,,}", "broken.json");
    FAIL() << "no error";
  } catch (const HarnessError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("invalid JSON"), std::string::npos);
  }
}

TEST(ScenarioParser, UnknownOpNamesStepAndField) {
  const auto e = error_of(R"([{"proc": "p", "op": "open_temp", "as": "f"},
                              {"proc": "p", "op": "sendfile", "fd": "f"}])");
  EXPECT_NE(e.find("step 1"), std::string::npos) << e;
  EXPECT_NE(e.find("field 'op'"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown op 'sendfile'"), std::string::npos) << e;
}

TEST(ScenarioParser, MissingFieldIsRequired) {
  const auto e = error_of(R"([{"proc": "p", "op": "socketpair", "as": ["a", "b"]},
                              {"proc": "p", "op": "recvmsg", "len": 4}])");
  EXPECT_NE(e.find("step 1: field 'sock': is required"), std::string::npos) << e;
}

TEST(ScenarioParser, UndefinedLabelIsAnError) {
  const auto e = error_of(R"([{"proc": "p", "op": "close", "fd": "nowhere"}])");
  EXPECT_NE(e.find("step 0: field 'fd': undefined label 'nowhere'"), std::string::npos) << e;
}

TEST(ScenarioParser, LabelOfAnotherProcessIsAnError) {
  const auto e = error_of(R"([{"proc": "p", "op": "open_temp", "as": "f"},
                              {"proc": "q", "op": "close", "fd": "f"}])");
  EXPECT_NE(e.find("bound in process 'p', not in 'q'"), std::string::npos) << e;
}

TEST(ScenarioParser, GiveMovesTheLabelToTheReceiver) {
  const auto e = error_of(R"([{"proc": "p", "op": "open_temp", "as": "f"},
                              {"proc": "p", "op": "give", "fd": "f", "to": "q"},
                              {"proc": "q", "op": "close", "fd": "f"},
                              {"proc": "p", "op": "close", "fd": "f"}])");
  EXPECT_NE(e.find("step 3"), std::string::npos) << e;
  EXPECT_NE(e.find("bound in process 'q', not in 'p'"), std::string::npos) << e;
}

TEST(ScenarioParser, MisspelledFieldIsNotIgnored) {
  const auto e = error_of(R"([{"proc": "p", "op": "socketpair", "as": ["a", "b"]},
                              {"proc": "p", "op": "recvmsg", "sock": "a", "len": 4, "fd_spcae": 2}])");
  EXPECT_NE(e.find("field 'fd_spcae': unknown field"), std::string::npos) << e;
}

TEST(ScenarioParser, HugeSizesAreRefused) {
  const auto e = error_of(R"([{"proc": "p", "op": "socketpair", "as": ["a", "b"]},
                              {"proc": "p", "op": "recvmsg", "sock": "a", "len": 99999999999}])");
  EXPECT_NE(e.find("field 'len': must be at most 16777216"), std::string::npos) << e;
}

TEST(ScenarioParser, WrongTypeSaysWhatWasExpected) {
  const auto e = error_of(R"([{"proc": "p", "op": "socketpair", "as": ["a", "b"]},
                              {"proc": "p", "op": "recvmsg", "sock": "a", "len": "four"}])");
  EXPECT_NE(e.find("field 'len': expected an integer, got a string"), std::string::npos) << e;
}

TEST(ScenarioParser, UnknownProcessIsAnError) {
  const auto e = error_of(R"([{"proc": "r", "op": "pipe"}])");
  EXPECT_NE(e.find("field 'proc': unknown process 'r'"), std::string::npos) << e;
}

TEST(ScenarioParser, UnknownExpectationKeyIsAnError) {
  const auto e = error_of(R"([{"proc": "p", "op": "pipe", "expect": {"retval": 0}}])");
  EXPECT_NE(e.find("field 'expect.retval'"), std::string::npos) << e;
}

TEST(ScenarioParser, UnknownErrnoNameIsAnError) {
  const auto e = error_of(R"([{"proc": "p", "op": "pipe", "expect": {"errno": "EWHAT"}}])");
  EXPECT_NE(e.find("field 'expect.errno'"), std::string::npos) << e;
}

TEST(ScenarioParser, DataSizeMakesThePatternBytes) {
  const auto sc = parse_scenario(R"({"fdlab": 1, "id": "t", "level": "kernel", "provenance": "x",
    "processes": ["p"], "steps": [{"proc": "p", "op": "socketpair", "as": ["a", "b"]},
    {"proc": "p", "op": "sendmsg", "sock": "a", "data_size": 28}]})",
                                 "t.json");
  EXPECT_EQ(sc.steps[1].data, "abcdefghijklmnopqrstuvwxyzab");
}

TEST(ScenarioParser, PatternBytesAreTheAlphabetRepeatedAtEverySize) {
  for (std::size_t size :
       {0ul, 1ul, 25ul, 26ul, 27ul, 51ul, 52ul, 53ul, 1000ul, 4097ul, 212993ul}) {
    const std::string p = pattern_bytes(size);
    ASSERT_EQ(p.size(), size);
    for (std::size_t i = 0; i < size; ++i)
      ASSERT_EQ(p[i], static_cast<char>('a' + i % 26)) << size << " at " << i;
  }
}

TEST(ScenarioParser, CreationStepNeedsOneLabelPerFd) {
  const auto e = error_of(R"([{"proc": "p", "op": "socketpair", "as": ["a"]}])");
  EXPECT_NE(e.find("field 'as': expected 2 label(s), got 1"), std::string::npos) << e;
}

}  // namespace
}  // namespace fdlab
