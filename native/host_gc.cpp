// The collect step on the real kernel: wait until the AF_UNIX garbage collector has run and the
// files it freed have been released.
//
// Linux 6.18 (net/unix/garbage.c, af_unix.c, fs/file_table.c):
// - unix_release_sock ends with unix_gc() whenever fds are in flight; unix_gc() only queues
//   __unix_gc on a workqueue (system_dfl_wq), so the run comes later.
// - A run frees every cycle that is garbage when it walks the graph, by purging the cycle's
//   queues. The purge drops file references from a kworker, and fput() from a kernel thread
//   defers the release to delayed_fput_work (one jiffy later, newest file first, one batch
//   at a time). Only then do the effects show: a peer's EPIPE, a pipe reader's EOF.
// - wait_for_unix_gc() (sendmsg with SCM_RIGHTS) flushes the collector's work only for a user
//   with more than SCM_MAX_FD * 8 fds in flight; measured on 6.18.44, even then it did not
//   wait for the releases (the flush returned in microseconds and the peer's send still
//   succeeded). No call waits for delayed_fput_work.
//
// So the wait is made of what user space can see: a canary cycle, a socket sent into its own
// queue together with a pipe's write end, every fd closed. Closing the canary's peer releases
// an AF_UNIX socket with fds in flight, which queues a run; the pipe's read end sees EOF once
// a run has freed the canary and its release batch has run. Three rounds, each begun after
// the previous canary's EOF:
//   1. the run R1 that frees canary 1 began its walk after canary 1 was closed, so after
//      every step of the scenario: all garbage of that moment is freed by R1 (or earlier);
//   2. the run R2 that frees canary 2 starts after R1 has finished (a work item never runs
//      twice at once), so every release R1 queued was queued before canary 2's: it is in
//      canary 2's release batch or an earlier one;
//   3. canary 3's release batch starts only after canary 2's batch has finished, so when
//      its EOF is seen every release of R1 has run.
// Garbage that R1's releases make (a socket also queued in a freed one) is freed by a later
// run, maybe before this returns, maybe not: the sim treats it as pending.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "native/backend_failure.h"
#include "native/host_ops.h"
#include "native/posix_kernel.h"

namespace fdlab::native {
namespace {

constexpr int kCanaryRounds = 3;
constexpr int kCanaryTimeoutMs = 20000;

// Closes the fds it holds on every way out.
struct Fds {
  int fd[4] = {-1, -1, -1, -1};
  ~Fds() {
    for (int& f : fd) close_one(f);
  }
  static void close_one(int& f) {
    if (f >= 0) ::close(f);
    f = -1;
  }
};

bool canary_round(HostResult& r) {
  Fds h;  // 0, 1: the socket pair; 2, 3: the pipe
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, h.fd) < 0) {
    r.fail("collect: socketpair", errno);
    return false;
  }
  if (::pipe2(h.fd + 2, O_CLOEXEC) < 0) {
    r.fail("collect: pipe2", errno);
    return false;
  }
  // fd[0] and the pipe's write end, sent through fd[1]: both sit in fd[0]'s own queue.
  const int sent[2] = {h.fd[0], h.fd[3]};
  char control[CMSG_SPACE(sizeof sent)] = {};
  char byte = 'c';
  iovec iov{&byte, 1};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  cmsghdr* cm = CMSG_FIRSTHDR(&m);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof sent);
  std::memcpy(CMSG_DATA(cm), sent, sizeof sent);
  if (::sendmsg(h.fd[1], &m, MSG_NOSIGNAL) != 1) {
    r.fail("collect: sendmsg of the canary", errno);
    return false;
  }
  Fds::close_one(h.fd[0]);
  Fds::close_one(h.fd[3]);
  Fds::close_one(h.fd[1]);  // unix_release_sock with fds in flight: unix_gc()
  pollfd pf{h.fd[2], POLLIN, 0};
  for (;;) {
    const int n = ::poll(&pf, 1, kCanaryTimeoutMs);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.fail("collect: poll", errno);
      return false;
    }
    if (n == 0) {
      r.failure = "collect: the collector did not free a canary cycle within " +
                  std::to_string(kCanaryTimeoutMs / 1000) + " s";
      return false;
    }
    break;
  }
  char got = 0;
  const ssize_t n = ::read(h.fd[2], &got, 1);
  if (n != 0) {
    r.failure = "collect: the canary pipe did not read EOF";
    return false;
  }
  return true;
}

}  // namespace

void host_collect(HostResult& r) {
  for (int i = 0; i < kCanaryRounds; ++i)
    if (!canary_round(r)) return;
}

bool PosixKernel::settle_collector(void*) {
  HostResult r;
  host_collect(r);
  return r.failure.empty();
}

// Runs on the calling thread: the collector is one for the whole system, and the canary's fds
// must not take numbers in a scenario process's table.
Outcome PosixKernel::op_collect(ProcId p, const Call&) {
  worker(p);
  HostResult r;
  host_collect(r);
  if (!r.failure.empty()) backend_failure(r.failure);
  return Outcome{};
}

}  // namespace fdlab::native
