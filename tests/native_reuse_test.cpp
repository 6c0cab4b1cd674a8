// A PosixKernel keeps the workers of a finished scenario for the next one (native/worker.h,
// reset()). Reuse must not be visible to a scenario: the next one starts with what a new worker
// has, whatever the last one did to its stdio, cwd or table; and a worker whose ids were
// changed is not reused at all.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <set>
#include <string>

#include "native/posix_kernel.h"
#include "tests/native_fds.h"

namespace fdlab {
namespace {

using testing::fds_of;

std::string link_of(const std::string& path) {
  char buf[4096];
  const ssize_t n = readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
}

std::string target_of(pid_t tid, int fd) {
  return link_of("/proc/self/task/" + std::to_string(tid) + "/fd/" + std::to_string(fd));
}

std::string cwd_of(pid_t tid) { return link_of("/proc/self/task/" + std::to_string(tid) + "/cwd"); }

TEST(NativeReuse, ANewScenarioGetsTheWorkersOfTheLastOneMadeAfresh) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  const pid_t tp = k.tid(p), tq = k.tid(q);
  const std::string start_cwd = cwd_of(tp);
  // Everything a scenario can do to a process's table and fs_struct.
  ASSERT_EQ(k.close(p, 0).ret, 0);
  ASSERT_EQ(k.open_temp(p).ret, 0);  // a regular file at fd 0
  ASSERT_EQ(k.fcntl(p, 1, FcntlCmd::setfl, fl::nonblock).ret, 0);
  ASSERT_EQ(k.close(p, 2).ret, 0);
  Outcome s = k.socket(q, SockType::stream, false, false);
  ASSERT_GE(s.ret, 3);
  ASSERT_EQ(k.bind(q, static_cast<int>(s.ret), SockAddr{"reuse.sock", false}).ret, 0);
  EXPECT_NE(cwd_of(tq), start_cwd);  // q works in the scenario's directory
  const Leftovers left = k.finish();
  EXPECT_EQ(left.leaked, 0) << left.detail;
  EXPECT_EQ(left.open_fds, 1);  // q's socket (p's temporary file took fd 0)

  ProcId a = k.add_process(), b = k.add_process();
  EXPECT_EQ(std::set<pid_t>({k.tid(a), k.tid(b)}), std::set<pid_t>({tp, tq}));  // reused
  for (ProcId x : {a, b}) {
    const pid_t t = k.tid(x);
    EXPECT_EQ(fds_of(t), (std::set<int>{0, 1, 2})) << x;
    for (int fd = 0; fd <= 2; ++fd) EXPECT_EQ(target_of(t, fd), "/dev/null") << x << " " << fd;
    EXPECT_EQ(syscall(SYS_kcmp, t, t, KCMP_FILE, 0, 1), 0);
    EXPECT_EQ(syscall(SYS_kcmp, t, t, KCMP_FILE, 0, 2), 0);
    EXPECT_EQ(k.fcntl(x, 1, FcntlCmd::getfl, 0).ret, fl::rdwr) << x;  // O_NONBLOCK gone
    EXPECT_EQ(cwd_of(t), start_cwd) << x;
    // Numbering starts at 3 again.
    EXPECT_EQ(k.pipe(x).fds.at(0).fd, 3) << x;
  }
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(NativeReuse, AWorkerWhoseIdsChangedIsNotReused) {
  if (geteuid() != 0) GTEST_SKIP() << "set_ids needs root";
  PosixKernel k;
  ProcId p = k.add_process();
  const pid_t tp = k.tid(p);
  Call c;
  c.op = OpKind::set_ids;
  c.value = 65534;  // uid
  c.gid = 65534;
  ASSERT_EQ(k.call(p, c).ret, 0);
  EXPECT_EQ(k.finish().leaked, 0);
  ProcId a = k.add_process();
  EXPECT_NE(k.tid(a), tp);
  EXPECT_EQ(k.finish().leaked, 0);
}

}  // namespace
}  // namespace fdlab
