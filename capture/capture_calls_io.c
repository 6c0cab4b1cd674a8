/* Moving bytes and fds: the send and receive calls, read and write on tracked fds, and poll.
 *
 * Every recorded step must be one call that returned without blocking, since the scenario's
 * steps run one at a time. So a call that would block is tried without blocking under the lock
 * (MSG_DONTWAIT on sockets, O_NONBLOCK for that one attempt on pipes); while it would block, the
 * lock is let go and the process waits with poll for readiness, then tries again. What one
 * attempt did is one record: a blocking stream send the kernel accepts in parts becomes one
 * record per part (the fds ride on the first, as in the kernel's own loop), and so does a
 * MSG_WAITALL receive that has to wait for more bytes. */
/* Not _GNU_SOURCE: see capture_calls_socket.c. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sockios.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture_lib.h"

#ifndef POLLRDHUP
#define POLLRDHUP 0x2000 /* a GNU name */
#endif

#define MAX_IOV 1024

static size_t iov_total(const struct iovec *iov, size_t n) {
  size_t t = 0;
  for (size_t i = 0; i < n; ++i) t += iov[i].iov_len;
  return t;
}

/* iov past its first `skip` bytes, into out (at least n entries). */
static size_t iov_skip(const struct iovec *in, size_t n, size_t skip, struct iovec *out) {
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    if (skip >= in[i].iov_len) {
      skip -= in[i].iov_len;
      continue;
    }
    out[k].iov_base = (char *)in[i].iov_base + skip;
    out[k].iov_len = in[i].iov_len - skip;
    skip = 0;
    ++k;
  }
  return k;
}

/* The fds of every SCM_RIGHTS cmsg of a control buffer as the program wrote it, walked as the
 * kernel walks it (__scm_send), with the key of what each refers to. */
static void rec_sent_rights(struct rec *r, const struct msghdr *m) {
  rec_array(r, "rights");
  const unsigned char *c = m->msg_control;
  size_t len = m->msg_controllen, o = 0;
  while (c && o + sizeof(struct cmsghdr) <= len) {
    struct cmsghdr h;
    memcpy(&h, c + o, sizeof h);
    if (h.cmsg_len < sizeof(struct cmsghdr) || h.cmsg_len > len - o) break;
    if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
      size_t n = (h.cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; ++i) {
        int fd;
        memcpy(&fd, c + o + CMSG_LEN(0) + i * sizeof(int), sizeof fd);
        rec_object(r, NULL);
        rec_int(r, "fd", fd);
        rec_key_of(r, "key", fd);
        rec_close_object(r);
      }
    }
    o += CMSG_ALIGN(h.cmsg_len);
  }
  rec_close_array(r);
}

/* The fds a receive installed (SCM_RIGHTS, SCM_PIDFD), now tracked when their objects are. */
static void rec_received_fds(struct rec *r, struct msghdr *m) {
  rec_array(r, "rfds");
  if (m->msg_control && m->msg_controllen >= sizeof(struct cmsghdr)) {
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      size_t n = 0;
      if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(0))
        n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      else if (c->cmsg_type == 4 /* SCM_PIDFD */ && c->cmsg_len >= CMSG_LEN(sizeof(int)))
        n = 1;
      for (size_t i = 0; i < n; ++i) {
        int fd;
        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        rec_object(r, NULL);
        rec_int(r, "fd", fd);
        rec_int(r, "type", c->cmsg_type);
        rec_bool(r, "tracked", capture_track_if_known(fd));
        rec_bool(r, "cloexec", capture_fd_cloexec(fd));
        rec_key_of(r, "key", fd);
        rec_close_object(r);
      }
    }
  }
  rec_close_array(r);
}

/* The send side. msg as the program gave it; is_write: write/writev (no flags, no control). */
static ssize_t send_tracked(const char *call, int fd, const struct msghdr *msg, int flags,
                            int is_write) {
  size_t total = iov_total(msg->msg_iov, msg->msg_iovlen);
  size_t done = 0;
  int part = 0;
  struct iovec iov[MAX_IOV];
  for (int attempt = 0;; ++attempt) {
    capture_lock();
    struct msghdr m = *msg;
    m.msg_iovlen = iov_skip(msg->msg_iov, msg->msg_iovlen, done, iov);
    m.msg_iov = iov;
    if (!capture_tracked_now(fd)) {
      capture_unlock();
      ssize_t r =
          is_write ? real.writev(fd, m.msg_iov, (int)m.msg_iovlen) : real.sendmsg(fd, &m, flags);
      return r < 0 ? (done ? (ssize_t)done : -1) : (ssize_t)done + r;
    }
    if (part > 0) {
      m.msg_control = NULL;
      m.msg_controllen = 0;
    }
    int is_sock = capture_is_socket(fd);
    int fl = capture_status_flags(fd);
    int prog_nonblock = (fl >= 0 && (fl & O_NONBLOCK)) || (flags & MSG_DONTWAIT);
    struct sigpipe_watch w;
    capture_sigpipe_begin(&w);
    ssize_t ret;
    if (is_write && !is_sock) {
      int saved = capture_nonblock_begin(fd);
      ret = real.writev(fd, m.msg_iov, (int)m.msg_iovlen);
      int e = errno;
      capture_nonblock_end(fd, saved);
      errno = e;
    } else if (is_write) {
      struct msghdr plain = {0};
      plain.msg_iov = m.msg_iov;
      plain.msg_iovlen = m.msg_iovlen;
      ret = real.sendmsg(fd, &plain, MSG_DONTWAIT); /* write(2) on a socket, not waiting */
    } else {
      ret = real.sendmsg(fd, &m, flags | MSG_DONTWAIT);
    }
    int e = errno;
    int sigpipe = capture_sigpipe_end(&w);
    size_t remaining = total - done;
    if (ret < 0 && e == EAGAIN && !prog_nonblock) {
      capture_unlock();
      capture_wait(fd, POLLOUT, attempt);
      continue;
    }
    int more = !prog_nonblock && ret > 0 && (size_t)ret < remaining;
    struct rec r;
    rec_begin(&r, is_write ? "write" : "sendmsg");
    rec_str(&r, "via", call);
    rec_int(&r, "fd", fd);
    rec_int(&r, "flags", is_write ? 0 : flags);
    rec_iov_hex(&r, "data", m.msg_iov, m.msg_iovlen, ret > 0 ? (size_t)ret : remaining);
    if (!is_write) {
      rec_bool(&r, "control_null", m.msg_control == NULL);
      rec_int(&r, "controllen", (long long)m.msg_controllen);
      if (m.msg_control && m.msg_controllen <= 65536)
        rec_hex(&r, "control", m.msg_control, m.msg_controllen);
      if (m.msg_control) {
        rec_sent_rights(&r, &m);
        rec_int(&r, "uid", getuid());
        rec_int(&r, "gid", getgid());
      }
      if (m.msg_name) rec_addr(&r, "dest", m.msg_name, m.msg_namelen);
    }
    rec_errno(&r, ret, e);
    rec_bool(&r, "sigpipe", sigpipe);
    if (part > 0 || more) {
      rec_int(&r, "part", part);
      rec_bool(&r, "more", more);
    }
    rec_end(&r);
    capture_unlock();
    if (more) {
      done += (size_t)ret;
      ++part;
      continue;
    }
    if (ret < 0 && done > 0) {
      /* A blocking send that had sent some parts returns what it sent, without SIGPIPE
       * (unix_stream_sendmsg: "return sent ? : err"). */
      return (ssize_t)done;
    }
    if (sigpipe) capture_sigpipe_deliver();
    errno = e;
    return ret < 0 ? -1 : (ssize_t)done + ret;
  }
}

/* Whether a MSG_WAITALL receive that got `got` bytes would go on waiting in the kernel: it
 * stops at fds, at a truncated control buffer, at EOF, and where the next segment cannot be
 * glued on (then more is queued); otherwise it sleeps for more. */
static int waitall_goes_on(int fd, struct msghdr *m, ssize_t got, size_t wanted, int nfds) {
  if (got <= 0 || (size_t)got >= wanted || nfds > 0 || m->msg_controllen > 0 ||
      (m->msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
    return 0;
  int type = 0;
  socklen_t tl = sizeof type;
  if (real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_STREAM) return 0;
  int queued = 0;
  if (syscall(SYS_ioctl, fd, SIOCINQ, &queued) != 0 || queued > 0) return 0;
  struct pollfd p = {fd, POLLRDHUP, 0};
  if (real.poll(&p, 1, 0) != 0) return 0;
  return 1;
}

/* The receive side. is_read: read/readv (no flags, no control, no name). */
static ssize_t recv_tracked(const char *call, int fd, struct msghdr *msg, int flags, int is_read) {
  size_t total = iov_total(msg->msg_iov, msg->msg_iovlen);
  size_t done = 0;
  int part = 0;
  size_t controllen = msg->msg_controllen;
  socklen_t namelen = msg->msg_namelen;
  struct iovec iov[MAX_IOV];
  for (int attempt = 0;; ++attempt) {
    capture_lock();
    struct msghdr m = *msg;
    m.msg_iovlen = iov_skip(msg->msg_iov, msg->msg_iovlen, done, iov);
    m.msg_iov = iov;
    m.msg_controllen = controllen;
    m.msg_namelen = namelen;
    if (!capture_tracked_now(fd)) {
      capture_unlock();
      ssize_t r =
          is_read ? real.readv(fd, m.msg_iov, (int)m.msg_iovlen) : real.recvmsg(fd, &m, flags);
      if (!is_read) {
        msg->msg_flags = m.msg_flags;
        msg->msg_controllen = m.msg_controllen;
        msg->msg_namelen = m.msg_namelen;
      }
      return r < 0 ? (done ? (ssize_t)done : -1) : (ssize_t)done + r;
    }
    int is_sock = capture_is_socket(fd);
    int fl = capture_status_flags(fd);
    int prog_nonblock = (fl >= 0 && (fl & O_NONBLOCK)) || (flags & MSG_DONTWAIT);
    ssize_t ret;
    if (is_read && !is_sock) {
      int saved = capture_nonblock_begin(fd);
      ret = real.readv(fd, m.msg_iov, (int)m.msg_iovlen);
      int e = errno;
      capture_nonblock_end(fd, saved);
      errno = e;
    } else if (is_read) {
      struct msghdr plain = {0};
      plain.msg_iov = m.msg_iov;
      plain.msg_iovlen = m.msg_iovlen;
      ret = real.recvmsg(fd, &plain, MSG_DONTWAIT); /* read(2) on a socket, not waiting */
      m.msg_flags = plain.msg_flags;
    } else {
      ret = real.recvmsg(fd, &m, flags | MSG_DONTWAIT);
    }
    int e = errno;
    if (ret < 0 && e == EAGAIN && !prog_nonblock) {
      capture_unlock();
      capture_wait(fd, POLLIN, attempt);
      continue;
    }
    struct rec r;
    rec_begin(&r, is_read ? "read" : "recvmsg");
    rec_str(&r, "via", call);
    rec_int(&r, "fd", fd);
    rec_int(&r, "len", (long long)(total - done));
    rec_int(&r, "flags", is_read ? 0 : flags);
    if (!is_read) {
      rec_bool(&r, "control_null", msg->msg_control == NULL);
      rec_int(&r, "controllen_in", (long long)controllen);
      rec_bool(&r, "name", msg->msg_name != NULL);
    }
    rec_errno(&r, ret, e);
    int nfds = 0;
    if (ret >= 0) {
      rec_iov_hex(&r, "data", m.msg_iov, m.msg_iovlen, (size_t)ret);
      if (!is_read) {
        rec_int(&r, "msg_flags", m.msg_flags);
        rec_int(&r, "controllen_out", (long long)m.msg_controllen);
        if (m.msg_control && m.msg_controllen > 0 && m.msg_controllen <= controllen)
          rec_hex(&r, "control_out", m.msg_control, m.msg_controllen);
        rec_received_fds(&r, &m);
        for (struct cmsghdr *c = m.msg_control && m.msg_controllen >= sizeof(struct cmsghdr)
                                     ? CMSG_FIRSTHDR(&m)
                                     : NULL;
             c; c = CMSG_NXTHDR(&m, c))
          ++nfds;
        if (m.msg_name)
          rec_addr(&r, "from", m.msg_name, m.msg_namelen < namelen ? m.msg_namelen : namelen);
      }
    }
    int more = !is_read && (flags & MSG_WAITALL) && !prog_nonblock && !(flags & MSG_PEEK) &&
               waitall_goes_on(fd, &m, ret, total - done, nfds);
    if (part > 0 || more) {
      rec_int(&r, "part", part);
      rec_bool(&r, "more", more);
    }
    rec_end(&r);
    capture_unlock();
    if (more) {
      done += (size_t)ret;
      ++part;
      continue;
    }
    if (!is_read) {
      msg->msg_flags = m.msg_flags;
      msg->msg_controllen = m.msg_controllen;
      msg->msg_namelen = m.msg_namelen;
    }
    errno = e;
    return ret < 0 ? (done ? (ssize_t)done : -1) : (ssize_t)done + ret;
  }
}

static int tracked_call(int fd) { return capturing() && capture_maybe_tracked(fd); }

/* A msghdr of iov alone: what read, write, send and recv move. */
static struct msghdr iov_msg(const struct iovec *iov, size_t n) {
  struct msghdr m = {0};
  m.msg_iov = (struct iovec *)iov;
  m.msg_iovlen = n;
  return m;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  capture_resolve_real();
  if (!tracked_call(fd) || msg->msg_iovlen > MAX_IOV) return real.sendmsg(fd, msg, flags);
  return send_tracked("sendmsg", fd, msg, flags, 0);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
               socklen_t tolen) {
  capture_resolve_real();
  struct iovec v = {(void *)buf, len};
  struct msghdr m = iov_msg(&v, 1);
  m.msg_name = (void *)to;
  m.msg_namelen = to ? tolen : 0;
  if (!tracked_call(fd)) return real.sendmsg(fd, &m, flags);
  return send_tracked("sendto", fd, &m, flags, 0);
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
  return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t write(int fd, const void *buf, size_t len) {
  capture_resolve_real();
  if (!tracked_call(fd)) return real.write(fd, buf, len);
  struct iovec v = {(void *)buf, len};
  struct msghdr m = iov_msg(&v, 1);
  return send_tracked("write", fd, &m, 0, 1);
}

ssize_t writev(int fd, const struct iovec *iov, int n) {
  capture_resolve_real();
  if (!tracked_call(fd) || n < 0 || n > MAX_IOV) return real.writev(fd, iov, n);
  struct msghdr m = iov_msg(iov, (size_t)n);
  return send_tracked("writev", fd, &m, 0, 1);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  capture_resolve_real();
  if (!tracked_call(fd) || msg->msg_iovlen > MAX_IOV) return real.recvmsg(fd, msg, flags);
  return recv_tracked("recvmsg", fd, msg, flags, 0);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
                 socklen_t *fromlen) {
  capture_resolve_real();
  struct iovec v = {buf, len};
  struct msghdr m = iov_msg(&v, 1);
  m.msg_name = from && fromlen ? from : NULL;
  m.msg_namelen = from && fromlen ? *fromlen : 0;
  ssize_t r =
      tracked_call(fd) ? recv_tracked("recvfrom", fd, &m, flags, 0) : real.recvmsg(fd, &m, flags);
  int e = errno;
  if (r >= 0 && from && fromlen) *fromlen = m.msg_namelen;
  errno = e;
  return r;
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
  return recvfrom(fd, buf, len, flags, NULL, NULL);
}

ssize_t read(int fd, void *buf, size_t len) {
  capture_resolve_real();
  if (!tracked_call(fd)) return real.read(fd, buf, len);
  struct iovec v = {buf, len};
  struct msghdr m = iov_msg(&v, 1);
  return recv_tracked("read", fd, &m, 0, 1);
}

ssize_t readv(int fd, const struct iovec *iov, int n) {
  capture_resolve_real();
  if (!tracked_call(fd) || n < 0 || n > MAX_IOV) return real.readv(fd, iov, n);
  struct msghdr m = iov_msg(iov, (size_t)n);
  return recv_tracked("readv", fd, &m, 0, 1);
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* poll changes nothing, but what it answers is a step (the model's poll takes one fd, with
 * timeout 0): the readiness of every tracked fd is read under the lock; the waiting is done
 * without it. */
static int poll_record(struct pollfd *fds, nfds_t n) {
  int ret = real.poll(fds, n, 0);
  int e = errno;
  if (ret >= 0) {
    struct rec r;
    rec_begin(&r, "poll");
    rec_array(&r, "fds");
    for (nfds_t i = 0; i < n; ++i) {
      if (!capture_tracked_now(fds[i].fd)) continue;
      rec_object(&r, NULL);
      rec_int(&r, "fd", fds[i].fd);
      rec_int(&r, "events", (unsigned short)fds[i].events);
      rec_int(&r, "revents", (unsigned short)fds[i].revents);
      rec_close_object(&r);
    }
    rec_close_array(&r);
    rec_end(&r);
  }
  errno = e;
  return ret;
}

int poll(struct pollfd *fds, nfds_t n, int timeout) {
  capture_resolve_real();
  int any = 0;
  if (capturing())
    for (nfds_t i = 0; i < n; ++i) any |= capture_maybe_tracked(fds[i].fd);
  if (!any) return real.poll(fds, n, timeout);
  long long deadline = timeout > 0 ? now_ms() + timeout : 0;
  for (;;) {
    capture_lock();
    int ret = real.poll(fds, n, 0);
    int e = errno;
    if (ret != 0 || timeout == 0) {
      if (ret >= 0) ret = poll_record(fds, n);
      e = errno;
      capture_unlock();
      errno = e;
      return ret;
    }
    capture_unlock();
    int left = timeout < 0 ? -1 : (int)(deadline - now_ms());
    if (timeout > 0 && left < 0) left = 0;
    int waited = real.poll(fds, n, left);
    if (waited < 0) return -1; /* EINTR and the like: nothing was recorded, nothing changed */
    if (waited == 0) {
      /* Timed out: what the tracked fds are at the deadline is the answer. */
      capture_lock();
      ret = poll_record(fds, n);
      e = errno;
      capture_unlock();
      errno = e;
      return ret;
    }
    /* Something became ready: read it again under the lock, so the answer is a step. */
  }
}

/* _FORTIFY_SOURCE turns these calls into their checking variants when the buffer's size is
 * known; they must be captured as well. The checks are glibc's (debug/read_chk.c and friends). */
extern void __chk_fail(void) __attribute__((noreturn));

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen) {
  if (len > buflen) __chk_fail();
  return read(fd, buf, len);
}

ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags) {
  if (len > buflen) __chk_fail();
  return recv(fd, buf, len, flags);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
                       struct sockaddr *from, socklen_t *fromlen) {
  if (len > buflen) __chk_fail();
  return recvfrom(fd, buf, len, flags, from, fromlen);
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen) {
  if (fdslen / sizeof(*fds) < n) __chk_fail();
  return poll(fds, n, timeout);
}
