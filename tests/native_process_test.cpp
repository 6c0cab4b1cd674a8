// What a native scenario process is made of, checked on the host directly: its own /dev/null at
// 0, 1, 2; nothing of the harness in its table (give goes through pidfd_getfd); numbering up to
// RLIMIT_NOFILE under a low harness limit; abstract-name tags that differ between PID
// namespaces; and a clear error, not a false leak, when /proc cannot show its fds.
#include <dirent.h>
#include <gtest/gtest.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <set>
#include <string>

#include "core/harness_error.h"
#include "native/posix_kernel.h"
#include "tests/native_fds.h"

namespace fdlab {
namespace {

using testing::fds_of;

std::string target_of(pid_t tid, int fd) {
  std::string link = "/proc/self/task/" + std::to_string(tid) + "/fd/" + std::to_string(fd);
  char buf[256];
  ssize_t n = readlink(link.c_str(), buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
}

long kcmp_file(pid_t t1, int fd1, pid_t t2, int fd2) {
  return syscall(SYS_kcmp, t1, t2, KCMP_FILE, fd1, fd2);
}

// Lowers this process's soft RLIMIT_NOFILE for one test and puts it back.
class SoftNofile {
 public:
  explicit SoftNofile(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit low{soft, saved_.rlim_max};
    ok_ = setrlimit(RLIMIT_NOFILE, &low) == 0;
  }
  ~SoftNofile() { setrlimit(RLIMIT_NOFILE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

TEST(NativeProcess, StdioIsOneOpenOfDevNullPerProcessNotTheHarnesss) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  const pid_t tp = k.tid(p), tq = k.tid(q), self = static_cast<pid_t>(gettid());
  for (int fd = 0; fd <= 2; ++fd) EXPECT_EQ(target_of(tp, fd), "/dev/null") << fd;
  // One open file description at 0, 1 and 2, like a terminal session's.
  EXPECT_EQ(kcmp_file(tp, 0, tp, 1), 0);
  EXPECT_EQ(kcmp_file(tp, 0, tp, 2), 0);
  // Not the harness's stdin (whatever it is, or EBADF if it has none), not q's.
  EXPECT_NE(kcmp_file(tp, 0, self, 0), 0);
  EXPECT_NE(kcmp_file(tp, 1, self, 1), 0);
  EXPECT_NE(kcmp_file(tp, 0, tq, 0), 0);
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(NativeProcess, ATableHoldsOnlyWhatTheScenarioOpenedGiveIncluded) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  EXPECT_EQ(fds_of(k.tid(p)), (std::set<int>{0, 1, 2}));
  Outcome s = k.socketpair(p, SockType::stream, true, true);  // 3, 4
  Outcome g = k.give(p, 4, q);
  ASSERT_EQ(g.ret, 3);
  EXPECT_EQ(fds_of(k.tid(p)), (std::set<int>{0, 1, 2, 3}));
  EXPECT_EQ(fds_of(k.tid(q)), (std::set<int>{0, 1, 2, 3}));
  // What give delivered is the end asked for, FD_CLOEXEC clear as for an SCM_RIGHTS receive
  // without MSG_CMSG_CLOEXEC (pidfd_getfd itself would have set it).
  EXPECT_EQ(g.fds.at(0).object, s.fds[1].object);
  EXPECT_FALSE(g.fds[0].cloexec);
  EXPECT_EQ(k.fcntl(q, 3, FcntlCmd::getfd, 0).ret, 0);
  EXPECT_EQ(k.fcntl(q, 3, FcntlCmd::getfl, 0).ret, fl::rdwr | fl::nonblock);
  EXPECT_EQ(k.close(p, 900).err, Errno::ebadf);
  EXPECT_EQ(k.close(q, 901).err, Errno::ebadf);
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(NativeProcess, NumbersRunUpToALowHarnessLimitAndGiveStillWorks) {
  // `ulimit -n 64`: the old give channel could not even be placed (F_DUPFD_CLOEXEC at 900).
  SoftNofile limit(64);
  ASSERT_TRUE(limit.ok());
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  Outcome s = k.socketpair(q, SockType::stream, false, false);  // q: 3, 4
  int last = 2;
  while (last < 62) last = static_cast<int>(k.open_temp(p).ret);
  ASSERT_EQ(last, 62);
  // One number left below the limit: give lands there (the harness borrows room above it for
  // its pidfd for the length of the job).
  Outcome g = k.give(q, 4, p);
  EXPECT_EQ(g.err, Errno::ok);
  EXPECT_EQ(g.ret, 63);
  EXPECT_EQ(g.fds.at(0).object, s.fds[1].object);
  EXPECT_EQ(k.open_temp(p).err, Errno::emfile);
  EXPECT_EQ(k.give(q, 3, p).err, Errno::emfile);
  EXPECT_EQ(k.fcntl(q, 3, FcntlCmd::getfd, 0).err, Errno::ok);  // the giver keeps it
  EXPECT_EQ(k.give(q, 40, p).err, Errno::ebadf);                // EBADF before EMFILE, as the sim
  EXPECT_EQ(k.finish().leaked, 0);
}

TEST(NativeProcess, GiveOfAnFdTheGiverDoesNotHoldIsEbadfEvenIntoAFullProcess) {
  PosixKernel k;
  ProcId p = k.add_process(), q = k.add_process();
  ASSERT_EQ(k.setrlimit_nofile(q, 3).err, Errno::ok);
  EXPECT_EQ(k.give(p, 50, q).err, Errno::ebadf);
  int f = k.open_temp(p).fds.at(0).fd;
  EXPECT_EQ(k.give(p, f, q).err, Errno::emfile);
  EXPECT_EQ(k.close(p, f).err, Errno::ok);
  EXPECT_EQ(k.finish().leaked, 0);
}

// Runs body in a child that is pid 1 of a new PID namespace (with its own mount namespace, so
// body may mount over /proc). Returns the child's exit status, or -1 when this host does not
// let us create the namespaces (the test then skips).
int in_new_pid_namespace(const std::function<int()>& body) {
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | SIGCHLD;
  if (geteuid() != 0) flags |= CLONE_NEWUSER;
  std::fflush(nullptr);
  long pid = syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0);
  if (pid < 0) return -1;
  if (pid == 0) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(90);
    int rc = 91;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
    }
    std::fflush(nullptr);
    _exit(rc);
  }
  int status = 0;
  if (waitpid(static_cast<pid_t>(pid), &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int mount_own_proc() { return mount("proc", "/proc", "proc", 0, nullptr); }

TEST(NativeProcess, AbstractNamesOfRunsInTwoPidNamespacesDoNotCollide) {
  // Two harnesses, each pid 1 of its own PID namespace, share the abstract namespace (one
  // network namespace). Each binds the same scenario name and holds it until both have.
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  auto run = [&] {
    return in_new_pid_namespace([&] {
      if (mount_own_proc() != 0) return 92;
      PosixKernel k;
      ProcId p = k.add_process();
      int s = static_cast<int>(k.socket(p, SockType::stream, false, false).ret);
      Outcome b = k.bind(p, s, SockAddr{"same-name", true});
      char c = b.err == Errno::ok ? 'y' : 'n';
      if (write(ready[1], &c, 1) != 1) return 93;
      if (read(release[0], &c, 1) < 0) return 94;  // EOF once the parent has both answers
      return k.finish().leaked == 0 ? 0 : 95;
    });
  };
  // Two children at once: each in_new_pid_namespace blocks in waitpid, so fork the waiters.
  pid_t waiters[2];
  for (pid_t& w : waiters) {
    w = fork();
    ASSERT_GE(w, 0);
    if (w == 0) {
      // Only the parent may hold release's write end, or the children never see its EOF.
      close(release[1]);
      close(ready[0]);
      _exit(run());
    }
  }
  close(ready[1]);
  close(release[0]);
  std::string answers;
  char c;
  while (answers.size() < 2 && read(ready[0], &c, 1) == 1) answers += c;
  close(release[1]);
  int codes[2];
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    waitpid(waiters[i], &status, 0);
    codes[i] = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  close(ready[0]);
  if (codes[0] == 255 && codes[1] == 255) GTEST_SKIP() << "cannot create PID namespaces here";
  EXPECT_EQ(answers, "yy") << "the second harness's bind was refused (EADDRINUSE): same tag";
  EXPECT_EQ(codes[0], 0);
  EXPECT_EQ(codes[1], 0);
}

// The message the child saw from add_process, or "" when it did not throw.
std::string add_process_error() {
  try {
    PosixKernel k;
    k.add_process();
    k.finish();
  } catch (const HarnessError& e) {
    return e.what();
  }
  return "";
}

int expect_proc_error(const char* also) {
  const std::string what = add_process_error();
  std::fprintf(stderr, "child saw: %s\n", what.empty() ? "(no error)" : what.c_str());
  if (what.find("/proc/self/task/<tid>/fd") == std::string::npos) return 1;
  if (what.find(also) == std::string::npos) return 2;
  return 0;
}

TEST(NativeProcess, WithoutProcTheErrorSaysWhatIsMissingInsteadOfALeak) {
  int rc = in_new_pid_namespace([] {
    if (mount("none", "/proc", "tmpfs", 0, nullptr) != 0) return 92;
    return expect_proc_error("/proc/thread-self");
  });
  if (rc < 0) GTEST_SKIP() << "cannot create PID and mount namespaces here";
  EXPECT_EQ(rc, 0);
}

TEST(NativeProcess, WithTheProcOfAnotherPidNamespaceTheErrorSaysSo) {
  // The child keeps the parent's /proc: its own tids mean other tasks there, or none.
  int rc = in_new_pid_namespace([] { return expect_proc_error("another PID namespace"); });
  if (rc < 0) GTEST_SKIP() << "cannot create PID and mount namespaces here";
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace fdlab
