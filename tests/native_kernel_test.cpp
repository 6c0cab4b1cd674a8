// The native backend checked against what Linux documents, on the real kernel. Expectations
// come from the man pages and kernel sources cited per test, never from the backend's output.
#include <dirent.h>
#include <gtest/gtest.h>
#include <linux/kcmp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>

#include "native/posix_kernel.h"
#include "tests/native_fds.h"

namespace fdlab {
namespace {

using testing::fds_of;

int count_entries(const char* dir) {
  int n = 0;
  if (DIR* d = opendir(dir)) {
    while (const dirent* e = readdir(d))
      if (e->d_name[0] != '.') ++n;
    closedir(d);
  }
  return n;
}

// A joined thread can stay listed in /proc for a moment while the kernel reaps it.
int settled_thread_count(int want) {
  int n = count_entries("/proc/self/task");
  for (int i = 0; i < 200 && n != want; ++i) {
    usleep(5000);
    n = count_entries("/proc/self/task");
  }
  return n;
}

SendArgs with_fds(std::string data, std::vector<int> fds, std::uint32_t flags = 0) {
  SendArgs a;
  a.data = std::move(data);
  a.fds = std::move(fds);
  a.flags = flags;
  return a;
}

RecvArgs room_for(std::size_t len, std::size_t control_len, std::uint32_t flags = 0) {
  RecvArgs a;
  a.len = len;
  a.has_control = true;
  a.control_len = control_len;
  a.flags = flags;
  return a;
}

// Short, so the blocking tests do not dominate the run.
PosixKernel::Options quick() {
  PosixKernel::Options o;
  o.block_timeout = std::chrono::milliseconds(50);
  return o;
}

TEST(NativeKernel, EachProcessHasItsOwnTableStartingWithOnlyStdio) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  // Only 0, 1, 2: nothing of the harness, at any number (tests/native_process_test.cpp).
  for (ProcId id : {p, q}) EXPECT_EQ(fds_of(k.tid(id)), (std::set<int>{0, 1, 2}));
  // POSIX: the lowest-numbered unused descriptor, per process.
  EXPECT_EQ(k.socketpair(p, SockType::stream, false, false).fds[0].fd, 3);
  EXPECT_EQ(k.socketpair(q, SockType::stream, false, false).fds[0].fd, 3);
}

TEST(NativeKernel, ClosedNumbersAreReusedLowestFirst) {
  PosixKernel k;
  ProcId p = k.add_process();
  k.socketpair(p, SockType::stream, false, false);  // 3, 4
  k.open_temp(p);                                   // 5
  EXPECT_EQ(k.close(p, 4).ret, 0);
  Outcome pipe = k.pipe(p);
  ASSERT_EQ(pipe.fds.size(), 2u);
  EXPECT_EQ(pipe.fds[0].fd, 4);
  EXPECT_EQ(pipe.fds[1].fd, 6);
}

TEST(NativeKernel, ObjectIdsFollowCreationOrder) {
  PosixKernel k;
  ProcId p = k.add_process();
  Outcome s = k.socketpair(p, SockType::seqpacket, false, true);
  Outcome pp = k.pipe(p);
  Outcome f = k.open_temp(p);
  EXPECT_EQ(s.fds[0].object, 1);
  EXPECT_EQ(s.fds[1].object, 2);
  EXPECT_TRUE(s.fds[0].cloexec);
  EXPECT_EQ(pp.fds[0].object, 3);
  EXPECT_EQ(pp.fds[1].object, 4);
  EXPECT_EQ(f.fds[0].object, 5);
  EXPECT_FALSE(f.fds[0].cloexec);
}

TEST(NativeKernel, ReceivedFdsReportTheSendersObjectsAfterTheSenderClosedThem) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  Outcome s = k.socketpair(p, SockType::stream, false, false);  // 3, 4
  ASSERT_EQ(k.give(p, 4, q).ret, 3);
  Outcome f1 = k.open_temp(p), f2 = k.open_temp(p);  // 4, 5
  // Different offsets let the receiver tell the descriptions apart without the backend.
  k.write(p, f1.fds[0].fd, "one");
  k.write(p, f2.fds[0].fd, "seven");
  ASSERT_EQ(k.sendmsg(p, 3, with_fds("x", {f2.fds[0].fd, f1.fds[0].fd})).ret, 1);
  k.close(p, f1.fds[0].fd);
  k.close(p, f2.fds[0].fd);
  Outcome r = k.recvmsg(q, 3, room_for(8, CMSG_SPACE(2 * sizeof(int))));
  ASSERT_EQ(r.ret, 1);
  ASSERT_EQ(r.fds.size(), 2u);
  // unix(7): received fds are new numbers, lowest free first, for the same descriptions.
  EXPECT_EQ(r.fds[0].fd, 4);
  EXPECT_EQ(r.fds[1].fd, 5);
  EXPECT_EQ(r.fds[0].object, f2.fds[0].object);
  EXPECT_EQ(r.fds[1].object, f1.fds[0].object);
  // open(2): the offset belongs to the description, so it came along.
  EXPECT_EQ(k.lseek(q, 4, 0, Whence::cur).ret, 5);
  EXPECT_EQ(k.lseek(q, 5, 0, Whence::cur).ret, 3);
  EXPECT_EQ(r.msg_flags, 0u);
}

TEST(NativeKernel, ReceivedFdWhoseSenderStillHoldsItIsConfirmedByKcmp) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  k.socketpair(p, SockType::dgram, false, false);
  k.give(p, 4, q);
  Outcome pp = k.pipe(p);  // 4, 5: one inode, two descriptions
  ASSERT_EQ(k.sendmsg(p, 3, with_fds("", {pp.fds[1].fd, pp.fds[0].fd})).ret, 0);
  Outcome r = k.recvmsg(q, 3, room_for(8, CMSG_SPACE(2 * sizeof(int))));
  ASSERT_EQ(r.fds.size(), 2u);
  EXPECT_EQ(r.fds[0].object, pp.fds[1].object);
  EXPECT_EQ(r.fds[1].object, pp.fds[0].object);
  long same = syscall(SYS_kcmp, k.tid(q), k.tid(p), KCMP_FILE, r.fds[0].fd, pp.fds[1].fd);
  EXPECT_EQ(same, 0);
}

TEST(NativeKernel, DupReportsTheSameObjectAtTheLowestFreeNumber) {
  PosixKernel k;
  ProcId p = k.add_process();
  Outcome f = k.open_temp(p);
  k.close(p, 0);
  Outcome d = k.dup(p, f.fds[0].fd);
  EXPECT_EQ(d.ret, 0);
  ASSERT_EQ(d.fds.size(), 1u);
  EXPECT_EQ(d.fds[0].object, f.fds[0].object);
  EXPECT_FALSE(d.fds[0].cloexec);  // dup(2): the new fd's FD_CLOEXEC is off
}

TEST(NativeKernel, GiveMovesTheFdToTheLowestFreeNumberOfTheOtherProcess) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  Outcome s = k.socketpair(p, SockType::stream, false, true);
  k.close(q, 1);
  Outcome g = k.give(p, 4, q);
  EXPECT_EQ(g.ret, 1);
  ASSERT_EQ(g.fds.size(), 1u);
  EXPECT_EQ(g.fds[0].fd, 1);
  EXPECT_EQ(g.fds[0].object, s.fds[1].object);
  EXPECT_EQ(k.fcntl(p, 4, FcntlCmd::getfd, 0).err, Errno::ebadf);
  EXPECT_EQ(k.sendmsg(p, 3, with_fds("hi", {})).ret, 2);
  EXPECT_EQ(k.read(q, 1, 8).data, "hi");
  EXPECT_EQ(k.give(p, 42, q).err, Errno::ebadf);
}

TEST(NativeKernel, ARecvOnAnEmptySocketIsReportedBlockedAndTheProcessStaysUsable) {
  PosixKernel k(quick());
  ProcId p = k.add_process();
  k.socketpair(p, SockType::stream, false, false);
  auto start = std::chrono::steady_clock::now();
  Outcome b = k.recvmsg(p, 4, room_for(4, 0));
  EXPECT_TRUE(b.blocked);
  EXPECT_EQ(b.err, Errno::ok);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(k.sendmsg(p, 3, with_fds("ok", {})).ret, 2);
  Outcome r = k.recvmsg(p, 4, room_for(4, 0));
  EXPECT_FALSE(r.blocked);
  EXPECT_EQ(r.data, "ok");
  // MSG_DONTWAIT on the empty socket is an error, not a block (recv(2)).
  EXPECT_EQ(k.recvmsg(p, 4, room_for(4, 0, msg::dontwait)).err, Errno::eagain);
}

TEST(NativeKernel, WritingToAClosedPeerReportsEpipeAndSigpipeUnlessNosignal) {
  PosixKernel k;
  ProcId p = k.add_process();
  k.socketpair(p, SockType::stream, false, false);
  k.close(p, 4);
  Outcome a = k.sendmsg(p, 3, with_fds("x", {}));
  EXPECT_EQ(a.err, Errno::epipe);
  EXPECT_TRUE(a.sigpipe);
  Outcome b = k.sendmsg(p, 3, with_fds("x", {}, msg::nosignal));
  EXPECT_EQ(b.err, Errno::epipe);
  EXPECT_FALSE(b.sigpipe);
  // pipe(7): writing to a pipe with no reader raises SIGPIPE too.
  Outcome pp = k.pipe(p);
  k.close(p, pp.fds[0].fd);
  Outcome w = k.write(p, pp.fds[1].fd, "x");
  EXPECT_EQ(w.err, Errno::epipe);
  EXPECT_TRUE(w.sigpipe);
}

TEST(NativeKernel, ShortControlSpaceDeliversTheFdsThatFitAndSetsCtrunc) {
  PosixKernel k;
  ProcId p = k.add_process();
  k.socketpair(p, SockType::stream, false, false);  // 3, 4
  Outcome f = k.open_temp(p);                       // 5
  ASSERT_EQ(k.sendmsg(p, 3, with_fds("abc", {5, 5, 5})).ret, 3);
  // CMSG_SPACE(sizeof(int)) is 24 bytes on x86-64: CMSG_LEN(2 * 4) = 24 fits two fds.
  Outcome r = k.recvmsg(p, 4, room_for(8, CMSG_SPACE(sizeof(int))));
  EXPECT_EQ(r.data, "abc");
  ASSERT_EQ(r.fds.size(), 2u);
  EXPECT_EQ(r.fds[0].object, f.fds[0].object);
  EXPECT_EQ(r.msg_flags, msg::ctrunc);
  // No control buffer at all: the fds are discarded, and MSG_CTRUNC says so (scm_recv).
  ASSERT_EQ(k.sendmsg(p, 3, with_fds("d", {5})).ret, 1);
  RecvArgs none;
  none.len = 8;
  Outcome n = k.recvmsg(p, 4, none);
  EXPECT_EQ(n.data, "d");
  EXPECT_TRUE(n.fds.empty());
  EXPECT_EQ(n.msg_flags, msg::ctrunc);
}

TEST(NativeKernel, CmsgCloexecSetsCloexecAndTheSendersFlagDoesNotTravel) {
  PosixKernel k;
  ProcId p = k.add_process();
  k.socketpair(p, SockType::seqpacket, false, false);  // 3, 4
  Outcome f = k.open_temp(p);                          // 5
  k.fcntl(p, 5, FcntlCmd::setfd, 1);
  EXPECT_EQ(k.fcntl(p, 5, FcntlCmd::getfd, 0).ret, 1);
  k.sendmsg(p, 3, with_fds("a", {5}));
  k.sendmsg(p, 3, with_fds("b", {5}));
  Outcome plain = k.recvmsg(p, 4, room_for(1, CMSG_SPACE(sizeof(int))));
  Outcome cloexec = k.recvmsg(p, 4, room_for(1, CMSG_SPACE(sizeof(int)), msg::cmsg_cloexec));
  ASSERT_EQ(plain.fds.size(), 1u);
  ASSERT_EQ(cloexec.fds.size(), 1u);
  EXPECT_FALSE(plain.fds[0].cloexec);
  EXPECT_TRUE(cloexec.fds[0].cloexec);
  EXPECT_EQ(k.fcntl(p, 4, FcntlCmd::getfl, 0).ret, fl::rdwr);
  EXPECT_EQ(k.fcntl(p, 4, FcntlCmd::setfl, fl::nonblock).ret, 0);
  EXPECT_EQ(k.fcntl(p, 4, FcntlCmd::getfl, 0).ret, fl::rdwr | fl::nonblock);
}

// The backend no longer reads FD_CLOEXEC back from a received fd: it knows it from the
// recvmsg's MSG_CMSG_CLOEXEC (scm_detach_fds). F_GETFD afterwards must agree, for every way an
// SCM_RIGHTS fd arrives: plain, with the flag, peeked, and from a sender whose fd has it set.
TEST(NativeKernel, TheReportedCloexecOfAReceivedFdIsWhatFGetfdSays) {
  PosixKernel k;
  ProcId p = k.add_process();
  k.socketpair(p, SockType::stream, false, false);  // 3, 4
  Outcome f = k.open_temp(p);                       // 5
  k.fcntl(p, 5, FcntlCmd::setfd, 1);                // the sender's FD_CLOEXEC does not travel
  const std::uint32_t ways[] = {0, msg::cmsg_cloexec, msg::peek | msg::cmsg_cloexec, msg::peek};
  for (std::uint32_t flags : ways) {
    ASSERT_EQ(k.sendmsg(p, 3, with_fds("a", {5, 5})).ret, 1);
    Outcome r = k.recvmsg(p, 4, room_for(1, CMSG_SPACE(2 * sizeof(int)), flags));
    ASSERT_EQ(r.fds.size(), 2u) << flags;
    for (const auto& got : r.fds) {
      EXPECT_EQ(got.object, f.fds[0].object);
      EXPECT_EQ(got.cloexec, (flags & msg::cmsg_cloexec) != 0) << flags;
      EXPECT_EQ(k.fcntl(p, got.fd, FcntlCmd::getfd, 0).ret, got.cloexec ? 1 : 0) << flags;
      k.close(p, got.fd);
    }
    if (flags & msg::peek) {  // take the peeked segment, and the fds it installs again
      Outcome again = k.recvmsg(p, 4, room_for(1, CMSG_SPACE(2 * sizeof(int))));
      ASSERT_EQ(again.fds.size(), 2u);
      for (const auto& got : again.fds) k.close(p, got.fd);
    }
  }
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(NativeKernel, HostErrorsComeBackAsSymbolicErrnos) {
  PosixKernel k;
  ProcId p = k.add_process();
  Outcome pp = k.pipe(p);
  EXPECT_EQ(k.close(p, 77).err, Errno::ebadf);
  EXPECT_EQ(k.close(p, 77).ret, -1);
  EXPECT_EQ(k.sendmsg(p, pp.fds[1].fd, with_fds("x", {})).err, Errno::enotsock);
  EXPECT_EQ(k.lseek(p, pp.fds[0].fd, 0, Whence::set).err, Errno::espipe);
  std::vector<int> many(254, pp.fds[0].fd);  // SCM_MAX_FD is 253
  k.socketpair(p, SockType::stream, false, false);
  EXPECT_EQ(k.sendmsg(p, 5, with_fds("x", many)).err, Errno::einval);
}

TEST(NativeKernel, FinishLeavesNoFdThreadOrFileBehindAcrossManyLifetimes) {
  const int fds_before = count_entries("/proc/self/fd");
  const int threads_before = settled_thread_count(1);
  for (int round = 0; round < 40; ++round) {
    PosixKernel k(quick());
    ProcId p = k.add_process(), q = k.add_process();
    k.socketpair(p, SockType::stream, false, false);
    k.give(p, 4, q);
    Outcome f = k.open_temp(p);
    k.sendmsg(p, 3, with_fds("in flight", {f.fds[0].fd}));  // never received
    if (round % 10 == 0) {
      EXPECT_TRUE(k.recvmsg(p, 3, room_for(1, 0)).blocked);
    }
    Leftovers left = k.finish();
    EXPECT_EQ(left.leaked, 0) << left.detail;
    EXPECT_EQ(left.open_fds, 3);  // p: 3 and the temp file at 4; q: the given socket
  }
  EXPECT_EQ(count_entries("/proc/self/fd"), fds_before);
  EXPECT_EQ(settled_thread_count(threads_before), threads_before);
}

}  // namespace
}  // namespace fdlab
