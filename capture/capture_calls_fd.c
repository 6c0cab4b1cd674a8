/* The fd-table calls on tracked fds: pipe, close, the dup family, fcntl, the ioctls that change
 * an fd's flags, close_range, and unlink of socket files. None of them blocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture/capture_lib.h"

static int pipe_common(int p[2], int flags, int two) {
  capture_resolve_real();
  if (!capturing()) return two ? real.pipe2(p, flags) : real.pipe(p);
  capture_lock();
  int ret = two ? real.pipe2(p, flags) : real.pipe(p);
  int e = errno;
  struct rec r;
  rec_begin(&r, "pipe");
  rec_int(&r, "flags", flags);
  rec_errno(&r, ret, e);
  if (ret == 0) {
    capture_track_new(p[0]);
    capture_track_new(p[1]);
    rec_array(&r, "fds");
    rec_elem_int(&r, p[0]);
    rec_elem_int(&r, p[1]);
    rec_close_array(&r);
    rec_key_of(&r, "key0", p[0]);
    rec_key_of(&r, "key1", p[1]);
  }
  rec_end(&r);
  capture_unlock();
  errno = e;
  return ret;
}

int pipe(int p[2]) { return pipe_common(p, 0, 0); }
int pipe2(int p[2], int flags) { return pipe_common(p, flags, 1); }

int close(int fd) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.close(fd);
  capture_untrack(fd);
  int ret = real.close(fd);
  int e = errno;
  struct rec r;
  rec_begin(&r, "close");
  rec_int(&r, "fd", fd);
  return capture_call_end(&r, ret, e);
}

/* dup, dup2, dup3, F_DUPFD, F_DUPFD_CLOEXEC: one record, "how" says which; `target` is dup2's
 * and dup3's new number, F_DUPFD's lowest. */
static void rec_dup(const char *how, int fd, int target, int flags, int ret, int e,
                    int old_tracked) {
  struct rec r;
  rec_begin(&r, "dup");
  rec_str(&r, "how", how);
  rec_int(&r, "fd", fd);
  rec_int(&r, "target", target);
  rec_int(&r, "flags", flags);
  rec_bool(&r, "old_tracked", old_tracked);
  rec_errno(&r, ret, e);
  if (ret >= 0) rec_bool(&r, "cloexec", capture_fd_cloexec(ret));
  rec_end(&r);
}

int dup(int fd) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.dup(fd);
  int ret = real.dup(fd);
  int e = errno;
  if (ret >= 0) capture_track_if_known(ret);
  rec_dup("dup", fd, -1, 0, ret, e, 1);
  capture_unlock();
  errno = e;
  return ret;
}

static int dup_onto(const char *how, int old, int target, int flags) {
  int three = how[3] == '3';
  if (!capturing() || (!capture_maybe_tracked(old) && !capture_maybe_tracked(target)))
    return three ? real.dup3(old, target, flags) : real.dup2(old, target);
  capture_lock();
  int old_tracked = capture_tracked_now(old);
  int target_tracked = capture_tracked_now(target);
  int ret = three ? real.dup3(old, target, flags) : real.dup2(old, target);
  int e = errno;
  if (ret >= 0 && old != target) {
    if (old_tracked)
      capture_track_if_known(ret);
    else
      capture_untrack(ret);
  }
  if (old_tracked || target_tracked) rec_dup(how, old, target, flags, ret, e, old_tracked);
  capture_unlock();
  errno = e;
  return ret;
}

int dup2(int old, int target) {
  capture_resolve_real();
  return dup_onto("dup2", old, target, 0);
}

int dup3(int old, int target, int flags) {
  capture_resolve_real();
  return dup_onto("dup3", old, target, flags);
}

static int fcntl_common(int fd, int cmd, long arg) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.fcntl(fd, cmd, arg);
  int ret = real.fcntl(fd, cmd, arg);
  int e = errno;
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
    if (ret >= 0) capture_track_if_known(ret);
    rec_dup(cmd == F_DUPFD ? "F_DUPFD" : "F_DUPFD_CLOEXEC", fd, (int)arg, 0, ret, e, 1);
  } else {
    struct rec r;
    rec_begin(&r, "fcntl");
    rec_int(&r, "fd", fd);
    rec_int(&r, "cmd", cmd);
    rec_int(&r, "arg", arg);
    rec_errno(&r, ret, e);
    rec_end(&r);
  }
  capture_unlock();
  errno = e;
  return ret;
}

int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl_common(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl_common(fd, cmd, arg);
}

/* FIONBIO and FIOCLEX/FIONCLEX change what F_SETFL and F_SETFD change: recorded with the
 * flags they leave, so that fdlab writes them as those fcntl steps. Other ioctls on tracked
 * fds (FIONREAD, SIOCOUTQ) only read: recorded so that fdlab can say they were not replayed. */
int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.ioctl(fd, req, arg);
  int ret = real.ioctl(fd, req, arg);
  int e = errno;
  struct rec r;
  rec_begin(&r, "ioctl");
  rec_int(&r, "fd", fd);
  rec_int(&r, "req", (long long)req);
  rec_int(&r, "status_flags", capture_status_flags(fd));
  rec_bool(&r, "cloexec", capture_fd_cloexec(fd));
  return capture_call_end(&r, ret, e);
}

int close_range(unsigned first, unsigned last, int flags) {
  capture_resolve_real();
  if (!capturing()) return real.close_range(first, last, flags);
  capture_lock();
  int fds[4096];
  int n = capture_tracked_fds(fds, 4096), k = 0;
  for (int i = 0; i < n; ++i)
    if ((unsigned)fds[i] >= first && (unsigned)fds[i] <= last) fds[k++] = fds[i];
  int ret = real.close_range(first, last, flags);
  int e = errno;
  if (k > 0) {
    struct rec r;
    rec_begin(&r, "close_range");
    rec_bool(&r, "cloexec", (flags & CLOSE_RANGE_CLOEXEC) != 0);
    rec_errno(&r, ret, e);
    rec_array(&r, "fds");
    for (int i = 0; i < k; ++i) rec_elem_int(&r, fds[i]);
    rec_close_array(&r);
    rec_end(&r);
    if (ret == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
      for (int i = 0; i < k; ++i) capture_untrack(fds[i]);
  }
  capture_unlock();
  errno = e;
  return ret;
}

/* unlink of a socket file: the scenario's bound names are its files. Other files are none of
 * the model's business. */
static int unlink_common(int dirfd, const char *path, int flags) {
  struct stat st;
  if (!capturing() || !path || (flags & AT_REMOVEDIR) ||
      fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(st.st_mode))
    return dirfd == AT_FDCWD && flags == 0 ? real.unlink(path) : real.unlinkat(dirfd, path, flags);
  capture_lock();
  int ret = dirfd == AT_FDCWD && flags == 0 ? real.unlink(path) : real.unlinkat(dirfd, path, flags);
  int e = errno;
  char abs[8192];
  size_t alen = 0;
  if (path[0] != '/') {
    ssize_t n;
    if (dirfd == AT_FDCWD) {
      n = getcwd(abs, 4096) ? (ssize_t)strlen(abs) : -1;
    } else {
      char link[64];
      snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
      n = readlink(link, abs, 4096);
    }
    if (n > 0) {
      alen = (size_t)n;
      abs[alen++] = '/';
    }
  }
  size_t plen = strlen(path);
  if (plen > 4000) plen = 4000;
  memcpy(abs + alen, path, plen);
  struct rec r;
  rec_begin(&r, "unlink");
  rec_hex(&r, "path_hex", path, strlen(path) > 4000 ? 4000 : strlen(path));
  rec_hex(&r, "abs_hex", abs, alen + plen);
  return capture_call_end(&r, ret, e);
}

int unlink(const char *path) {
  capture_resolve_real();
  return unlink_common(AT_FDCWD, path, 0);
}

int unlinkat(int dirfd, const char *path, int flags) {
  capture_resolve_real();
  return unlink_common(dirfd, path, flags);
}
