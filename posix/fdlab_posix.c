/* libfdlab_posix's C half: the program's calls, taken with the linker's --wrap, either go to
 * the simulator (AF_UNIX sockets, pipes, and every fd the simulator handed this process) or to
 * Emscripten's own implementation (__real_*). Structs are read and written here, with the
 * program's own <sys/socket.h>, so the JavaScript half (fdlab_posix.js) only copies bytes.
 *
 * Errors come back from the simulator as Linux's numbers and leave as this target's errno
 * values, by name: Emscripten's EAGAIN is not Linux's 11. */
#include "fdlab_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* The request fdlab_posix.js reads: every field is 4 bytes on wasm32, in this order. */
struct fdlab_request {
  int op;
  int fd;
  int a, b, c;
  void *data;
  int data_len;
  void *control;
  int control_len;
  void *name;
  int name_len;
  int out[4]; /* new fds; msg_flags, msg_controllen, msg_namelen; an option's value */
};

enum {
  OP_SOCKET = 1,
  OP_SOCKETPAIR,
  OP_PIPE2,
  OP_BIND,
  OP_LISTEN,
  OP_CONNECT,
  OP_ACCEPT4,
  OP_SENDMSG,
  OP_RECVMSG,
  OP_READ,
  OP_WRITE,
  OP_CLOSE,
  OP_DUP,
  OP_FCNTL,
  OP_SHUTDOWN,
  OP_SETSOCKOPT,
  OP_GETSOCKOPT,
  OP_POLL,
  OP_UNLINK,
  OP_USE_PROCESS,
  OP_GIVE,
  OP_FSTAT,
  OP_OPEN_TEMP,
  OP_LSEEK,
  OP_SETRLIMIT
};

/* Beyond every errno, as in capi/include/fdlab/sim.h. */
#define FDLAB_SIM_BLOCKED (-4096L)
#define FDLAB_SIM_UNSUPPORTED (-4097L)

/* fdlab_posix.js */
extern long fdlab_js_call(struct fdlab_request *r);
extern int fdlab_js_errno_name(long linux_errno, char *out, int room);

/* The fds the simulator gave this process. 0, 1 and 2 stay Emscripten's stdio. */
#define FDLAB_MAX_FD 4096
static unsigned char owned[FDLAB_MAX_FD];
static int last_blocked;
/* Set by fdlab_posix_use_process: a program that plays processes opens no files of its own,
 * so every fd above 2 is the model's (in whichever process it plays now). */
static int all_model;

/* A program playing processes is all the model's, its stdio included: its own stdin and stdout
 * go through stdio (readv, writev), which nothing here wraps. */
static int is_model_fd(int fd) {
  return all_model ? fd >= 0 : fd > 2 && fd < FDLAB_MAX_FD && owned[fd];
}
static void own(int fd) {
  if (fd >= 0 && fd < FDLAB_MAX_FD) owned[fd] = 1;
}

static const struct {
  const char *name;
  int value;
} host_errnos[] = {
    {"EPERM", EPERM},
    {"ENOENT", ENOENT},
    {"ESRCH", ESRCH},
    {"EINTR", EINTR},
    {"EBADF", EBADF},
    {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM},
    {"EACCES", EACCES},
    {"EFAULT", EFAULT},
    {"EEXIST", EEXIST},
    {"ENOTDIR", ENOTDIR},
    {"EISDIR", EISDIR},
    {"EINVAL", EINVAL},
    {"ENFILE", ENFILE},
    {"EMFILE", EMFILE},
    {"ESPIPE", ESPIPE},
    {"EPIPE", EPIPE},
    {"ERANGE", ERANGE},
    {"ENAMETOOLONG", ENAMETOOLONG},
    {"ENOSYS", ENOSYS},
    {"ENOTEMPTY", ENOTEMPTY},
    {"ELOOP", ELOOP},
    {"ENODATA", ENODATA},
    {"EOVERFLOW", EOVERFLOW},
    {"ENOTSOCK", ENOTSOCK},
    {"EDESTADDRREQ", EDESTADDRREQ},
    {"EMSGSIZE", EMSGSIZE},
    {"EPROTOTYPE", EPROTOTYPE},
    {"ENOPROTOOPT", ENOPROTOOPT},
    {"EPROTONOSUPPORT", EPROTONOSUPPORT},
    {"EOPNOTSUPP", EOPNOTSUPP},
    {"EAFNOSUPPORT", EAFNOSUPPORT},
    {"EADDRINUSE", EADDRINUSE},
    {"EADDRNOTAVAIL", EADDRNOTAVAIL},
    {"ECONNABORTED", ECONNABORTED},
    {"ECONNRESET", ECONNRESET},
    {"ENOBUFS", ENOBUFS},
    {"EISCONN", EISCONN},
    {"ENOTCONN", ENOTCONN},
    {"ETOOMANYREFS", ETOOMANYREFS},
    {"ETIMEDOUT", ETIMEDOUT},
    {"ECONNREFUSED", ECONNREFUSED},
};

/* What the model cannot serve stops the program with a message: carrying on would make its
 * run differ from Linux's without anyone knowing. */
static void unsupported(const struct fdlab_request *r) {
  fprintf(stderr,
          "fdlab_posix: the model cannot serve this call (op %d on fd %d); see the host's "
          "message above. Stopping rather than answering differently from Linux.\n",
          r->op, r->fd);
  exit(70); /* EX_SOFTWARE */
}

/* A call on a model fd that the library does not serve: stopping is the only answer that
 * cannot differ from Linux's without anyone knowing. */
static void beyond_the_model(const char *call, int fd, const char *why) {
  fprintf(stderr, "fdlab_posix: %s on fd %d: %s; stopping rather than answering differently "
          "from Linux (docs/programs.md)\n", call, fd, why);
  exit(70);
}

/* The syscall convention: a result, or -1 with errno set to this target's value. */
static long finish(const struct fdlab_request *r, long ret) {
  last_blocked = 0;
  if (ret >= 0) return ret;
  if (ret == FDLAB_SIM_UNSUPPORTED) unsupported(r);
  if (ret == FDLAB_SIM_BLOCKED) {
    last_blocked = 1;
    errno = EDEADLK;
    return -1;
  }
  char name[32];
  if (fdlab_js_errno_name(-ret, name, sizeof name) > 0) {
    for (size_t i = 0; i < sizeof host_errnos / sizeof host_errnos[0]; ++i) {
      if (strcmp(host_errnos[i].name, name) == 0) {
        errno = host_errnos[i].value;
        return -1;
      }
    }
  }
  fprintf(stderr, "fdlab_posix: Linux errno %ld has no name here\n", -ret);
  exit(70);
}

/* Linux sent SIGPIPE with the EPIPE: its default action ends the process. Emscripten's raise()
 * ignores default actions, so that one is done here; an ignored signal is nothing, a handler
 * runs through raise(). */
static void deliver_sigpipe(void) {
  struct sigaction now;
  sigset_t blocked;
  /* Blocked, it stays pending (Emscripten's raise() keeps it so), as on Linux. */
  if (sigprocmask(SIG_BLOCK, NULL, &blocked) == 0 && sigismember(&blocked, SIGPIPE)) {
    raise(SIGPIPE);
    return;
  }
  if (sigaction(SIGPIPE, NULL, &now) != 0) return;
  if (!(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_IGN) return;
  if (!(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL) {
    fprintf(stderr, "fdlab_posix: killed by SIGPIPE\n");
    fflush(NULL);
    _exit(128 + SIGPIPE);
  }
  raise(SIGPIPE);
}

static long call(struct fdlab_request *r) {
  long ret = fdlab_js_call(r);
  if ((r->op == OP_WRITE || r->op == OP_SENDMSG) && r->out[3]) deliver_sigpipe();
  return finish(r, ret);
}

static struct fdlab_request request(int op, int fd) {
  struct fdlab_request r;
  memset(&r, 0, sizeof r);
  r.op = op;
  r.fd = fd;
  return r;
}

int fdlab_posix_use_process(int index) {
  struct fdlab_request r = request(OP_USE_PROCESS, -1);
  r.a = index;
  if (call(&r) < 0) return -1;
  all_model = 1;
  return 0;
}

int fdlab_posix_last_call_blocked(void) { return last_blocked; }

int fdlab_posix_open_temp(int flags) {
  struct fdlab_request r = request(OP_OPEN_TEMP, -1);
  r.a = flags;
  long ret = call(&r);
  if (ret >= 0) own((int)ret);
  return (int)ret;
}

int fdlab_posix_give(int fd, int to) {
  struct fdlab_request r = request(OP_GIVE, fd);
  r.a = to;
  return (int)call(&r);
}

/* The real calls, for what stays Emscripten's. */
int __real_socket(int, int, int);
int __real_socketpair(int, int, int, int[2]);
int __real_pipe(int[2]);
int __real_pipe2(int[2], int);
int __real_bind(int, const struct sockaddr *, socklen_t);
int __real_listen(int, int);
int __real_connect(int, const struct sockaddr *, socklen_t);
int __real_accept(int, struct sockaddr *, socklen_t *);
int __real_accept4(int, struct sockaddr *, socklen_t *, int);
ssize_t __real_sendmsg(int, const struct msghdr *, int);
ssize_t __real_recvmsg(int, struct msghdr *, int);
ssize_t __real_send(int, const void *, size_t, int);
ssize_t __real_recv(int, void *, size_t, int);
ssize_t __real_sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t __real_recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t __real_read(int, void *, size_t);
ssize_t __real_write(int, const void *, size_t);
int __real_close(int);
int __real_dup(int);
int __real_fcntl(int, int, ...);
int __real_shutdown(int, int);
int __real_setsockopt(int, int, int, const void *, socklen_t);
int __real_getsockopt(int, int, int, void *, socklen_t *);
int __real_poll(struct pollfd *, nfds_t, int);
int __real_unlink(const char *);

int __wrap_socket(int domain, int type, int protocol) {
  if (domain != AF_UNIX) return __real_socket(domain, type, protocol);
  struct fdlab_request r = request(OP_SOCKET, -1);
  r.a = domain, r.b = type, r.c = protocol;
  long ret = call(&r);
  if (ret >= 0) own((int)ret);
  return (int)ret;
}

int __wrap_socketpair(int domain, int type, int protocol, int sv[2]) {
  if (domain != AF_UNIX) return __real_socketpair(domain, type, protocol, sv);
  struct fdlab_request r = request(OP_SOCKETPAIR, -1);
  r.a = domain, r.b = type, r.c = protocol;
  long ret = call(&r);
  if (ret < 0) return -1;
  sv[0] = r.out[0], sv[1] = r.out[1];
  own(sv[0]), own(sv[1]);
  return 0;
}

int __wrap_pipe2(int fds[2], int flags) {
  struct fdlab_request r = request(OP_PIPE2, -1);
  r.a = flags;
  long ret = call(&r);
  if (ret < 0) return -1;
  fds[0] = r.out[0], fds[1] = r.out[1];
  own(fds[0]), own(fds[1]);
  return 0;
}

int __wrap_pipe(int fds[2]) { return __wrap_pipe2(fds, 0); }

static int with_address(int op, int fd, const struct sockaddr *addr, socklen_t len) {
  struct fdlab_request r = request(op, fd);
  r.name = (void *)addr, r.name_len = (int)len;
  return (int)call(&r);
}

int __wrap_bind(int fd, const struct sockaddr *addr, socklen_t len) {
  if (!is_model_fd(fd)) return __real_bind(fd, addr, len);
  return with_address(OP_BIND, fd, addr, len);
}

int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len) {
  if (!is_model_fd(fd)) return __real_connect(fd, addr, len);
  return with_address(OP_CONNECT, fd, addr, len);
}

int __wrap_listen(int fd, int backlog) {
  if (!is_model_fd(fd)) return __real_listen(fd, backlog);
  struct fdlab_request r = request(OP_LISTEN, fd);
  r.a = backlog;
  return (int)call(&r);
}

int __wrap_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  if (!is_model_fd(fd)) return __real_accept4(fd, addr, len, flags);
  struct fdlab_request r = request(OP_ACCEPT4, fd);
  r.a = flags;
  r.name = addr, r.name_len = addr && len ? (int)*len : 0;
  long ret = call(&r);
  if (ret < 0) return -1;
  if (addr && len) *len = (socklen_t)r.out[2];
  own((int)ret);
  return (int)ret;
}

int __wrap_accept(int fd, struct sockaddr *addr, socklen_t *len) {
  if (!is_model_fd(fd)) return __real_accept(fd, addr, len);
  return __wrap_accept4(fd, addr, len, 0);
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags) {
  if (!is_model_fd(fd)) return __real_sendmsg(fd, msg, flags);
  /* Emscripten's own fds (stdio, files) are not in the model's tables: sent, they would be
   * EBADF there, or the model's stand-in for stdio, where Linux passes the real file. */
  if (msg->msg_control && msg->msg_controllen >= sizeof(struct cmsghdr)) {
    for (struct cmsghdr *c = CMSG_FIRSTHDR((struct msghdr *)msg); c;
         c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len < CMSG_LEN(0))
        continue;
      size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; ++i) {
        int passed;
        memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
        if (passed >= 0 && !is_model_fd(passed) && (passed <= 2 || __real_fcntl(passed, F_GETFD, 0) >= 0))
          beyond_the_model("sendmsg", fd, "SCM_RIGHTS of an fd that is Emscripten's own (stdio or a file), not the model's");
      }
    }
  }
  size_t total = 0;
  for (size_t i = 0; i < (size_t)msg->msg_iovlen; ++i) total += msg->msg_iov[i].iov_len;
  char *data = malloc(total ? total : 1);
  if (!data) return errno = ENOMEM, -1;
  for (size_t i = 0, at = 0; i < (size_t)msg->msg_iovlen; at += msg->msg_iov[i].iov_len, ++i)
    memcpy(data + at, msg->msg_iov[i].iov_base, msg->msg_iov[i].iov_len);
  struct fdlab_request r = request(OP_SENDMSG, fd);
  r.a = flags;
  r.data = data, r.data_len = (int)total;
  /* A NULL msg_control with a length is the kernel's EFAULT: c says which. */
  r.control = msg->msg_control, r.control_len = (int)msg->msg_controllen;
  r.c = msg->msg_control == NULL;
  r.name = msg->msg_name, r.name_len = (int)msg->msg_namelen;
  long ret = call(&r);
  free(data);
  return ret;
}

ssize_t __wrap_recvmsg(int fd, struct msghdr *msg, int flags) {
  if (!is_model_fd(fd)) return __real_recvmsg(fd, msg, flags);
  size_t room = 0;
  for (size_t i = 0; i < (size_t)msg->msg_iovlen; ++i) room += msg->msg_iov[i].iov_len;
  char *data = malloc(room ? room : 1);
  if (!data) return errno = ENOMEM, -1;
  struct fdlab_request r = request(OP_RECVMSG, fd);
  r.a = flags;
  r.data = data, r.data_len = (int)room;
  r.control = msg->msg_control, r.control_len = (int)msg->msg_controllen;
  r.name = msg->msg_name, r.name_len = msg->msg_name ? (int)msg->msg_namelen : 0;
  long ret = call(&r);
  if (ret >= 0) {
    size_t copied = (size_t)ret < room ? (size_t)ret : room; /* MSG_TRUNC returns more */
    for (size_t i = 0, at = 0; i < (size_t)msg->msg_iovlen && at < copied; ++i) {
      size_t n = msg->msg_iov[i].iov_len < copied - at ? msg->msg_iov[i].iov_len : copied - at;
      memcpy(msg->msg_iov[i].iov_base, data + at, n);
      at += n;
    }
    msg->msg_flags = r.out[0];
    msg->msg_controllen = (socklen_t)r.out[1];
    if (msg->msg_name) msg->msg_namelen = (socklen_t)r.out[2];
    /* The fds it installed are the model's from now on. */
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < n; ++i) {
        int got;
        memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
        own(got);
      }
    }
  }
  free(data);
  return ret;
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags) {
  if (!is_model_fd(fd)) return __real_send(fd, buf, len, flags);
  struct iovec iov = {(void *)buf, len};
  struct msghdr msg = {0};
  msg.msg_iov = &iov, msg.msg_iovlen = 1;
  return __wrap_sendmsg(fd, &msg, flags);
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags,
                      const struct sockaddr *addr, socklen_t alen) {
  if (!is_model_fd(fd)) return __real_sendto(fd, buf, len, flags, addr, alen);
  struct iovec iov = {(void *)buf, len};
  struct msghdr msg = {0};
  msg.msg_iov = &iov, msg.msg_iovlen = 1;
  msg.msg_name = (void *)addr, msg.msg_namelen = addr ? alen : 0;
  return __wrap_sendmsg(fd, &msg, flags);
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags) {
  if (!is_model_fd(fd)) return __real_recv(fd, buf, len, flags);
  struct iovec iov = {buf, len};
  struct msghdr msg = {0};
  msg.msg_iov = &iov, msg.msg_iovlen = 1;
  return __wrap_recvmsg(fd, &msg, flags);
}

ssize_t __wrap_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr,
                        socklen_t *alen) {
  if (!is_model_fd(fd)) return __real_recvfrom(fd, buf, len, flags, addr, alen);
  struct iovec iov = {buf, len};
  struct msghdr msg = {0};
  msg.msg_iov = &iov, msg.msg_iovlen = 1;
  msg.msg_name = addr, msg.msg_namelen = addr && alen ? *alen : 0;
  ssize_t ret = __wrap_recvmsg(fd, &msg, flags);
  if (ret >= 0 && addr && alen) *alen = msg.msg_namelen;
  return ret;
}

ssize_t __wrap_read(int fd, void *buf, size_t len) {
  if (!is_model_fd(fd)) return __real_read(fd, buf, len);
  struct fdlab_request r = request(OP_READ, fd);
  r.data = buf, r.data_len = (int)len;
  return call(&r);
}

ssize_t __wrap_write(int fd, const void *buf, size_t len) {
  if (!is_model_fd(fd)) return __real_write(fd, buf, len);
  struct fdlab_request r = request(OP_WRITE, fd);
  r.data = (void *)buf, r.data_len = (int)len;
  return call(&r);
}

int __wrap_close(int fd) {
  if (!is_model_fd(fd)) return __real_close(fd);
  struct fdlab_request r = request(OP_CLOSE, fd);
  long ret = call(&r);
  if (ret == 0) owned[fd] = 0;
  return (int)ret;
}

int __wrap_dup(int fd) {
  if (!is_model_fd(fd)) return __real_dup(fd);
  struct fdlab_request r = request(OP_DUP, fd);
  long ret = call(&r);
  if (ret >= 0) own((int)ret);
  return (int)ret;
}

int __wrap_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long); /* every command the model serves takes an int or nothing */
  va_end(ap);
  if (!is_model_fd(fd)) return __real_fcntl(fd, cmd, arg);
  struct fdlab_request r = request(OP_FCNTL, fd);
  r.a = cmd, r.b = (int)arg;
  long ret = call(&r);
  if (ret >= 0 && cmd == F_DUPFD) own((int)ret);
  return (int)ret;
}

int __wrap_shutdown(int fd, int how) {
  if (!is_model_fd(fd)) return __real_shutdown(fd, how);
  struct fdlab_request r = request(OP_SHUTDOWN, fd);
  r.a = how;
  return (int)call(&r);
}

int __wrap_setsockopt(int fd, int level, int name, const void *value, socklen_t len) {
  if (!is_model_fd(fd)) return __real_setsockopt(fd, level, name, value, len);
  if (len < sizeof(int)) return errno = EINVAL, -1; /* sock_setsockopt: an int at least */
  struct fdlab_request r = request(OP_SETSOCKOPT, fd);
  r.a = level, r.b = name;
  memcpy(&r.c, value, sizeof(int));
  return (int)call(&r);
}

int __wrap_getsockopt(int fd, int level, int name, void *value, socklen_t *len) {
  if (!is_model_fd(fd)) return __real_getsockopt(fd, level, name, value, len);
  struct fdlab_request r = request(OP_GETSOCKOPT, fd);
  r.a = level, r.b = name;
  long ret = call(&r);
  if (ret < 0) return -1;
  if (*len >= sizeof(int)) {
    memcpy(value, &r.out[3], sizeof(int));
    *len = sizeof(int);
  }
  return 0;
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout) {
  int model = 0, other = 0;
  for (nfds_t i = 0; i < n; ++i) {
    if (fds[i].fd < 0) continue;
    if (is_model_fd(fds[i].fd))
      model = 1;
    else
      other = 1;
  }
  if (!model) return __real_poll(fds, n, timeout);
  if (other) {
    fprintf(stderr, "fdlab_posix: poll over both model fds and Emscripten's own fds\n");
    struct fdlab_request r = request(OP_POLL, -1);
    unsupported(&r);
  }
  struct fdlab_request r = request(OP_POLL, -1);
  r.data = fds, r.data_len = (int)(n * sizeof(struct pollfd));
  r.a = timeout;
  return (int)call(&r);
}

int __wrap_unlink(const char *path) {
  /* A socket file lives in the model's namespace; anything else is the program's file. */
  struct fdlab_request r = request(OP_UNLINK, -1);
  r.name = (void *)path, r.name_len = (int)strlen(path);
  long ret = fdlab_js_call(&r);
  if (ret != -2 /* -ENOENT, Linux's */) return finish(&r, ret);
  return __real_unlink(path);
}

/* Calls that take an fd and that the model does not serve: on a model fd they stop the
 * program; on any other fd they are Emscripten's. */
int __real_dup2(int, int);
int __real_dup3(int, int, int);
int __real_getsockname(int, struct sockaddr *, socklen_t *);
int __real_getpeername(int, struct sockaddr *, socklen_t *);
int __real_ioctl(int, int, ...);
int __real_fstat(int, struct stat *);
off_t __real_lseek(int, off_t, int);
ssize_t __real_readv(int, const struct iovec *, int);
ssize_t __real_writev(int, const struct iovec *, int);
int __real_select(int, fd_set *, fd_set *, fd_set *, struct timeval *);

int __wrap_dup2(int fd, int to) {
  if (is_model_fd(fd) || is_model_fd(to)) beyond_the_model("dup2", fd, "the model's dup takes the lowest free number");
  return __real_dup2(fd, to);
}
int __wrap_dup3(int fd, int to, int flags) {
  if (is_model_fd(fd) || is_model_fd(to)) beyond_the_model("dup3", fd, "the model's dup takes the lowest free number");
  return __real_dup3(fd, to, flags);
}
int __wrap_getsockname(int fd, struct sockaddr *a, socklen_t *l) {
  if (is_model_fd(fd)) beyond_the_model("getsockname", fd, "not served by libfdlab_posix yet");
  return __real_getsockname(fd, a, l);
}
int __wrap_getpeername(int fd, struct sockaddr *a, socklen_t *l) {
  if (is_model_fd(fd)) beyond_the_model("getpeername", fd, "not served by libfdlab_posix yet");
  return __real_getpeername(fd, a, l);
}
int __wrap_ioctl(int fd, int request, ...) {
  va_list ap;
  va_start(ap, request);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (is_model_fd(fd)) beyond_the_model("ioctl", fd, "the model has no ioctls (FIONREAD: use SO_INQ)");
  return __real_ioctl(fd, request, arg);
}
/* A model fd's type and identity: st_dev is the model's own, st_ino its object (one per open
 * file description: both ends of a pipe are two, where Linux has one inode), nothing else. */
int __wrap_fstat(int fd, struct stat *st) {
  if (!is_model_fd(fd)) return __real_fstat(fd, st);
  struct fdlab_request r = request(OP_FSTAT, fd);
  if (call(&r) < 0) return -1;
  memset(st, 0, sizeof *st);
  st->st_dev = 0xfd1ab;
  st->st_ino = (ino_t)r.out[0];
  st->st_mode = (mode_t)r.out[1] | 0600;
  st->st_nlink = 1;
  return 0;
}
off_t __wrap_lseek(int fd, off_t off, int whence) {
  if (!is_model_fd(fd)) return __real_lseek(fd, off, whence);
  struct fdlab_request r = request(OP_LSEEK, fd);
  r.a = (int)off, r.b = whence;
  if ((off_t)r.a != off) return errno = EOVERFLOW, -1; /* the model's offsets fit an int here */
  return (off_t)call(&r);
}
ssize_t __wrap_readv(int fd, const struct iovec *iov, int n) {
  if (is_model_fd(fd)) beyond_the_model("readv", fd, "not served by libfdlab_posix yet (recvmsg is)");
  return __real_readv(fd, iov, n);
}
ssize_t __wrap_writev(int fd, const struct iovec *iov, int n) {
  if (is_model_fd(fd)) beyond_the_model("writev", fd, "not served by libfdlab_posix yet (sendmsg is)");
  return __real_writev(fd, iov, n);
}
int __wrap_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t) {
  for (int fd = 3; fd < n && fd < FDLAB_MAX_FD; ++fd)
    if (is_model_fd(fd) && ((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) || (e && FD_ISSET(fd, e))))
      beyond_the_model("select", fd, "not served by libfdlab_posix yet (poll is)");
  return __real_select(n, r, w, e, t);
}

/* The model's pid for this process: the one SCM_CREDENTIALS from it carries. */
pid_t __real_getpid(void);
/* Synchronous (no Asyncify): libc calls getpid too, from places a suspension cannot unwind. */
extern int fdlab_js_getpid(void);
pid_t __wrap_getpid(void) {
  int pid = fdlab_js_getpid();
  return pid > 0 ? (pid_t)pid : __real_getpid();
}

/* RLIMIT_NOFILE is the model's (it decides EMFILE and which received fds are installed); the
 * other limits stay Emscripten's. */
int __real_setrlimit(int, const struct rlimit *);
int __wrap_setrlimit(int resource, const struct rlimit *lim) {
  if (resource != RLIMIT_NOFILE) return __real_setrlimit(resource, lim);
  if (lim->rlim_cur > lim->rlim_max) return errno = EINVAL, -1;
  struct fdlab_request r = request(OP_SETRLIMIT, -1);
  r.a = lim->rlim_cur > 1 << 20 ? 1 << 20 : (int)lim->rlim_cur;
  return (int)call(&r);
}
