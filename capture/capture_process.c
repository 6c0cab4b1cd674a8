/* A process's life as the capture sees it: its start (the first process, and every exec: the
 * tracked fds it holds), fork, its end (exit, _exit, and the SIGPIPE that ends it), and the
 * calls on tracked fds that the model cannot serve. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/capture_lib.h"

__attribute__((constructor)) static void capture_start(void) {
  if (!capture_active()) return;
  capture_lock();
  /* After an exec the table starts empty: the fds whose objects are tracked are found again
   * (those without FD_CLOEXEC survived the exec). */
  capture_scan_fds();
  struct rec r;
  rec_begin(&r, "start");
  rec_int(&r, "ppid", getppid());
  rec_str(&r, "argv0", program_invocation_name);
  rec_tracked_fds(&r, "fds");
  rec_end(&r);
  capture_unlock();
}

__attribute__((destructor)) static void capture_end(void) {
  if (!capture_active()) return;
  /* exit() flushes stdio after this: flush first, so bytes bound for a tracked fd are not
   * written after it was closed here. */
  fflush(NULL);
  capture_record_exit("exit");
}

pid_t fork(void) {
  capture_resolve_real();
  if (!capturing()) return real.fork();
  /* The parent holds the lock across the fork and writes the record before the child's first
   * call can take it: the child's calls come after its fork in the log. */
  capture_lock();
  pid_t pid = real.fork();
  int e = errno;
  if (pid == 0) {
    capture_forget_lock();
    return 0;
  }
  struct rec r;
  rec_begin(&r, "fork");
  rec_errno(&r, pid, e);
  rec_tracked_fds(&r, "fds");
  rec_end(&r);
  capture_unlock();
  errno = e;
  return pid;
}

/* vfork's child shares its parent's memory until it execs, and would write the parent's
 * tracked-fd table: a fork instead, which every correct use of vfork allows. */
pid_t vfork(void) { return fork(); }

void _exit(int status) {
  capture_resolve_real();
  capture_record_exit("_exit");
  real.exit_now(status);
}

void _Exit(int status) {
  capture_resolve_real();
  capture_record_exit("_Exit");
  real.exit_now2(status);
}

/* ---- calls the model has no op for ---- */

static void *next_fn(const char *name) { return dlsym(RTLD_NEXT, name); }

static void unsupported_on(const char *what, int a, int b) {
  capture_resolve_real();
  if (!capturing()) return;
  if (capture_maybe_tracked(a)) capture_unsupported(what, a);
  if (b != a && capture_maybe_tracked(b)) capture_unsupported(what, b);
}

int sendmmsg(int fd, struct mmsghdr *v, unsigned n, int flags) {
  static int (*next)(int, struct mmsghdr *, unsigned, int);
  if (!next) *(void **)&next = next_fn("sendmmsg");
  unsupported_on("sendmmsg", fd, fd);
  return next(fd, v, n, flags);
}

int recvmmsg(int fd, struct mmsghdr *v, unsigned n, int flags, struct timespec *t) {
  static int (*next)(int, struct mmsghdr *, unsigned, int, struct timespec *);
  if (!next) *(void **)&next = next_fn("recvmmsg");
  unsupported_on("recvmmsg", fd, fd);
  return next(fd, v, n, flags, t);
}

ssize_t splice(int in, loff_t *oin, int out, loff_t *oout, size_t len, unsigned flags) {
  static ssize_t (*next)(int, loff_t *, int, loff_t *, size_t, unsigned);
  if (!next) *(void **)&next = next_fn("splice");
  unsupported_on("splice", in, out);
  return next(in, oin, out, oout, len, flags);
}

ssize_t tee(int in, int out, size_t len, unsigned flags) {
  static ssize_t (*next)(int, int, size_t, unsigned);
  if (!next) *(void **)&next = next_fn("tee");
  unsupported_on("tee", in, out);
  return next(in, out, len, flags);
}

ssize_t vmsplice(int fd, const struct iovec *iov, size_t n, unsigned flags) {
  static ssize_t (*next)(int, const struct iovec *, size_t, unsigned);
  if (!next) *(void **)&next = next_fn("vmsplice");
  unsupported_on("vmsplice", fd, fd);
  return next(fd, iov, n, flags);
}

ssize_t sendfile(int out, int in, off_t *off, size_t n) {
  static ssize_t (*next)(int, int, off_t *, size_t);
  if (!next) *(void **)&next = next_fn("sendfile");
  unsupported_on("sendfile", out, in);
  return next(out, in, off, n);
}

ssize_t sendfile64(int out, int in, off64_t *off, size_t n) {
  static ssize_t (*next)(int, int, off64_t *, size_t);
  if (!next) *(void **)&next = next_fn("sendfile64");
  unsupported_on("sendfile", out, in);
  return next(out, in, off, n);
}

ssize_t copy_file_range(int in, loff_t *oin, int out, loff_t *oout, size_t n, unsigned flags) {
  static ssize_t (*next)(int, loff_t *, int, loff_t *, size_t, unsigned);
  if (!next) *(void **)&next = next_fn("copy_file_range");
  unsupported_on("copy_file_range", in, out);
  return next(in, oin, out, oout, n, flags);
}

/* stdio reads and writes go through libc's own read and write, which no preloaded library
 * sees: a FILE on a tracked fd would move bytes the scenario never shows. */
FILE *fdopen(int fd, const char *mode) {
  static FILE *(*next)(int, const char *);
  if (!next) *(void **)&next = next_fn("fdopen");
  unsupported_on("fdopen", fd, fd);
  return next(fd, mode);
}
