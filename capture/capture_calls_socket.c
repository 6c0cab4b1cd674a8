/* The socket calls: creation, names, connections, options. Each one on a tracked fd (or making
 * an AF_UNIX socket) runs under the capture lock and is recorded with its real result. accept
 * and connect would block: they are tried without blocking under the lock, and while they
 * would block the lock is let go and the process waits (docs/capture.md, "One lock"). */
/* Not _GNU_SOURCE: glibc then declares the sockaddr arguments as transparent unions, and these
 * definitions must match the plain declarations. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "capture/capture_lib.h"

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags); /* a GNU extension */

void rec_addr(struct rec *r, const char *key, const struct sockaddr *a, socklen_t len) {
  rec_object(r, key);
  rec_int(r, "len", len);
  if (!a) {
    rec_str(r, "kind", "none");
  } else if (len < sizeof(sa_family_t)) {
    rec_str(r, "kind", "short");
  } else if (a->sa_family == AF_UNSPEC) {
    rec_str(r, "kind", "unspec");
  } else if (a->sa_family != AF_UNIX) {
    rec_str(r, "kind", "other");
    rec_int(r, "family", a->sa_family);
  } else {
    const struct sockaddr_un *u = (const struct sockaddr_un *)a;
    size_t n = len - offsetof(struct sockaddr_un, sun_path);
    if (n > sizeof u->sun_path) n = sizeof u->sun_path;
    if (n == 0) {
      rec_str(r, "kind", "unnamed");
    } else if (u->sun_path[0] == '\0') {
      rec_str(r, "kind", "abstract");
      rec_hex(r, "name_hex", u->sun_path + 1, n - 1);
    } else {
      size_t plen = strnlen(u->sun_path, n);
      rec_str(r, "kind", "path");
      rec_hex(r, "path_hex", u->sun_path, plen);
      /* Where a relative path is: the process's directory now. */
      char abs[4096 + 128];
      size_t alen = 0;
      if (u->sun_path[0] != '/' && getcwd(abs, 4096)) {
        alen = strlen(abs);
        abs[alen++] = '/';
      }
      memcpy(abs + alen, u->sun_path, plen);
      rec_hex(r, "abs_hex", abs, alen + plen);
    }
  }
  rec_close_object(r);
}

int socket(int domain, int type, int protocol) {
  capture_resolve_real();
  if (domain != AF_UNIX || !capturing()) return real.socket(domain, type, protocol);
  capture_lock();
  int fd = real.socket(domain, type, protocol);
  int e = errno;
  if (fd >= 0) capture_track_new(fd);
  struct rec r;
  rec_begin(&r, "socket");
  rec_int(&r, "type", type);
  rec_int(&r, "protocol", protocol);
  rec_errno(&r, fd, e);
  if (fd >= 0) rec_key_of(&r, "key", fd);
  rec_end(&r);
  capture_unlock();
  errno = e;
  return fd;
}

int socketpair(int domain, int type, int protocol, int sv[2]) {
  capture_resolve_real();
  if (domain != AF_UNIX || !capturing()) return real.socketpair(domain, type, protocol, sv);
  capture_lock();
  int ret = real.socketpair(domain, type, protocol, sv);
  int e = errno;
  struct rec r;
  rec_begin(&r, "socketpair");
  rec_int(&r, "type", type);
  rec_int(&r, "protocol", protocol);
  rec_errno(&r, ret, e);
  if (ret == 0) {
    capture_track_new(sv[0]);
    capture_track_new(sv[1]);
    rec_array(&r, "fds");
    rec_elem_int(&r, sv[0]);
    rec_elem_int(&r, sv[1]);
    rec_close_array(&r);
    rec_key_of(&r, "key0", sv[0]);
    rec_key_of(&r, "key1", sv[1]);
  }
  rec_end(&r);
  capture_unlock();
  errno = e;
  return ret;
}

/* bind, listen, shutdown and the name calls: one attempt under the lock, recorded. */

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.bind(fd, addr, len);
  int ret = real.bind(fd, addr, len);
  int e = errno;
  struct rec r;
  rec_begin(&r, "bind");
  rec_int(&r, "fd", fd);
  rec_addr(&r, "addr", addr, len);
  return capture_call_end(&r, ret, e);
}

int listen(int fd, int backlog) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.listen(fd, backlog);
  int ret = real.listen(fd, backlog);
  int e = errno;
  struct rec r;
  rec_begin(&r, "listen");
  rec_int(&r, "fd", fd);
  rec_int(&r, "backlog", backlog);
  return capture_call_end(&r, ret, e);
}

int shutdown(int fd, int how) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.shutdown(fd, how);
  int ret = real.shutdown(fd, how);
  int e = errno;
  struct rec r;
  rec_begin(&r, "shutdown");
  rec_int(&r, "fd", fd);
  rec_int(&r, "how", how);
  return capture_call_end(&r, ret, e);
}

static int name_call(const char *call, int peer, int fd, struct sockaddr *addr, socklen_t *len) {
  int (*f)(int, struct sockaddr *, socklen_t *) = peer ? real.getpeername : real.getsockname;
  if (!capture_call_begin(fd)) return f(fd, addr, len);
  socklen_t given = len ? *len : 0;
  int ret = f(fd, addr, len);
  int e = errno;
  struct rec r;
  rec_begin(&r, call);
  rec_int(&r, "fd", fd);
  if (ret == 0) rec_addr(&r, "addr", addr, *len < given ? *len : given);
  return capture_call_end(&r, ret, e);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len) {
  capture_resolve_real();
  return name_call("getsockname", 0, fd, addr, len);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len) {
  capture_resolve_real();
  return name_call("getpeername", 1, fd, addr, len);
}

int setsockopt(int fd, int level, int opt, const void *value, socklen_t len) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.setsockopt(fd, level, opt, value, len);
  int ret = real.setsockopt(fd, level, opt, value, len);
  int e = errno;
  struct rec r;
  rec_begin(&r, "setsockopt");
  rec_int(&r, "fd", fd);
  rec_int(&r, "level", level);
  rec_int(&r, "opt", opt);
  rec_int(&r, "optlen", len);
  if (value && len >= (socklen_t)sizeof(int)) {
    int v;
    memcpy(&v, value, sizeof v);
    rec_int(&r, "value", v);
  }
  return capture_call_end(&r, ret, e);
}

int getsockopt(int fd, int level, int opt, void *value, socklen_t *len) {
  capture_resolve_real();
  if (!capture_call_begin(fd)) return real.getsockopt(fd, level, opt, value, len);
  socklen_t given = len ? *len : 0;
  int ret = real.getsockopt(fd, level, opt, value, len);
  int e = errno;
  struct rec r;
  rec_begin(&r, "getsockopt");
  rec_int(&r, "fd", fd);
  rec_int(&r, "level", level);
  rec_int(&r, "opt", opt);
  rec_int(&r, "optlen", given);
  if (ret == 0 && value && len) {
    socklen_t got = *len < given ? *len : given;
    rec_hex(&r, "value_hex", value, got);
    if (level == SOL_SOCKET && opt == 77 /* SO_PEERPIDFD: a new fd */ && got >= sizeof(int)) {
      int pidfd;
      memcpy(&pidfd, value, sizeof pidfd);
      rec_int(&r, "newfd", pidfd);
      rec_key_of(&r, "key", pidfd);
    }
  }
  return capture_call_end(&r, ret, e);
}

static int do_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags, int four) {
  if (!capturing() || !capture_maybe_tracked(fd))
    return four ? real.accept4(fd, addr, len, flags) : real.accept(fd, addr, len);
  for (int attempt = 0;; ++attempt) {
    capture_lock();
    if (!capture_tracked_now(fd)) {
      capture_unlock();
      return four ? real.accept4(fd, addr, len, flags) : real.accept(fd, addr, len);
    }
    /* The listener's O_NONBLOCK only for this attempt: the accepted socket never inherits it. */
    int saved = capture_nonblock_begin(fd);
    int prog_nonblock = saved >= 0 && (saved & O_NONBLOCK);
    int ret = four ? real.accept4(fd, addr, len, flags) : real.accept(fd, addr, len);
    int e = errno;
    capture_nonblock_end(fd, saved);
    if (ret < 0 && e == EAGAIN && !prog_nonblock) {
      capture_unlock();
      capture_wait(fd, POLLIN, attempt);
      continue;
    }
    if (ret >= 0) capture_track_new(ret);
    struct rec r;
    rec_begin(&r, "accept");
    rec_int(&r, "fd", fd);
    rec_bool(&r, "accept4", four);
    rec_int(&r, "flags", flags);
    rec_errno(&r, ret, e);
    if (ret >= 0) rec_key_of(&r, "key", ret);
    rec_end(&r);
    capture_unlock();
    errno = e;
    return ret;
  }
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  capture_resolve_real();
  return do_accept(fd, addr, len, 0, 0);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  capture_resolve_real();
  return do_accept(fd, addr, len, flags, 1);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  capture_resolve_real();
  if (!capturing() || !capture_maybe_tracked(fd)) return real.connect(fd, addr, len);
  for (int attempt = 0;; ++attempt) {
    capture_lock();
    if (!capture_tracked_now(fd)) {
      capture_unlock();
      return real.connect(fd, addr, len);
    }
    int saved = capture_nonblock_begin(fd);
    int prog_nonblock = saved >= 0 && (saved & O_NONBLOCK);
    int ret = real.connect(fd, addr, len);
    int e = errno;
    capture_nonblock_end(fd, saved);
    /* A stream connect blocks only while the listener's backlog is full (EAGAIN when
     * nonblocking, unix_stream_connect); nothing to poll for: wait a little and try again. */
    if (ret < 0 && e == EAGAIN && !prog_nonblock) {
      capture_unlock();
      capture_wait(-1, 0, attempt);
      continue;
    }
    struct rec r;
    rec_begin(&r, "connect");
    rec_int(&r, "fd", fd);
    rec_addr(&r, "addr", addr, len);
    rec_errno(&r, ret, e);
    rec_end(&r);
    capture_unlock();
    errno = e;
    return ret;
  }
}
