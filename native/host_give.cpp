// `give` without any harness fd in a scenario's table: the receiving worker takes the giver's
// file straight out of the giver's table with pidfd_getfd(2), through a pidfd of the giver's
// thread that exists only inside this job (docs/decisions.md, "The give path").
//
// Where the new fd lands must be what an SCM_RIGHTS receive would give: the lowest free number
// below the receiver's RLIMIT_NOFILE, FD_CLOEXEC clear, EMFILE at the limit. pidfd_getfd
// installs at the lowest free number, but the pidfd already holds that number, and it always
// sets FD_CLOEXEC (kernel/pid.c: pidfd_getfd, receive_fd(file, NULL, O_CLOEXEC)). So:
//   1. pidfd_open(giver's tid, PIDFD_THREAD)  -> L, the lowest free number;
//   2. pidfd_getfd(pidfd, fd)                 -> the file at the next free number;
//   3. dup3(that, L, 0), under the receiver's limit: replaces the pidfd with the file, clears
//      FD_CLOEXEC, and is refused (EBADF) when L is at or above the limit (fs/file.c:
//      ksys_dup3), which is exactly when an SCM_RIGHTS receive would get EMFILE (alloc_fd);
//   4. close the copy from step 2.
// Steps 1-2 need two free numbers under the harness's own limit; a receiver with exactly one
// free number left below its own limit still gets its fd at that number.
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "native/host_ops.h"

namespace fdlab::native {
namespace {

// PIDFD_THREAD (include/uapi/linux/pidfd.h, Linux 6.9): a pidfd for one thread, not only a
// thread-group leader. Every scenario process is a thread, so give cannot work without it.
constexpr unsigned kPidfdThread = O_EXCL;

const char* const kNeeds =
    " (the native backend's give needs pidfd_open with PIDFD_THREAD and pidfd_getfd, "
    "Linux >= 6.9)";

struct Taken {
  int pidfd = -1;       // at L
  int file = -1;        // the giver's file, FD_CLOEXEC
  int err = 0;          // errno of the step that failed
  bool opened = false;  // step 1 succeeded (err is then pidfd_getfd's)
};

Taken take(pid_t from_tid, int fd) {
  Taken t;
  t.pidfd = static_cast<int>(::syscall(SYS_pidfd_open, from_tid, kPidfdThread));
  if (t.pidfd < 0) {
    t.err = errno;
    return t;
  }
  t.opened = true;
  t.file = static_cast<int>(::syscall(SYS_pidfd_getfd, t.pidfd, fd, 0));
  if (t.file < 0) {
    t.err = errno;
    ::close(t.pidfd);
    t.pidfd = -1;
  }
  return t;
}

rlimit nofile_now() {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  return lim;
}

bool giver_has(pid_t from_tid, int fd) {
  // kcmp of an fd with itself: 0 when it is open in that table, EBADF when not.
  return ::syscall(SYS_kcmp, from_tid, from_tid, KCMP_FILE, fd, fd) == 0;
}

void emfile_or_ebadf(HostResult& r, pid_t from_tid, int fd) {
  r.ret = -1;
  r.err = giver_has(from_tid, fd) ? EMFILE : EBADF;  // EBADF first, as for a real send
}

}  // namespace

// A receiver that set_ids made unprivileged may not pidfd_getfd from (or kcmp) a giver with
// other ids: for the give alone it takes back euid 0, which its saved uid 0 allows
// (docs/decisions.md, "Unprivileged processes"). Raw syscalls: they act on this thread only.
class RootForGive {
 public:
  RootForGive() : euid_(static_cast<long>(::syscall(SYS_geteuid))) {
    if (euid_ != 0) ::syscall(SYS_setresuid, -1, 0, -1);
  }
  ~RootForGive() {
    if (euid_ != 0) ::syscall(SYS_setresuid, -1, euid_, -1);
  }
  RootForGive(const RootForGive&) = delete;
  RootForGive& operator=(const RootForGive&) = delete;

 private:
  long euid_;
};

void host_give_take(HostResult& r, pid_t from_tid, int fd, long soft) {
  RootForGive root;
  Taken t = take(from_tid, fd);
  if (t.err == EMFILE) {
    // The harness's own soft limit left no room for its two numbers. Nothing of the scenario
    // runs meanwhile, so borrow up to the hard limit for steps 1-2.
    const rlimit lim = nofile_now();
    if (lim.rlim_cur < lim.rlim_max) {
      NofileWindow wide(static_cast<long>(lim.rlim_max));
      t = take(from_tid, fd);
    }
  }
  if (t.err == EBADF && t.opened) {  // pidfd_getfd: the giver has no such fd
    r.ret = -1;
    r.err = EBADF;
    return;
  }
  if (t.err == EMFILE && !t.opened) {
    // No free number below the hard limit: the receiver is at its limit whatever it is.
    emfile_or_ebadf(r, from_tid, fd);
    return;
  }
  if (t.err == EMFILE) {
    // Exactly one free number L below the hard limit, and pidfd_getfd needs a second one.
    // Below the receiver's own limit that number is an EMFILE anyway; at the hard limit the
    // real receive would succeed and the harness cannot do it.
    const long limit = soft >= 0 ? soft : static_cast<long>(nofile_now().rlim_cur);
    const long hard = static_cast<long>(nofile_now().rlim_max);
    if (limit < hard) {
      emfile_or_ebadf(r, from_tid, fd);
      return;
    }
    r.failure =
        "give: the receiving process has one free fd number left below the hard "
        "RLIMIT_NOFILE (" +
        std::to_string(hard) +
        "), and the harness needs a second one for pidfd_getfd; raise the hard limit";
    return;
  }
  if (t.err != 0) {
    r.failure = std::string(t.opened ? "give: pidfd_getfd: " : "give: pidfd_open: ") +
                std::strerror(t.err) + kNeeds;
    return;
  }

  int rc = -1;
  int err = 0;
  try {
    if (soft >= 0) {
      NofileWindow limited(soft);
      rc = ::dup3(t.file, t.pidfd, 0);
      err = errno;  // before the window's setrlimit
    } else {
      rc = ::dup3(t.file, t.pidfd, 0);
      err = errno;
    }
  } catch (...) {
    ::close(t.file);
    ::close(t.pidfd);
    throw;
  }
  ::close(t.file);
  if (rc < 0) {
    ::close(t.pidfd);
    if (err == EBADF) {  // L >= the receiver's limit: no number left for it
      r.ret = -1;
      r.err = EMFILE;
    } else {
      r.fail("give: dup3", err);
    }
    return;
  }
  r.ret = rc;
  host_describe(r, rc, Description::existing);
}

}  // namespace fdlab::native
