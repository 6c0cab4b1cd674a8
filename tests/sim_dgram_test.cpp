// SimKernel's SOCK_DGRAM / SOCK_SEQPACKET socket pairs against what the real kernel did in C
// probes on Linux 6.18 (/tmp/probes2/p1.c): every expectation was first observed there.
#include <gtest/gtest.h>

#include "core/control_space.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

SendArgs data(const std::string& d, std::vector<int> fds = {}) {
  SendArgs s;
  s.data = d;
  s.fds = std::move(fds);
  return s;
}

RecvArgs space(std::size_t len, std::uint32_t flags = msg::dontwait) {
  RecvArgs r;
  r.len = len;
  r.has_control = true;
  r.control_len = cmsg::space(4 * 4);
  r.flags = flags;
  return r;
}

}  // namespace

// Probe: b sends "toa" + pipe w to a and closes; a's send is ECONNREFUSED and a's queue is then
// empty (EAGAIN) and the pipe's read end sees EOF: unix_dgram_disconnected purged it.
TEST(SimDgram, EconnrefusedSendPurgesOwnQueueAndItsFds) {
  SimKernel k;
  ProcId p = k.add_process();
  Outcome sp = k.socketpair(p, SockType::dgram, false, false);
  int a = sp.fds[0].fd, b = sp.fds[1].fd;
  Outcome pp = k.pipe(p);
  int r = pp.fds[0].fd, w = pp.fds[1].fd;
  ASSERT_EQ(k.fcntl(p, r, FcntlCmd::setfl, fl::nonblock).err, Errno::ok);
  EXPECT_EQ(k.sendmsg(p, b, data("toa", {w})).ret, 3);
  k.close(p, w);
  k.close(p, b);
  EXPECT_EQ(k.read(p, r, 16).err, Errno::eagain);  // the queued w keeps the pipe open
  Outcome e = k.sendmsg(p, a, data("x"));
  EXPECT_EQ(e.err, Errno::econnrefused);
  EXPECT_FALSE(e.sigpipe);
  EXPECT_EQ(k.recvmsg(p, a, space(64)).err, Errno::eagain);
  Outcome eof = k.read(p, r, 16);
  EXPECT_EQ(eof.err, Errno::ok);
  EXPECT_EQ(eof.ret, 0);
  EXPECT_EQ(k.sendmsg(p, a, data("x")).err, Errno::enotconn);
}

// Probe: without the send, the message from the dead peer is still read, then EAGAIN (no EOF).
TEST(SimDgram, MessagesFromAClosedPeerStayReadableWithoutEof) {
  SimKernel k;
  ProcId p = k.add_process();
  Outcome sp = k.socketpair(p, SockType::dgram, false, false);
  int a = sp.fds[0].fd, b = sp.fds[1].fd;
  k.sendmsg(p, b, data("toa"));
  k.sendmsg(p, a, data("tob"));
  k.close(p, b);
  Outcome m = k.recvmsg(p, a, space(64));
  EXPECT_EQ(m.ret, 3);
  EXPECT_EQ(m.data, "toa");
  EXPECT_EQ(k.recvmsg(p, a, space(64)).err, Errno::eagain);
  EXPECT_TRUE(k.recvmsg(p, a, space(64, 0)).blocked);
}

// Probe: 278 one-byte messages fit a socketpair (sndbuf 212992, truesize 768 each), whatever
// net.unix.max_dgram_qlen says; then EAGAIN; a read makes room for one more.
TEST(SimDgram, SocketpairQueueIsBoundBySndbufNotQlen) {
  for (SockType type : {SockType::dgram, SockType::seqpacket}) {
    SimKernel k;
    ProcId p = k.add_process();
    Outcome sp = k.socketpair(p, type, false, false);
    int a = sp.fds[0].fd, b = sp.fds[1].fd;
    SendArgs s = data("x");
    s.flags = msg::dontwait;
    int n = 0;
    while (k.sendmsg(p, a, s).ret == 1) ++n;
    EXPECT_EQ(n, 278);
    EXPECT_EQ(k.sendmsg(p, a, s).err, Errno::eagain);
    EXPECT_EQ(k.recvmsg(p, b, space(64)).ret, 1);
    EXPECT_EQ(k.sendmsg(p, a, s).ret, 1);
  }
}

}  // namespace fdlab::sim
