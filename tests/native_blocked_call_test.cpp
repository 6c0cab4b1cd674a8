// Knowing early that a call blocks (native/blocked_call.h): the reading of /proc, the judgement
// over looks, and the rule that a call which returns is never called blocked.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "native/blocked_call.h"
#include "native/posix_kernel.h"
#include "native/worker.h"

namespace fdlab::native {
namespace {

using std::chrono::milliseconds;

TEST(BlockedCall, ReadsTheStateAfterTheLastParenthesisOfComm) {
  EXPECT_EQ(parse_stat_state("123 (fdlab) S 1 2 3"), 'S');
  EXPECT_EQ(parse_stat_state("123 (a) b) R 1"), 'R');  // comm may hold ") "
  EXPECT_EQ(parse_stat_state("123 (x) D"), 'D');
  EXPECT_FALSE(parse_stat_state("123 fdlab S 1").has_value());
  EXPECT_FALSE(parse_stat_state("123 (x)").has_value());
  EXPECT_FALSE(parse_stat_state("123 (x) SS 1").has_value());
}

TEST(BlockedCall, ReadsTheSyscallNumberAndItsFirstArgument) {
  long nr = 0;
  std::uint64_t arg0 = 0;
  ASSERT_TRUE(
      parse_syscall_line("47 0x4 0x7ffd1c 0x0 0x0 0x0 0x0 0x7ffd1b00 0x7f00aa\n", nr, arg0));
  EXPECT_EQ(nr, 47);
  EXPECT_EQ(arg0, 4u);
  ASSERT_TRUE(parse_syscall_line("running\n", nr, arg0));
  EXPECT_EQ(nr, -1);
  // Blocked, but not in a syscall (proc_pid_syscall prints nr, sp and pc only).
  ASSERT_TRUE(parse_syscall_line("-1 0x7ffd1b00 0x7f00aa\n", nr, arg0));
  EXPECT_EQ(nr, -1);
  EXPECT_FALSE(parse_syscall_line("", nr, arg0));
  EXPECT_FALSE(parse_syscall_line("47", nr, arg0));
  EXPECT_FALSE(parse_syscall_line("x7 0x4 0x0", nr, arg0));
  EXPECT_FALSE(parse_syscall_line("47 4 0x0", nr, arg0));
}

TaskLook asleep(long nr, std::uint64_t fd, const char* sched, char state = 'S') {
  TaskLook l;
  l.ok = true;
  l.state = state;
  l.syscall = nr;
  l.arg0 = fd;
  l.sched = sched;
  return l;
}

const BlockingCall kRecvOn5{{SYS_recvmsg, -1}, 5};

TEST(BlockJudge, TheSameSleepInTheCallSeenTwiceIsBlocked) {
  BlockJudge j(kRecvOn5);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "10 2 3")), BlockJudge::Verdict::asleep_once);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "10 2 3")), BlockJudge::Verdict::blocked);
}

TEST(BlockJudge, AThreadThatRanBetweenTheLooksStartsAgain) {
  BlockJudge j(kRecvOn5);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "10 2 3")), BlockJudge::Verdict::asleep_once);
  // schedstat moved: it was woken and slept again, maybe on something that is coming.
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "12 2 4")), BlockJudge::Verdict::asleep_once);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "12 2 4")), BlockJudge::Verdict::blocked);
}

TEST(BlockJudge, OnlyAnInterruptibleSleepInTheCallOnItsFdCounts) {
  const TaskLook wrong[] = {
      asleep(SYS_recvmsg, 5, "1 1 1", 'D'),  // a lock or an allocation: it will go on
      asleep(SYS_recvmsg, 5, "1 1 1", 'R'),
      asleep(SYS_futex, 5, "1 1 1"),    // the worker waiting for its next job, or a mutex
      asleep(SYS_recvmsg, 6, "1 1 1"),  // another fd
      asleep(-1, 5, "1 1 1"),           // "running"
  };
  for (const TaskLook& w : wrong) {
    BlockJudge j(kRecvOn5);
    EXPECT_EQ(j.see(w), BlockJudge::Verdict::not_asleep);
    EXPECT_EQ(j.see(w), BlockJudge::Verdict::not_asleep);
  }
  TaskLook unread = asleep(SYS_recvmsg, 5, "1 1 1");
  unread.ok = false;
  BlockJudge j(kRecvOn5);
  EXPECT_EQ(j.see(unread), BlockJudge::Verdict::not_asleep);
}

TEST(BlockJudge, ALookOutsideTheCallForgetsTheFirstLook) {
  BlockJudge j(kRecvOn5);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "1 1 1")), BlockJudge::Verdict::asleep_once);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "1 1 1", 'R')), BlockJudge::Verdict::not_asleep);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "1 1 1")), BlockJudge::Verdict::asleep_once);
}

TEST(BlockJudge, AnOpWithoutABlockingCallIsNeverJudged) {
  BlockJudge j(BlockingCall{});
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "1 1 1")), BlockJudge::Verdict::not_asleep);
  EXPECT_EQ(j.see(asleep(SYS_recvmsg, 5, "1 1 1")), BlockJudge::Verdict::not_asleep);
}

TEST(BlockedCall, LooksAtAThreadAsleepInRead) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::atomic<pid_t> tid{0};
  std::thread reader([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    char c;
    EXPECT_EQ(::read(p[0], &c, 1), 1);
  });
  while (tid == 0) std::this_thread::yield();
  TaskLook look;
  for (int i = 0; i < 10000; ++i) {  // until it has got into read
    look = look_at_task(tid);
    if (look.ok && look.state == 'S' && look.syscall == SYS_read) break;
    std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_TRUE(look.ok);
  EXPECT_EQ(look.state, 'S');
  EXPECT_EQ(look.syscall, SYS_read);
  EXPECT_EQ(look.arg0, static_cast<std::uint64_t>(p[0]));
  EXPECT_FALSE(look.sched.empty());
  ASSERT_EQ(::write(p[1], "x", 1), 1);
  reader.join();
  ::close(p[0]);
  ::close(p[1]);
}

// Worker-level: a job that sleeps and then returns is never called blocked, whatever it
// sleeps in, as long as it is not the call the check names on its fd.
TEST(BlockedCall, AJobThatSleepsOutsideTheNamedCallIsWaitedFor) {
  Worker w(SpinPolicy{});
  int p[2];
  bool ok = false;
  const BlockCheck read_on_0{{{SYS_read, -1}, 0}, nullptr, nullptr};
  // Asleep in poll for 30 ms, then done.
  ASSERT_TRUE(w.run(
      [&] {
        pollfd none{-1, 0, 0};
        ok = ::poll(&none, 1, 30) == 0;
      },
      std::chrono::milliseconds(60'000), &read_on_0));
  EXPECT_TRUE(ok);
  EXPECT_EQ(w.last_block(), Worker::BlockFound::none);
  // Asleep in read for a while, but on another fd than the one named: woken by another thread.
  ASSERT_EQ(::pipe(p), 0);
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(30));
    EXPECT_EQ(::write(p[1], "x", 1), 1);
  });
  // The worker's table is its own: it opens the read end through the harness's table in /proc.
  const std::string path = "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(p[0]);
  ASSERT_TRUE(w.run(
      [&] {
        const int mine = ::open(path.c_str(), O_RDONLY);
        char c;
        ok = mine > 0 && ::read(mine, &c, 1) == 1;
        ::close(mine);
      },
      std::chrono::milliseconds(60'000), &read_on_0));
  EXPECT_TRUE(ok);
  EXPECT_EQ(w.last_block(), Worker::BlockFound::none);
  writer.join();
  ::close(p[0]);
  ::close(p[1]);
}

// Through the backend: with a watchdog far away, each blocking op is still seen blocked.
PosixKernel::Options far_watchdog() {
  PosixKernel::Options o;
  o.block_timeout = milliseconds(60'000);
  return o;
}

TEST(BlockedCall, ARecvOnAnEmptySocketIsSeenBlockedWithoutTheWatchdog) {
  PosixKernel k(far_watchdog());
  ProcId p = k.add_process();
  k.socketpair(p, SockType::stream, false, false);  // 3, 4
  RecvArgs r;
  r.len = 4;
  EXPECT_TRUE(k.recvmsg(p, 4, r).blocked);
  EXPECT_EQ(k.last_block(p), Worker::BlockFound::seen);
  EXPECT_EQ(k.read(p, 3, 4).blocked, true);
  EXPECT_EQ(k.last_block(p), Worker::BlockFound::seen);
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(BlockedCall, AfterASocketWasSentTheCollectorIsWaitedForFirst) {
  PosixKernel k(far_watchdog());
  ProcId p = k.add_process();
  k.socketpair(p, SockType::stream, false, false);  // 3, 4
  SendArgs s;
  s.data = "x";
  s.fds = {3};  // a socket in flight: a cycle the collector may free could wake a call
  ASSERT_EQ(k.sendmsg(p, 3, s).ret, 1);
  RecvArgs r;
  r.len = 4;
  EXPECT_TRUE(k.recvmsg(p, 3, r).blocked);  // 3's own queue is empty
  EXPECT_EQ(k.last_block(p), Worker::BlockFound::seen);
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(BlockedCall, AcceptConnectAndAFullSendAreSeenBlocked) {
  PosixKernel k(far_watchdog());
  ProcId p = k.add_process();
  const int l = k.socket(p, SockType::stream, false, false).fds[0].fd;
  SockAddr a;
  a.name = "srv";
  ASSERT_EQ(k.bind(p, l, a).ret, 0);
  ASSERT_EQ(k.listen(p, l, 0).ret, 0);
  EXPECT_TRUE(k.accept(p, l, false, false).blocked);
  EXPECT_EQ(k.last_block(p), Worker::BlockFound::seen);
  // Backlog 0 holds one connection; the next connect waits for room (unix_wait_for_peer).
  const int c1 = k.socket(p, SockType::stream, false, false).fds[0].fd;
  const int c2 = k.socket(p, SockType::stream, false, false).fds[0].fd;
  ASSERT_EQ(k.connect(p, c1, a).ret, 0);
  EXPECT_TRUE(k.connect(p, c2, a).blocked);
  EXPECT_EQ(k.last_block(p), Worker::BlockFound::seen);
  // A stream send past the peer's room waits for the reader (sock_alloc_send_pskb).
  const int sender = k.socketpair(p, SockType::stream, false, false).fds[0].fd;
  SendArgs big;
  big.data.assign(8 << 20, 'x');
  EXPECT_TRUE(k.sendmsg(p, sender, big).blocked);
  EXPECT_EQ(k.last_block(p), Worker::BlockFound::seen);
  EXPECT_EQ(k.finish().leaked, 0);
}

}  // namespace
}  // namespace fdlab::native
