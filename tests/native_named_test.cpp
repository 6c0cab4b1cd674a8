// PosixKernel's named sockets, RLIMIT_NOFILE window and abstract-name tags, checked against
// what the host shows directly.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <string>

#include "native/posix_kernel.h"

namespace fdlab {
namespace {

rlim_t soft_nofile() {
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  return r.rlim_cur;
}

TEST(NativeNamed, AScenarioRlimitAppliesOnlyDuringItsOwnStepsAndIsRestored) {
  const rlim_t before = soft_nofile();
  PosixKernel k;
  ProcId p = k.add_process();
  ProcId q = k.add_process();
  ASSERT_EQ(k.setrlimit_nofile(p, 3).err, Errno::ok);
  EXPECT_EQ(soft_nofile(), before);
  EXPECT_EQ(k.open_temp(p).err, Errno::emfile);
  EXPECT_EQ(soft_nofile(), before);
  // Another scenario process is not limited.
  EXPECT_EQ(k.open_temp(q).err, Errno::ok);
  EXPECT_EQ(k.finish().leaked, 0);
  EXPECT_EQ(soft_nofile(), before);
}

TEST(NativeNamed, TheSameAbstractNameInTwoKernelsAtOnceDoesNotCollide) {
  PosixKernel k1, k2;
  ProcId p1 = k1.add_process(), p2 = k2.add_process();
  int s1 = k1.socket(p1, SockType::stream, false, false).fds.at(0).fd;
  int s2 = k2.socket(p2, SockType::stream, false, false).fds.at(0).fd;
  EXPECT_EQ(k1.bind(p1, s1, SockAddr{"same", true}).err, Errno::ok);
  EXPECT_EQ(k2.bind(p2, s2, SockAddr{"same", true}).err, Errno::ok);
  EXPECT_EQ(k1.finish().leaked, 0);
  EXPECT_EQ(k2.finish().leaked, 0);
}

TEST(NativeNamed, BoundSocketFilesAreRemovedAfterTheScenario) {
  PosixKernel k;
  ProcId p = k.add_process();
  int s = k.socket(p, SockType::stream, false, false).fds.at(0).fd;
  ASSERT_EQ(k.bind(p, s, SockAddr{std::string(108, 'n'), false}).err, Errno::ok);
  const Leftovers left = k.finish();
  EXPECT_EQ(left.leaked, 0) << left.detail;
}

TEST(NativeNamed, CredentialsOfAnyWorkerNameTheHarnessProcess) {
  PosixKernel k;
  ProcId p = k.add_process();
  Outcome pair = k.socketpair(p, SockType::stream, false, false);
  ASSERT_EQ(k.setsockopt(p, pair.fds[1].fd, SockOpt::passcred, 1).err, Errno::ok);
  SendArgs s;
  s.data = "x";
  ASSERT_EQ(k.sendmsg(p, pair.fds[0].fd, s).ret, 1);
  RecvArgs r;
  r.len = 4;
  r.has_control = true;
  r.control_len = 32;
  Outcome got = k.recvmsg(p, pair.fds[1].fd, r);
  EXPECT_TRUE(got.creds.present);
  EXPECT_EQ(got.creds.pid, CredPid::scenario);
  EXPECT_EQ(k.finish().leaked, 0);
}

}  // namespace
}  // namespace fdlab
