// The runner backend's side of the line protocol (cli/runner_protocol.h, docs/posix-runner.md):
// every value goes out as a name, and an answer the model cannot name is a harness error, never
// a result.
#include "cli/runner_protocol.h"

#include <gtest/gtest.h>

#include "core/harness_error.h"

namespace fdlab::runner {
namespace {

TEST(RunnerProtocol, SendmsgNamesItsFlagsAndStatesItsControlBuffer) {
  SendArgs send;
  send.data = "ab";
  send.flags = msg::nosignal | msg::dontwait;
  send.control.given = true;
  send.control.null = true;
  send.control.controllen = 64;
  SendCmsg rights;
  rights.fds = {3, 4};
  rights.cmsg_len = 20;
  SendCmsg creds;
  creds.kind = SendCmsg::Kind::creds;
  creds.pid.kind = CredArg::Kind::init;
  creds.gid = {CredArg::Kind::number, 5};
  SendCmsg raw;
  raw.kind = SendCmsg::Kind::raw;
  raw.type = cmsg::scm_credentials;
  raw.payload = "\x01\xff";
  send.control.cmsgs = {rights, creds, raw};
  Call c;
  c.op = OpKind::sendmsg;
  c.fd = 7;
  c.send = &send;
  EXPECT_EQ(request_line(1, c),
            "call 1 sendmsg fd=7 data=6162 flags=MSG_DONTWAIT,MSG_NOSIGNAL cmsg=rights:3,4@20 "
            "cmsg=creds:init,own,5 cmsg=raw:SOL_SOCKET,SCM_CREDENTIALS,01ff controllen=64 "
            "nullcontrol=1");
}

TEST(RunnerProtocol, RecvmsgTellsANullBufferWithALengthFromNoBuffer) {
  Call c;
  c.op = OpKind::recvmsg;
  c.fd = 3;
  c.recv.len = 8;
  EXPECT_EQ(request_line(0, c), "call 0 recvmsg fd=3 len=8 flags=");
  c.recv.control_len = 24;
  EXPECT_EQ(request_line(0, c), "call 0 recvmsg fd=3 len=8 flags= control=24 nullcontrol=1");
  c.recv.has_control = true;
  c.recv.flags = msg::cmsg_cloexec;
  c.recv.want_name = true;
  EXPECT_EQ(request_line(0, c),
            "call 0 recvmsg fd=3 len=8 flags=MSG_CMSG_CLOEXEC control=24 name=1");
}

TEST(RunnerProtocol, AnAnswerCarriesBytesFdsCmsgsAndCredentials) {
  const Answer a = parse_answer(
      "ok 4 data=61626364 msg_flags=MSG_CTRUNC controllen=56 cmsg=SCM_CREDENTIALS,28 "
      "creds=3,4242,0,65534 cmsg=SCM_RIGHTS,20 fd=5,9:1234,1 from=abstract:7372");
  EXPECT_EQ(a.kind, Answer::Kind::ok);
  EXPECT_EQ(a.ret, 4);
  EXPECT_EQ(a.data, "abcd");
  EXPECT_EQ(a.msg_flags, msg::ctrunc);
  EXPECT_EQ(a.controllen, 56u);
  ASSERT_EQ(a.cmsgs.size(), 2u);
  EXPECT_EQ(a.cmsgs.begin()[0].type, cmsg::scm_credentials);
  EXPECT_EQ(a.cmsgs.begin()[1].len, 20u);
  EXPECT_EQ(a.creds.pid, 4242);
  EXPECT_EQ(a.creds.gid, 65534);
  ASSERT_EQ(a.fds.size(), 1u);
  EXPECT_EQ(a.fds[0].fd, 5);
  EXPECT_EQ(a.fds[0].key, "9:1234");
  EXPECT_TRUE(a.fds[0].cloexec);
  EXPECT_EQ(a.name.kind, ReportedAddr::Kind::named);
  EXPECT_TRUE(a.name.addr.abstract);
  EXPECT_EQ(a.name.addr.name, "sr");
}

TEST(RunnerProtocol, AnErrnoTheModelCannotNameIsAHarnessError) {
  EXPECT_EQ(parse_answer("err EAGAIN").err, Errno::eagain);
  EXPECT_THROW(parse_answer("err E#77"), HarnessError);
  EXPECT_THROW(parse_answer("err ENOTSUP"), HarnessError);  // macOS: not EOPNOTSUPP
}

TEST(RunnerProtocol, FlagBitsWithoutANameAreRefusedNotDropped) {
  EXPECT_THROW(parse_answer("ok 1 data=78 msg_flags=MSG_CTRUNC,#0x80000"), HarnessError);
  EXPECT_THROW(parse_answer("ok 1 revents=POLLIN,#0x4000"), HarnessError);
  EXPECT_THROW(parse_answer("ok 1 cmsg=SCM_CREDS,20"), HarnessError);
}

TEST(RunnerProtocol, OnlyTheFiveAnswersAreAnswers) {
  EXPECT_EQ(parse_answer("blocked").kind, Answer::Kind::blocked);
  EXPECT_EQ(parse_answer("unsupported collect: no POSIX call").text, "collect: no POSIX call");
  EXPECT_THROW(parse_answer("maybe 3"), HarnessError);
  EXPECT_THROW(parse_answer("ok"), HarnessError);
  EXPECT_THROW(parse_answer("ok 3 fd=x"), HarnessError);
}

TEST(RunnerProtocol, FcntlGettersAnswerNamesTheCoreReadsAsBits) {
  const Answer a = parse_answer("ok 0 flags=O_RDWR,O_NONBLOCK");
  EXPECT_TRUE(a.has_flags);
  EXPECT_EQ(a.value, fl::rdwr | fl::nonblock);
  EXPECT_EQ(parse_answer("ok 0 flags=FD_CLOEXEC").value, 1);
  EXPECT_EQ(parse_answer("ok 0 flags=").value, 0);
}

TEST(RunnerProtocol, HelloSaysVersionIdentityAndIds) {
  const Hello h = parse_hello(
      "fdlab-posix-runner 1 variant=fork system=Linux uid=0 gid=0 cmsg=16,8 "
      "identity=inode");
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.identity, "inode");
  EXPECT_EQ(h.uid, 0);
  EXPECT_THROW(parse_hello("hello"), HarnessError);
}

}  // namespace
}  // namespace fdlab::runner
