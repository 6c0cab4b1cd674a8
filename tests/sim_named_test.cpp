// SimKernel's named sockets, options, RLIMIT_NOFILE and credentials.
#include <gtest/gtest.h>

#include "core/control_space.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

SockAddr path(const std::string& name) { return SockAddr{name, false}; }

struct Listener {
  SimKernel k;
  ProcId p = k.add_process();
  int l = -1;
  explicit Listener(int backlog) {
    l = k.socket(p, SockType::stream, false, false).fds[0].fd;
    EXPECT_EQ(k.bind(p, l, path("srv")).err, Errno::ok);
    EXPECT_EQ(k.listen(p, l, backlog).err, Errno::ok);
  }
  Outcome connect_new(bool nonblock = true) {
    int c = k.socket(p, SockType::stream, nonblock, false).fds[0].fd;
    return k.connect(p, c, path("srv"));
  }
};

TEST(SimNamed, BacklogNLetsNPlusOneConnectsWaitAndTheNextIsEagain) {
  Listener s(2);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s.connect_new().err, Errno::ok) << i;
  EXPECT_EQ(s.connect_new().err, Errno::eagain);
  EXPECT_TRUE(s.connect_new(false).blocked);
}

TEST(SimNamed, AcceptedSocketIsANewObjectThatReceivesWhatWasSentBeforeAccept) {
  Listener s(1);
  int c = s.k.socket(s.p, SockType::stream, false, false).fds[0].fd;
  ASSERT_EQ(s.k.connect(s.p, c, path("srv")).err, Errno::ok);
  SendArgs a;
  a.data = "early";
  EXPECT_EQ(s.k.sendmsg(s.p, c, a).ret, 5);
  Outcome acc = s.k.accept(s.p, s.l, false, true);
  ASSERT_EQ(acc.fds.size(), 1u);
  EXPECT_TRUE(acc.fds[0].cloexec);
  EXPECT_NE(acc.fds[0].object, 0);
  RecvArgs r;
  r.len = 16;
  EXPECT_EQ(s.k.recvmsg(s.p, acc.fds[0].fd, r).data, "early");
}

TEST(SimNamed, ClosedListenersFileRefusesConnectionsUntilUnlinked) {
  Listener s(1);
  EXPECT_EQ(s.k.close(s.p, s.l).err, Errno::ok);
  EXPECT_EQ(s.connect_new().err, Errno::econnrefused);
  EXPECT_EQ(s.k.unlink(s.p, "srv").err, Errno::ok);
  EXPECT_EQ(s.connect_new().err, Errno::enoent);
  EXPECT_EQ(s.k.unlink(s.p, "srv").err, Errno::enoent);
}

TEST(SimNamed, ClosingAListenerResetsItsUnacceptedClients) {
  Listener s(1);
  int c = s.k.socket(s.p, SockType::stream, false, false).fds[0].fd;
  ASSERT_EQ(s.k.connect(s.p, c, path("srv")).err, Errno::ok);
  s.k.close(s.p, s.l);
  RecvArgs r;
  r.len = 4;
  EXPECT_EQ(s.k.recvmsg(s.p, c, r).err, Errno::econnreset);
  EXPECT_EQ(s.k.recvmsg(s.p, c, r).ret, 0);
  EXPECT_EQ(s.k.finish().leaked, 0);
}

TEST(SimNamed, PathOf108BytesFitsAnd109IsEinval) {
  SimKernel k;
  ProcId p = k.add_process();
  int a = k.socket(p, SockType::stream, false, false).fds[0].fd;
  EXPECT_EQ(k.bind(p, a, path(std::string(109, 'x'))).err, Errno::einval);
  EXPECT_EQ(k.bind(p, a, path(std::string(108, 'x'))).err, Errno::ok);
}

TEST(SimOptions, SndbufIsDoubledWithAFloorAndPasscredReadsAsABoolean) {
  SimKernel k;
  ProcId p = k.add_process();
  int s = k.socket(p, SockType::dgram, false, false).fds[0].fd;
  k.setsockopt(p, s, SockOpt::sndbuf, 4096);
  EXPECT_EQ(k.getsockopt(p, s, SockOpt::sndbuf).value, 8192);
  k.setsockopt(p, s, SockOpt::sndbuf, 1);
  EXPECT_EQ(k.getsockopt(p, s, SockOpt::sndbuf).value, 4608);
  k.setsockopt(p, s, SockOpt::passcred, 7);
  EXPECT_EQ(k.getsockopt(p, s, SockOpt::passcred).value, 1);
  EXPECT_EQ(k.setsockopt(p, s, SockOpt::type, 1).err, Errno::enoprotoopt);
}

TEST(SimLimits, ReceiverAtItsFdLimitGetsTheDataButNotTheFds) {
  SimKernel k;
  ProcId p = k.add_process();
  Outcome pair = k.socketpair(p, SockType::stream, false, false);  // 3, 4
  int f = k.open_temp(p).fds[0].fd;                                // 5
  k.setrlimit_nofile(p, 6);
  EXPECT_EQ(k.dup(p, f).err, Errno::emfile);
  SendArgs a;
  a.data = "d";
  a.fds = {f};
  ASSERT_EQ(k.sendmsg(p, pair.fds[0].fd, a).ret, 1);
  RecvArgs r;
  r.len = 4;
  r.has_control = true;
  r.control_len = cmsg::space(4);
  Outcome got = k.recvmsg(p, pair.fds[1].fd, r);
  EXPECT_EQ(got.data, "d");
  EXPECT_TRUE(got.fds.empty());
  EXPECT_NE(got.msg_flags & msg::ctrunc, 0u);
}

TEST(SimCreds, SegmentsWithAndWithoutCredentialsAreNotGluedUnderPasscred) {
  SimKernel k;
  ProcId p = k.add_process();
  Outcome pair = k.socketpair(p, SockType::stream, false, false);
  const int a = pair.fds[0].fd, b = pair.fds[1].fd;
  SendArgs s;
  s.data = "ab";
  k.sendmsg(p, a, s);
  k.setsockopt(p, b, SockOpt::passcred, 1);
  s.data = "cd";
  k.sendmsg(p, a, s);
  RecvArgs r;
  r.len = 16;
  r.has_control = true;
  r.control_len = 32;
  Outcome first = k.recvmsg(p, b, r);
  EXPECT_EQ(first.data, "ab");
  EXPECT_TRUE(first.creds.present);
  EXPECT_EQ(first.creds.pid, CredPid::none);
  Outcome second = k.recvmsg(p, b, r);
  EXPECT_EQ(second.data, "cd");
  EXPECT_EQ(second.creds.pid, CredPid::scenario);
}

}  // namespace
}  // namespace fdlab::sim
