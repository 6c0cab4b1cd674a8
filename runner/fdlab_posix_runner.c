/* fdlab_posix_runner: fdlab's kernel-level scenarios as plain POSIX calls, a "remote kernel".
 *
 * It reads one request a line on standard input and answers one line on standard output
 * (docs/posix-runner.md is the protocol). fdlab's `runner` backend (cli/runner_kernel.cpp)
 * drives it: fdlab resolves labels, turns each step into a request and each answer into the
 * trace record the simulator and the native backend make, so that a run of this program is
 * compared with the simulator step by step.
 *
 * Everything the runner does is a POSIX call with the host's own constants: socketpair, socket,
 * bind, listen, connect, accept, sendmsg and recvmsg with control buffers built and walked with
 * the host's CMSG_* macros, read, write, lseek, fcntl, dup, close, shutdown, poll, unlink,
 * setsockopt, getsockopt, setrlimit, fork. Errno values, flags and option names cross the
 * protocol as NAMES, each mapped with the host's <errno.h> and <sys/socket.h>, so that answers
 * mean the same on Linux, macOS, FreeBSD or a WebAssembly libc, whose numbers differ. A name the
 * host lacks is compiled out (#ifdef) and a request that needs it is answered `unsupported`, as
 * is what cannot be done portably at all (set_ids, collect, memfd, pidfds).
 *
 * Build it for any POSIX system with `cc -o fdlab_posix_runner fdlab_posix_runner.c`. Built with
 * -DFDLAB_POSIX_MODEL and linked with libfdlab_posix (Emscripten: no fork), its scenario
 * processes are the library's ("The model variant" below).
 *
 * Processes. Each scenario process is a forked child with an fd table of its own that starts
 * with exactly fds 0, 1 and 2, one open of /dev/null (O_RDWR), as on fdlab's other backends. The
 * child talks to this parent over one AF_UNIX stream socket moved to a number no scenario
 * allocates (move_channel); it never reports that fd and refuses requests that name it. `give`
 * moves an fd as a program would: the giver sends it to the parent over its channel with
 * SCM_RIGHTS, the parent sends it on to the receiver, which gets it at its lowest free number,
 * FD_CLOEXEC clear (EMFILE at its RLIMIT_NOFILE), and only then does the giver close its own.
 *
 * Calls that would block. Steps run one at a time, so a call that waits can never be woken by a
 * later step: it would wait forever. The parent waits for an answer for the block timeout (300
 * ms, --block-timeout), then interrupts the child with SIGUSR1 (installed without SA_RESTART)
 * every 2 ms until it answers. The child answers `blocked` only when its call came back because
 * of that: EINTR, or a blocking send (or MSG_WAITALL receive) cut short. A call that was merely
 * slow (a loaded machine) finishes and is answered as it finished: load can delay an answer, never
 * turn it into `blocked`. What the interrupted call did before it waited (the bytes a stream send
 * queued, those a MSG_WAITALL receive took) stays done, as on fdlab's native backend. */
#define _GNU_SOURCE /* glibc and musl: accept4, MSG_CMSG_CLOEXEC, struct ucred, O_PATH, ... */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef FDLAB_POSIX_MODEL
#include "fdlab_posix.h"
#endif

#define PROTOCOL_VERSION 1

/* Linux's newer SOL_SOCKET options and cmsgs by their numbers (include/uapi/asm-generic/
 * socket.h), for C libraries older than the kernel. Only where the numbers are Linux's. */
#if defined(__linux__) || defined(__EMSCRIPTEN__)
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83 /* Linux 6.16 */
#endif
#ifndef SO_INQ
#define SO_INQ 84 /* Linux 6.17 */
#endif
#ifndef SCM_INQ
#define SCM_INQ SO_INQ
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 4 /* Linux 6.5 */
#endif
#endif

#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || \
    defined(__DragonFly__)
#define HAVE_SUN_LEN_FIELD 1
#endif

/* ------------------------------------------------------------------------------------------ */
/* Growable buffers and hex                                                                   */

struct buf {
  char *p;
  size_t len, cap;
};

static void die(const char *what) {
  fprintf(stderr, "fdlab_posix_runner: %s: %s\n", what, strerror(errno));
  exit(70);
}

static void *must(void *p) {
  if (p == NULL) die("out of memory");
  return p;
}

static void buf_reserve(struct buf *b, size_t more) {
  if (b->len + more + 1 <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1) cap *= 2;
  b->p = must(realloc(b->p, cap));
  b->cap = cap;
}

static void buf_add(struct buf *b, const void *data, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void buf_vprintf(struct buf *b, const char *fmt, va_list ap) {
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  if (n > 0) {
    buf_reserve(b, (size_t)n);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
    b->len += (size_t)n;
  }
  va_end(again);
}

static void buf_printf(struct buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

static void buf_hex(struct buf *b, const void *data, size_t n) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *d = data;
  buf_reserve(b, 2 * n);
  for (size_t i = 0; i < n; ++i) {
    b->p[b->len++] = digits[d[i] >> 4];
    b->p[b->len++] = digits[d[i] & 15];
  }
  b->p[b->len] = '\0';
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Lower-case hex into a new NUL-terminated buffer; -1 when it is not hex. */
static int unhex(const char *hex, unsigned char **out, size_t *n) {
  size_t len = strlen(hex);
  if (len % 2 != 0) return -1;
  unsigned char *p = must(malloc(len / 2 + 1));
  for (size_t i = 0; i < len / 2; ++i) {
    int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      free(p);
      return -1;
    }
    p[i] = (unsigned char)(hi << 4 | lo);
  }
  p[len / 2] = '\0';
  *out = p;
  *n = len / 2;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Names: every value that crosses the protocol, mapped with the host's own constants          */

struct name {
  const char *name;
  long value;
};
#define NAME(x) \
  { #x, (long)(x) }

/* The model's errnos first (core/errno_name.h), so that an alias (EWOULDBLOCK, ENOTSUP) is
 * answered by the model's name; then others a host may answer, named all the same. */
static const struct name errno_names[] = {
    NAME(EPERM),        NAME(ENOENT),       NAME(EINTR),       NAME(EBADF),
    NAME(EAGAIN),       NAME(ENOMEM),       NAME(EACCES),      NAME(EFAULT),
    NAME(EEXIST),       NAME(ENOTDIR),      NAME(EINVAL),      NAME(ENFILE),
    NAME(EMFILE),       NAME(ESPIPE),       NAME(EPIPE),       NAME(ERANGE),
    NAME(ENAMETOOLONG), NAME(ENOSYS),       NAME(ENOTSOCK),    NAME(EDESTADDRREQ),
    NAME(EMSGSIZE),     NAME(EPROTOTYPE),   NAME(ENOPROTOOPT), NAME(EPROTONOSUPPORT),
    NAME(EOPNOTSUPP),   NAME(EAFNOSUPPORT), NAME(EADDRINUSE),  NAME(EADDRNOTAVAIL),
    NAME(ECONNABORTED), NAME(ECONNRESET),   NAME(ENOBUFS),     NAME(EISCONN),
    NAME(ENOTCONN),
#ifdef ETOOMANYREFS
    NAME(ETOOMANYREFS),
#endif
    NAME(ECONNREFUSED), NAME(ETIMEDOUT),    NAME(ELOOP),       NAME(ENOTEMPTY),
    NAME(EOVERFLOW),    NAME(ESRCH),
#ifdef ENODATA
    NAME(ENODATA),
#endif
    NAME(EISDIR),       NAME(EWOULDBLOCK),  NAME(ENOTSUP),     NAME(EIO),
    NAME(ENXIO),        NAME(ENODEV),       NAME(EROFS),       NAME(EXDEV),
    NAME(ENOSPC),       NAME(ENOTTY),       NAME(EBUSY),       NAME(ECHILD),
    NAME(EDEADLK),      NAME(EALREADY),     NAME(EINPROGRESS), NAME(ENETDOWN),
    NAME(ENETUNREACH),  NAME(EHOSTUNREACH), NAME(EPROTO),      NAME(ECANCELED),
    NAME(EILSEQ),       NAME(E2BIG),        NAME(EMLINK),      NAME(EFBIG),
    {NULL, 0}};

static const struct name msg_flag_names[] = {NAME(MSG_PEEK),         NAME(MSG_DONTWAIT),
#ifdef MSG_CMSG_CLOEXEC
                                             NAME(MSG_CMSG_CLOEXEC),
#endif
#ifdef MSG_NOSIGNAL
                                             NAME(MSG_NOSIGNAL),
#endif
                                             NAME(MSG_WAITALL),      NAME(MSG_TRUNC),
                                             NAME(MSG_CTRUNC),       NAME(MSG_EOR),
                                             NAME(MSG_DONTROUTE),
#ifdef MSG_MORE
                                             NAME(MSG_MORE),
#endif
#ifdef MSG_CONFIRM
                                             NAME(MSG_CONFIRM),
#endif
#ifdef MSG_ERRQUEUE
                                             NAME(MSG_ERRQUEUE),
#endif
#ifdef MSG_FASTOPEN
                                             NAME(MSG_FASTOPEN),
#endif
#ifdef MSG_ZEROCOPY
                                             NAME(MSG_ZEROCOPY),
#endif
                                             NAME(MSG_OOB),          {NULL, 0}};

static const struct name sock_type_names[] = {
    NAME(SOCK_STREAM), NAME(SOCK_SEQPACKET), NAME(SOCK_DGRAM), {NULL, 0}};

static const struct name sockopt_names[] = {NAME(SO_SNDBUF),     NAME(SO_RCVBUF),
#ifdef SO_PASSCRED
                                            NAME(SO_PASSCRED),
#endif
                                            NAME(SO_TYPE),
#ifdef SO_PASSRIGHTS
                                            NAME(SO_PASSRIGHTS),
#endif
#ifdef SO_INQ
                                            NAME(SO_INQ),
#endif
#if defined(SO_PEERCRED) && !defined(__OpenBSD__) /* OpenBSD's has another layout */
#define HAVE_PEERCRED 1
                                            NAME(SO_PEERCRED),
#endif
#ifdef SO_PEEK_OFF
                                            NAME(SO_PEEK_OFF),
#endif
                                            NAME(SO_OOBINLINE),  {NULL, 0}};

static const struct name cmsg_type_names[] = {NAME(SCM_RIGHTS),
#ifdef SCM_CREDENTIALS /* with it, C libraries define Linux's struct ucred */
                                              NAME(SCM_CREDENTIALS),
#endif
#ifdef SCM_PIDFD
                                              NAME(SCM_PIDFD),
#endif
#ifdef SCM_INQ
                                              NAME(SCM_INQ),
#endif
                                              {NULL, 0}};

static const struct name poll_names[] = {
    NAME(POLLIN),    NAME(POLLPRI),    NAME(POLLOUT),    NAME(POLLERR),    NAME(POLLHUP),
    NAME(POLLNVAL),  NAME(POLLRDNORM), NAME(POLLRDBAND), NAME(POLLWRNORM), NAME(POLLWRBAND),
#ifdef POLLRDHUP
    NAME(POLLRDHUP),
#endif
    {NULL, 0}};

/* F_GETFL's answer and F_SETFL's argument beyond the access mode. */
static const struct name status_flag_names[] = {NAME(O_APPEND),
                                                NAME(O_NONBLOCK),
#ifdef O_PATH
                                                NAME(O_PATH),
#endif
                                                {NULL, 0}};

static const struct name access_mode_names[] = {
    NAME(O_RDONLY), NAME(O_WRONLY), NAME(O_RDWR), {NULL, 0}};
static const struct name shut_names[] = {NAME(SHUT_RD), NAME(SHUT_WR), NAME(SHUT_RDWR), {NULL, 0}};
static const struct name whence_names[] = {
    NAME(SEEK_SET), NAME(SEEK_CUR), NAME(SEEK_END), {NULL, 0}};

static int lookup(const struct name *table, const char *name, size_t len, long *value) {
  for (; table->name != NULL; ++table)
    if (strlen(table->name) == len && strncmp(table->name, name, len) == 0) {
      *value = table->value;
      return 0;
    }
  return -1;
}

static const char *name_of(const struct name *table, long value) {
  for (; table->name != NULL; ++table)
    if (table->value == value) return table->name;
  return NULL;
}

/* The flags of a comma-separated list of names ORed into *bits; -1 with the first unknown name
 * in bad[] (a flag this host does not define). */
static int parse_names(const struct name *table, const char *list, long *bits, char *bad,
                       size_t badlen) {
  *bits = 0;
  while (list != NULL && *list != '\0') {
    const char *comma = strchr(list, ',');
    size_t len = comma ? (size_t)(comma - list) : strlen(list);
    long v;
    if (lookup(table, list, len, &v) != 0) {
      snprintf(bad, badlen, "%.*s", (int)(len < 60 ? len : 60), list);
      return -1;
    }
    *bits |= v;
    list = comma ? comma + 1 : NULL;
  }
  return 0;
}

/* Names of every flag of `table` set in `bits`, comma-separated; bits no name covers are
 * written as #0x.., which the fdlab side refuses rather than drop. */
static void add_flag_names(struct buf *b, const struct name *table, long bits) {
  const char *sep = "";
  long left = bits;
  for (; table->name != NULL; ++table)
    if (table->value != 0 && (bits & table->value) == table->value) {
      buf_printf(b, "%s%s", sep, table->name);
      sep = ",";
      left &= ~table->value;
    }
  if (left != 0) buf_printf(b, "%s#0x%lx", sep, (unsigned long)left);
}

/* ------------------------------------------------------------------------------------------ */
/* Requests: words, then key=value arguments                                                  */

struct req {
  char **word;
  int nword;
  char **key, **val;
  int nkv;
};

static void req_free(struct req *r) {
  free(r->word);
  free(r->key);
  free(r->val);
  memset(r, 0, sizeof *r);
}

/* Splits `line` in place at spaces. */
static void req_parse(char *line, struct req *r) {
  size_t max = 1;
  for (const char *p = line; *p; ++p) max += *p == ' ';
  r->word = must(calloc(max, sizeof *r->word));
  r->key = must(calloc(max, sizeof *r->key));
  r->val = must(calloc(max, sizeof *r->val));
  r->nword = r->nkv = 0;
  for (char *tok = line; tok != NULL;) {
    char *next = strchr(tok, ' ');
    if (next != NULL) *next++ = '\0';
    char *eq = strchr(tok, '=');
    if (eq != NULL) {
      *eq = '\0';
      r->key[r->nkv] = tok;
      r->val[r->nkv++] = eq + 1;
    } else if (*tok != '\0') {
      r->word[r->nword++] = tok;
    }
    tok = next;
  }
}

static const char *arg(const struct req *r, const char *key) {
  for (int i = 0; i < r->nkv; ++i)
    if (strcmp(r->key[i], key) == 0) return r->val[i];
  return NULL;
}

static int parse_long(const char *s, long *out) {
  if (s == NULL || *s == '\0') return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0') return -1;
  *out = v;
  return 0;
}

static int arg_long(const struct req *r, const char *key, long *out) {
  return parse_long(arg(r, key), out);
}

static int arg_flag(const struct req *r, const char *key) {
  const char *v = arg(r, key);
  return v != NULL && strcmp(v, "1") == 0;
}

/* "3,4,5" (or "") into a new array of ints. */
static int parse_ints(const char *s, int **out, size_t *n) {
  size_t max = 1;
  for (const char *p = s; *p; ++p) max += *p == ',';
  int *v = must(malloc(max * sizeof *v));
  size_t count = 0;
  while (*s != '\0') {
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno != 0 || end == s || x < INT_MIN || x > INT_MAX || (*end != ',' && *end != '\0')) {
      free(v);
      return -1;
    }
    v[count++] = (int)x;
    s = *end == ',' ? end + 1 : end;
  }
  *out = v;
  *n = count;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Answers. Each ans_* replaces what the answer held and returns 0, so that an operation can   */
/* end with `return ans_errno(a, errno);`.                                                     */

static volatile sig_atomic_t interrupted; /* the parent's SIGUSR1: "you have waited too long" */

static int ctl_fd = -1;       /* the channel to the parent, in a forked child; -1 otherwise */
static int fd_high = 2;       /* the highest fd number this process ever reported */
static char abstract_tag[17]; /* prefixes abstract names: fdlab + 11 hex digits, per scenario */

static int ans_ok(struct buf *a, long ret) {
  a->len = 0;
  buf_printf(a, "ok %ld", ret);
  return 0;
}

static int ans_errno(struct buf *a, int e) {
  const char *n = name_of(errno_names, e);
  a->len = 0;
  if (n != NULL)
    buf_printf(a, "err %s", n);
  else
    buf_printf(a, "err E#%d", e); /* the fdlab side refuses it, naming the number */
  return 0;
}

static int ans_blocked(struct buf *a) {
  a->len = 0;
  buf_printf(a, "blocked");
  return 0;
}

static int ans_unsupported(struct buf *a, const char *op, const char *fmt, ...) {
  va_list ap;
  a->len = 0;
  buf_printf(a, "unsupported %s: ", op);
  va_start(ap, fmt);
  buf_vprintf(a, fmt, ap);
  va_end(ap);
  return 0;
}

static int ans_fail(struct buf *a, const char *fmt, ...) {
  va_list ap;
  a->len = 0;
  buf_printf(a, "fail ");
  va_start(ap, fmt);
  buf_vprintf(a, fmt, ap);
  va_end(ap);
  return 0;
}

/* A new fd and what it refers to, as the fdlab side keys objects: " fd=N,DEV:INO[:r|:w],CX".
 * st_dev and st_ino, and for a FIFO the access mode (a pipe's two ends are two descriptions of
 * one inode); CX is FD_CLOEXEC, read back. -1 (the answer then a failure) when fstat fails. */
static int add_fd(struct buf *a, int fd) {
  struct stat st;
  int fdfl = fcntl(fd, F_GETFD);
  if (fstat(fd, &st) != 0 || fdfl < 0) {
    ans_fail(a, "fstat or F_GETFD of new fd %d: %s", fd, strerror(errno));
    return -1;
  }
  buf_printf(a, " fd=%d,%llu:%llu", fd, (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
  if (S_ISFIFO(st.st_mode)) {
    int mode = fcntl(fd, F_GETFL) & O_ACCMODE;
    buf_printf(a, "%s", mode == O_RDONLY ? ":r" : mode == O_WRONLY ? ":w" : ":rw");
  }
  buf_printf(a, ",%d", (fdfl & FD_CLOEXEC) ? 1 : 0);
  if (fd > fd_high) fd_high = fd;
  return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Addresses: SUN_LEN-style (no NUL), paths relative to the scenario's directory, abstract     */
/* names (Linux) behind the scenario's tag                                                     */

struct addr {
  union {
    struct sockaddr sa;
    struct sockaddr_un un;
    char bytes[sizeof(struct sockaddr_un) + 512]; /* a name too long still reaches the host */
  } u;
  socklen_t len;
};

/* "path:HEX" or "abstract:HEX" as a sockaddr; -1 with *why when this host cannot make it. */
static int make_addr(const char *spec, struct addr *out, const char **why) {
  memset(out, 0, sizeof *out);
  int abstract = strncmp(spec, "abstract:", 9) == 0;
  if (!abstract && strncmp(spec, "path:", 5) != 0) {
    *why = "an address is path:HEX or abstract:HEX";
    return -1;
  }
#if !defined(__linux__) && !defined(FDLAB_POSIX_MODEL)
  if (abstract) {
    *why = "abstract addresses are Linux's";
    return -1;
  }
#endif
  unsigned char *name;
  size_t n;
  if (unhex(spec + (abstract ? 9 : 5), &name, &n) != 0) {
    *why = "the address is not hex";
    return -1;
  }
  out->u.un.sun_family = AF_UNIX;
  char *path = out->u.un.sun_path;
  size_t room = sizeof out->u.bytes - offsetof(struct sockaddr_un, sun_path), at = 0;
  if (abstract) {
    path[at++] = '\0';
    memcpy(path + at, abstract_tag, strlen(abstract_tag));
    at += strlen(abstract_tag);
  }
  if (n > room - at) n = room - at;
  memcpy(path + at, name, n);
  free(name);
  out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + at + n);
#ifdef HAVE_SUN_LEN_FIELD
  out->u.un.sun_len = (unsigned char)(out->len > 255 ? 255 : out->len);
#endif
  return 0;
}

/* An address the host gave back: " KEY=unnamed|autobind|path:HEX|abstract:HEX". An abstract
 * name without the scenario's tag is Linux's autobind (five hex digits) or no scenario's. */
static int add_addr(struct buf *a, const char *key, const struct addr *ad, socklen_t len) {
  const size_t head = offsetof(struct sockaddr_un, sun_path);
  if (len <= head) return buf_printf(a, " %s=unnamed", key), 0;
  const char *path = ad->u.un.sun_path;
  size_t n = len - head, k = 0;
  if (path[0] != '\0') {
    while (k < n && path[k] != '\0') ++k; /* the host may add a NUL after a path */
    buf_printf(a, " %s=path:", key);
    buf_hex(a, path, k);
    return 0;
  }
  const size_t tag = strlen(abstract_tag);
  if (n - 1 >= tag && memcmp(path + 1, abstract_tag, tag) == 0) {
    buf_printf(a, " %s=abstract:", key);
    buf_hex(a, path + 1 + tag, n - 1 - tag);
    return 0;
  }
  int autobind = n - 1 == 5;
  for (k = 1; k < n; ++k) autobind = autobind && hex_digit(path[k]) >= 0;
  if (autobind) return buf_printf(a, " %s=autobind", key), 0;
  ans_fail(a, "an abstract address no scenario made (%zu bytes)", n - 1);
  return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* The operations, run by the scenario process                                                */

static int is_channel(int fd) { return ctl_fd >= 0 && fd == ctl_fd; }

/* fd=N; a request naming the runner's own channel is refused, not run. */
static int req_fd(const struct req *r, struct buf *a, const char *op, int *fd) {
  long v;
  if (arg_long(r, "fd", &v) != 0 || v < INT_MIN || v > INT_MAX) {
    ans_fail(a, "%s: no fd=N", op);
    return -1;
  }
  if (is_channel((int)v)) {
    ans_unsupported(a, op, "fd %ld is the runner's channel to this process", v);
    return -1;
  }
  *fd = (int)v;
  return 0;
}

static int set_fd_flag(int fd, int getter, int setter, int flag) {
  int fl = fcntl(fd, getter);
  return fl < 0 ? -1 : fcntl(fd, setter, fl | flag);
}

/* cloexec=1 and nonblock=1 set after the fact where the host cannot ask for them at creation
 * (the end state is the same). */
static int flags_after(const struct req *r, int fd, int nonblock_too) {
  if (nonblock_too && arg_flag(r, "nonblock") && set_fd_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK))
    return -1;
  if (arg_flag(r, "cloexec") && set_fd_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC)) return -1;
  return 0;
}

/* type=SOCK_*, with SOCK_NONBLOCK/SOCK_CLOEXEC where the host has them (*after 0), else to be
 * set by flags_after (*after 1). */
static int sock_type(const struct req *r, struct buf *a, const char *op, int *type, int *after) {
  long t;
  const char *name = arg(r, "type");
  if (name == NULL || lookup(sock_type_names, name, strlen(name), &t) != 0) {
    ans_unsupported(a, op, "socket type %s", name ? name : "(none)");
    return -1;
  }
  *type = (int)t;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  *type |=
      (arg_flag(r, "nonblock") ? SOCK_NONBLOCK : 0) | (arg_flag(r, "cloexec") ? SOCK_CLOEXEC : 0);
  *after = 0;
#else
  *after = 1;
#endif
  return 0;
}

/* The call came back because the parent interrupted it: it would have waited forever. */
static int was_blocked(int err, int cut_short) {
  return interrupted && (err == EINTR || cut_short);
}

static int blocking_call(int fd, long msg_flags) {
  int fl = fcntl(fd, F_GETFL);
  return !(msg_flags & MSG_DONTWAIT) && fl >= 0 && !(fl & O_NONBLOCK);
}

/* SIGPIPE is blocked in a scenario process, so the one an EPIPE raised stays pending: take it,
 * and say so. */
static void add_sigpipe(struct buf *a, int err) {
  sigset_t pending, only;
  int sig;
  if (err != EPIPE || sigpending(&pending) != 0 || !sigismember(&pending, SIGPIPE)) return;
  sigemptyset(&only);
  sigaddset(&only, SIGPIPE);
  sigwait(&only, &sig);
  buf_printf(a, " sigpipe=1");
}

static int op_socketpair(const struct req *r, struct buf *a) {
  int type, after, sv[2];
  if (sock_type(r, a, "socketpair", &type, &after) != 0) return 0;
  if (socketpair(AF_UNIX, type, 0, sv) != 0) return ans_errno(a, errno);
  if (flags_after(r, sv[0], after) != 0 || flags_after(r, sv[1], after) != 0)
    return ans_fail(a, "fcntl: %s", strerror(errno));
  ans_ok(a, 0);
  if (add_fd(a, sv[0]) == 0) add_fd(a, sv[1]);
  return 0;
}

static int op_socket(const struct req *r, struct buf *a) {
  int type, after;
  if (sock_type(r, a, "socket", &type, &after) != 0) return 0;
  int fd = socket(AF_UNIX, type, 0);
  if (fd < 0) return ans_errno(a, errno);
  if (flags_after(r, fd, after) != 0) return ans_fail(a, "fcntl: %s", strerror(errno));
  ans_ok(a, fd);
  return add_fd(a, fd);
}

static int op_pipe(const struct req *r, struct buf *a) {
  int fds[2];
  if (pipe(fds) != 0) return ans_errno(a, errno);
  if (flags_after(r, fds[0], 0) != 0 || flags_after(r, fds[1], 0) != 0)
    return ans_fail(a, "fcntl: %s", strerror(errno));
  ans_ok(a, 0);
  if (add_fd(a, fds[0]) == 0) add_fd(a, fds[1]);
  return 0;
}

/* A fresh regular file, O_RDWR, offset 0, with no name: made in the scenario's directory (the
 * cwd) and unlinked at once. */
static int op_open_temp(const struct req *r, struct buf *a) {
#ifdef FDLAB_POSIX_MODEL
  /* The library's own: a file of the program (mkstemp) would be Emscripten's, not the model's. */
  int fd = fdlab_posix_open_temp(0);
  if (fd < 0) return ans_errno(a, errno);
#else
  char path[] = "fdlab-temp-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return ans_errno(a, errno);
  if (unlink(path) != 0) return ans_fail(a, "unlink %s: %s", path, strerror(errno));
#endif
  if (flags_after(r, fd, 0) != 0) return ans_fail(a, "fcntl: %s", strerror(errno));
  ans_ok(a, fd);
  return add_fd(a, fd);
}

/* kind=directory|dev_null|o_path [path=HEX]; memfd is Linux's alone. */
static int op_open(const struct req *r, struct buf *a) {
  const char *kind = arg(r, "kind");
  int fd;
  if (kind == NULL) return ans_fail(a, "open: no kind=");
#ifdef FDLAB_POSIX_MODEL
  return ans_unsupported(a, "open", "the files a program opens stay Emscripten's under libfdlab_posix");
#endif
  if (strcmp(kind, "directory") == 0) {
    fd = open(".", O_RDONLY | O_DIRECTORY);
  } else if (strcmp(kind, "dev_null") == 0) {
    fd = open("/dev/null", O_RDWR);
  } else if (strcmp(kind, "o_path") == 0) {
#ifdef O_PATH
    unsigned char *name = NULL;
    size_t n = 0;
    if (arg(r, "path") != NULL && unhex(arg(r, "path"), &name, &n) != 0)
      return ans_fail(a, "open: path is not hex");
    fd = open(n > 0 ? (const char *)name : ".", O_PATH);
    int e = errno;
    free(name);
    errno = e;
#else
    return ans_unsupported(a, "open", "O_PATH is Linux's");
#endif
  } else if (strcmp(kind, "memfd") == 0) {
    return ans_unsupported(a, "open", "memfd_create is Linux's, not POSIX");
  } else {
    return ans_unsupported(a, "open", "kind %s", kind);
  }
  if (fd < 0) return ans_errno(a, errno);
  if (flags_after(r, fd, 0) != 0) return ans_fail(a, "fcntl: %s", strerror(errno));
  ans_ok(a, fd);
  return add_fd(a, fd);
}

/* One cmsg of a sendmsg's control buffer, as a request states it:
 *   rights:FD,FD,...   SCM_RIGHTS
 *   creds:PID,UID,GID  SCM_CREDENTIALS; each own, init (pid 1) or a number
 *   raw:LEVEL,TYPE,HEX any cmsg; LEVEL SOL_SOCKET or a number, TYPE a name or a number
 * each optionally followed by @LEN, written in cmsg_len instead of CMSG_LEN(payload). */
struct cmsg_spec {
  int level, type;
  unsigned char *payload;
  size_t payload_len;
  int has_len;
  long len;
};

static int level_or_type(const char *s, size_t n, const struct name *table, int *out) {
  long v;
  char one[32];
  if (lookup(table, s, n, &v) == 0) return *out = (int)v, 0;
  if (n >= sizeof one) return -1;
  memcpy(one, s, n);
  one[n] = '\0';
  if (parse_long(one, &v) != 0 || v < INT_MIN || v > INT_MAX) return -1;
  *out = (int)v;
  return 0;
}

static const struct name sol_socket_name[] = {NAME(SOL_SOCKET), {NULL, 0}};

#ifdef SCM_CREDENTIALS
static int cred_value(const char *s, size_t n, long own, long *out) {
  char one[32];
  if (n >= sizeof one) return -1;
  memcpy(one, s, n);
  one[n] = '\0';
  if (strcmp(one, "own") == 0) return *out = own, 0;
  if (strcmp(one, "init") == 0) return *out = 1, 0;
  return parse_long(one, out);
}
#endif

/* Parses one cmsg= value (in place); on failure makes the answer and returns -1. */
static int parse_cmsg(char *spec, struct cmsg_spec *c, struct buf *a) {
  memset(c, 0, sizeof *c);
  char *at = strrchr(spec, '@');
  if (at != NULL) {
    if (parse_long(at + 1, &c->len) != 0 || c->len < 0)
      return ans_fail(a, "sendmsg: bad cmsg_len in cmsg=%s", spec), -1;
    c->has_len = 1;
    *at = '\0';
  }
  c->level = SOL_SOCKET;
  if (strncmp(spec, "rights:", 7) == 0) {
    int *fds;
    size_t n;
    if (parse_ints(spec + 7, &fds, &n) != 0) return ans_fail(a, "sendmsg: bad cmsg=%s", spec), -1;
    for (size_t i = 0; i < n; ++i)
      if (is_channel(fds[i])) {
        free(fds);
        return ans_unsupported(a, "sendmsg", "fd %d is the runner's channel", ctl_fd), -1;
      }
    c->type = SCM_RIGHTS;
    c->payload = (unsigned char *)fds;
    c->payload_len = n * sizeof(int);
    return 0;
  }
  if (strncmp(spec, "creds:", 6) == 0) {
#ifdef SCM_CREDENTIALS
    const char *p = spec + 6;
    long v[3], own[3] = {(long)getpid(), (long)getuid(), (long)getgid()};
    for (int i = 0; i < 3; ++i) {
      const char *end = strchr(p, ',');
      size_t n = end ? (size_t)(end - p) : strlen(p);
      if (cred_value(p, n, own[i], &v[i]) != 0 || (i < 2) != (end != NULL))
        return ans_fail(a, "sendmsg: bad cmsg=%s", spec), -1;
      p = end ? end + 1 : p + n;
    }
    struct ucred *u = must(malloc(sizeof *u));
    u->pid = (pid_t)v[0];
    u->uid = (uid_t)v[1];
    u->gid = (gid_t)v[2];
    c->type = SCM_CREDENTIALS;
    c->payload = (unsigned char *)u;
    c->payload_len = sizeof *u;
    return 0;
#else
    return ans_unsupported(a, "sendmsg", "SCM_CREDENTIALS (struct ucred) is Linux's"), -1;
#endif
  }
  if (strncmp(spec, "raw:", 4) == 0) {
    char *level = spec + 4, *type = strchr(level, ','), *hex = type ? strchr(type + 1, ',') : NULL;
    if (hex == NULL) return ans_fail(a, "sendmsg: bad cmsg=%s", spec), -1;
    if (level_or_type(level, (size_t)(type - level), sol_socket_name, &c->level) != 0 ||
        level_or_type(type + 1, (size_t)(hex - type - 1), cmsg_type_names, &c->type) != 0)
      return ans_unsupported(a, "sendmsg", "cmsg %s: a level or type this host lacks", spec), -1;
    if (unhex(hex + 1, &c->payload, &c->payload_len) != 0)
      return ans_fail(a, "sendmsg: cmsg payload is not hex"), -1;
    return 0;
  }
  return ans_fail(a, "sendmsg: cmsg=%s is none of rights:, creds:, raw:", spec), -1;
}

/* msg_control: each cmsg at the next CMSG_SPACE boundary of its own payload, whatever its
 * cmsg_len says, then zeros up to (or cut at) controllen= (core/control_message.h lays out the
 * same bytes for Linux x86-64; here the host's CMSG_* macros do). fds= is one SCM_RIGHTS cmsg
 * in a buffer of exactly its CMSG_SPACE. Nothing stated: msg_control NULL, msg_controllen 0. */
static int build_control(const struct req *r, struct msghdr *m, void **control, struct buf *a) {
  size_t n = 0, count = 0, total = 0;
  long controllen = -1;
  int rc = 0;
  for (int i = 0; i < r->nkv; ++i)
    n += strcmp(r->key[i], "cmsg") == 0 || strcmp(r->key[i], "fds") == 0;
  *control = NULL;
  if (n == 0 && arg(r, "controllen") == NULL && !arg_flag(r, "nullcontrol")) return 0;
  if (arg(r, "controllen") != NULL && (arg_long(r, "controllen", &controllen) || controllen < 0))
    return ans_fail(a, "sendmsg: bad controllen"), -1;
  struct cmsg_spec *specs = must(calloc(n + 1, sizeof *specs));
  for (int i = 0; rc == 0 && i < r->nkv; ++i) {
    if (strcmp(r->key[i], "fds") == 0) {
      struct buf spec = {NULL, 0, 0};
      buf_printf(&spec, "rights:%s", r->val[i]);
      rc = parse_cmsg(spec.p, &specs[count++], a);
      free(spec.p);
    } else if (strcmp(r->key[i], "cmsg") == 0) {
      rc = parse_cmsg(r->val[i], &specs[count++], a);
    }
  }
  for (size_t i = 0; i < count; ++i) total += CMSG_SPACE(specs[i].payload_len);
  if (rc == 0) {
    const size_t size = controllen > (long)total ? (size_t)controllen : total;
    unsigned char *p = must(calloc(size + 1, 1)); /* malloc's alignment suits cmsghdr */
    size_t off = 0;
    for (size_t i = 0; i < count; ++i) {
      struct cmsghdr *c = (struct cmsghdr *)(void *)(p + off);
      c->cmsg_level = specs[i].level;
      c->cmsg_type = specs[i].type;
      c->cmsg_len = specs[i].has_len ? (socklen_t)specs[i].len : CMSG_LEN(specs[i].payload_len);
      if (specs[i].payload_len > 0) memcpy(CMSG_DATA(c), specs[i].payload, specs[i].payload_len);
      off += CMSG_SPACE(specs[i].payload_len);
    }
    *control = p;
    m->msg_control = arg_flag(r, "nullcontrol") ? NULL : p;
    m->msg_controllen = controllen >= 0 ? (socklen_t)controllen : (socklen_t)total;
  }
  for (size_t i = 0; i < count; ++i) free(specs[i].payload);
  free(specs);
  return rc;
}

static int msg_flags_arg(const struct req *r, struct buf *a, const char *op, long *flags) {
  char bad[64];
  if (parse_names(msg_flag_names, arg(r, "flags"), flags, bad, sizeof bad) != 0)
    return ans_unsupported(a, op, "%s is not defined on this host", bad), -1;
  return 0;
}

static int op_sendmsg(const struct req *r, struct buf *a) {
  int fd;
  long flags;
  if (req_fd(r, a, "sendmsg", &fd) != 0 || msg_flags_arg(r, a, "sendmsg", &flags) != 0) return 0;
  unsigned char *data;
  size_t n;
  if (unhex(arg(r, "data") ? arg(r, "data") : "", &data, &n) != 0)
    return ans_fail(a, "sendmsg: data is not hex");
  struct iovec iov = {data, n};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  struct addr dest;
  const char *why = NULL;
  if (arg(r, "dest") != NULL) {
    if (make_addr(arg(r, "dest"), &dest, &why) != 0) {
      free(data);
      return ans_unsupported(a, "sendmsg", "%s", why);
    }
    m.msg_name = &dest.u;
    m.msg_namelen = dest.len;
  }
  void *control;
  if (build_control(r, &m, &control, a) != 0) {
    free(data);
    return 0;
  }
  interrupted = 0;
  ssize_t rc = sendmsg(fd, &m, (int)flags);
  int e = errno;
  int cut = rc >= 0 && (size_t)rc < n && blocking_call(fd, flags);
  free(data);
  free(control);
  if (was_blocked(rc < 0 ? e : 0, cut)) return ans_blocked(a);
  if (rc >= 0) return ans_ok(a, (long)rc);
  ans_errno(a, e);
  add_sigpipe(a, e);
  return 0;
}

/* What one received cmsg holds, after " cmsg=TYPE,LEN": SCM_RIGHTS its fds (each " fd=..."),
 * SCM_CREDENTIALS " creds=FIELDS,PID,UID,GID" as far as it holds them, SCM_INQ ",VALUE". */
static int add_cmsg(struct buf *a, const struct cmsghdr *c) {
  const size_t bytes = c->cmsg_len > CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
  const char *type = name_of(cmsg_type_names, c->cmsg_type);
  if (c->cmsg_level != SOL_SOCKET)
    return ans_fail(a, "a cmsg of level %d on an AF_UNIX socket", c->cmsg_level), -1;
  if (type != NULL)
    buf_printf(a, " cmsg=%s,%lu", type, (unsigned long)c->cmsg_len);
  else
    buf_printf(a, " cmsg=%d,%lu", c->cmsg_type, (unsigned long)c->cmsg_len);
#ifdef SCM_CREDENTIALS
  if (c->cmsg_type == SCM_CREDENTIALS) {
    uint32_t v[3] = {0, 0, 0};
    memcpy(v, CMSG_DATA(c), bytes < sizeof v ? bytes : sizeof v);
    buf_printf(a, " creds=%zu,%ld,%lu,%lu", bytes / 4 < 3 ? bytes / 4 : 3, (long)(int32_t)v[0],
               (unsigned long)v[1], (unsigned long)v[2]);
  }
#endif
#ifdef SCM_INQ
  if (c->cmsg_type == SCM_INQ && bytes >= sizeof(int)) {
    int v;
    memcpy(&v, CMSG_DATA(c), sizeof v);
    buf_printf(a, ",%d", v);
  }
#endif
  if (c->cmsg_type == SCM_RIGHTS)
    for (size_t i = 0; i < bytes / sizeof(int); ++i) {
      int got;
      memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
      if (add_fd(a, got) != 0) return -1;
    }
  return 0;
}

/* len=N [control=BYTES] [nullcontrol=1] [name=1] flags=...: no control= means msg_control NULL;
 * nullcontrol=1 a NULL pointer with that length. */
static int op_recvmsg(const struct req *r, struct buf *a) {
  int fd;
  long flags, len, controllen = 0;
  if (req_fd(r, a, "recvmsg", &fd) != 0 || msg_flags_arg(r, a, "recvmsg", &flags) != 0) return 0;
  if (arg_long(r, "len", &len) != 0 || len < 0) return ans_fail(a, "recvmsg: no len=N");
  if (arg(r, "control") != NULL && (arg_long(r, "control", &controllen) != 0 || controllen < 0))
    return ans_fail(a, "recvmsg: bad control=N");
  const int has_control = arg(r, "control") != NULL && !arg_flag(r, "nullcontrol");
  unsigned char *data = must(malloc((size_t)len + 1));
  void *control = must(calloc((size_t)controllen + 1, 1));
  struct iovec iov = {data, (size_t)len};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  struct addr from;
  memset(&from, 0, sizeof from);
  if (arg_flag(r, "name")) {
    m.msg_name = &from.u;
    m.msg_namelen = sizeof from.u;
  }
  m.msg_control = has_control ? control : NULL;
  m.msg_controllen = (socklen_t)controllen;
  interrupted = 0;
  ssize_t rc = recvmsg(fd, &m, (int)flags);
  int e = errno;
  int cut = rc >= 0 && rc < len && (flags & MSG_WAITALL) && blocking_call(fd, flags);
  if (was_blocked(rc < 0 ? e : 0, cut)) {
    ans_blocked(a);
  } else if (rc < 0) {
    ans_errno(a, e);
  } else {
    ans_ok(a, (long)rc);
    buf_printf(a, " data=");
    buf_hex(a, data, rc < len ? (size_t)rc : (size_t)len); /* MSG_TRUNC: rc may exceed len */
    buf_printf(a, " msg_flags=");
    add_flag_names(a, msg_flag_names, m.msg_flags);
    buf_printf(a, " controllen=%lu", has_control ? (unsigned long)m.msg_controllen : 0UL);
    if (!arg_flag(r, "name") || add_addr(a, "from", &from, m.msg_namelen) == 0)
      for (struct cmsghdr *c = has_control ? CMSG_FIRSTHDR(&m) : NULL; c != NULL;
           c = CMSG_NXTHDR(&m, c))
        if (add_cmsg(a, c) != 0) break;
  }
  free(data);
  free(control);
  return 0;
}

static int op_read(const struct req *r, struct buf *a) {
  int fd;
  long len;
  if (req_fd(r, a, "read", &fd) != 0) return 0;
  if (arg_long(r, "len", &len) != 0 || len < 0) return ans_fail(a, "read: no len=N");
  unsigned char *data = must(malloc((size_t)len + 1));
  interrupted = 0;
  ssize_t rc = read(fd, data, (size_t)len);
  int e = errno;
  if (was_blocked(rc < 0 ? e : 0, 0)) {
    ans_blocked(a);
  } else if (rc < 0) {
    ans_errno(a, e);
  } else {
    ans_ok(a, (long)rc);
    buf_printf(a, " data=");
    buf_hex(a, data, (size_t)rc);
  }
  free(data);
  return 0;
}

static int op_write(const struct req *r, struct buf *a) {
  int fd;
  unsigned char *data;
  size_t n;
  if (req_fd(r, a, "write", &fd) != 0) return 0;
  if (unhex(arg(r, "data") ? arg(r, "data") : "", &data, &n) != 0)
    return ans_fail(a, "write: data is not hex");
  interrupted = 0;
  ssize_t rc = write(fd, data, n);
  int e = errno;
  int cut = rc >= 0 && (size_t)rc < n && blocking_call(fd, 0);
  free(data);
  if (was_blocked(rc < 0 ? e : 0, cut)) return ans_blocked(a);
  if (rc >= 0) return ans_ok(a, (long)rc);
  ans_errno(a, e);
  add_sigpipe(a, e);
  return 0;
}

static int op_lseek(const struct req *r, struct buf *a) {
  int fd;
  long offset, whence;
  const char *w = arg(r, "whence");
  if (req_fd(r, a, "lseek", &fd) != 0) return 0;
  if (arg_long(r, "offset", &offset) != 0 || w == NULL ||
      lookup(whence_names, w, strlen(w), &whence) != 0)
    return ans_fail(a, "lseek: needs offset=N whence=SEEK_*");
  off_t rc = lseek(fd, (off_t)offset, (int)whence);
  if (rc < 0) return ans_errno(a, errno);
  return ans_ok(a, (long)rc);
}

/* cmd=F_GETFD|F_SETFD|F_GETFL|F_SETFL [arg=NAMES]; getters answer ok 0 flags=NAMES. */
static int op_fcntl(const struct req *r, struct buf *a) {
  int fd, rc;
  long bits = 0, mode;
  const char *cmd = arg(r, "cmd"), *list = arg(r, "arg");
  if (req_fd(r, a, "fcntl", &fd) != 0) return 0;
  if (cmd == NULL) return ans_fail(a, "fcntl: no cmd=");
  if (strcmp(cmd, "F_GETFD") == 0) {
    if ((rc = fcntl(fd, F_GETFD)) < 0) return ans_errno(a, errno);
    ans_ok(a, 0);
    buf_printf(a, " flags=%s", (rc & FD_CLOEXEC) ? "FD_CLOEXEC" : "");
  } else if (strcmp(cmd, "F_SETFD") == 0) {
    if (list != NULL && *list != '\0' && strcmp(list, "FD_CLOEXEC") != 0)
      return ans_unsupported(a, "fcntl", "F_SETFD %s", list);
    if (fcntl(fd, F_SETFD, list != NULL && *list != '\0' ? FD_CLOEXEC : 0) < 0)
      return ans_errno(a, errno);
    ans_ok(a, 0);
  } else if (strcmp(cmd, "F_GETFL") == 0) {
    if ((rc = fcntl(fd, F_GETFL)) < 0) return ans_errno(a, errno);
    ans_ok(a, 0);
    buf_printf(a, " flags=%s", name_of(access_mode_names, rc & O_ACCMODE));
    /* A flag the model has no name for (O_LARGEFILE, a host's own) is not its business. */
    for (const struct name *f = status_flag_names; f->name != NULL; ++f)
      if ((rc & f->value) == f->value) buf_printf(a, ",%s", f->name);
  } else if (strcmp(cmd, "F_SETFL") == 0) {
    /* An access mode named is ignored by F_SETFL, as on every host. */
    for (const char *p = list; p != NULL && *p != '\0';) {
      const char *comma = strchr(p, ',');
      size_t len = comma ? (size_t)(comma - p) : strlen(p);
      if (lookup(access_mode_names, p, len, &mode) == 0)
        mode = 0;
      else if (lookup(status_flag_names, p, len, &mode) != 0)
        return ans_unsupported(a, "fcntl", "%.*s is not defined on this host", (int)len, p);
      bits |= mode;
      p = comma ? comma + 1 : NULL;
    }
    if (fcntl(fd, F_SETFL, (int)bits) < 0) return ans_errno(a, errno);
    ans_ok(a, 0);
  } else {
    return ans_unsupported(a, "fcntl", "cmd %s", cmd);
  }
  return 0;
}

static int op_dup(const struct req *r, struct buf *a) {
  int fd, rc;
  if (req_fd(r, a, "dup", &fd) != 0) return 0;
  if ((rc = dup(fd)) < 0) return ans_errno(a, errno);
  ans_ok(a, rc);
  return add_fd(a, rc);
}

static int op_close(const struct req *r, struct buf *a) {
  int fd;
  if (req_fd(r, a, "close", &fd) != 0) return 0;
  if (close(fd) != 0) return ans_errno(a, errno);
  return ans_ok(a, 0);
}

static int op_shutdown(const struct req *r, struct buf *a) {
  int fd;
  long how;
  const char *h = arg(r, "how");
  if (req_fd(r, a, "shutdown", &fd) != 0) return 0;
  if (h == NULL || lookup(shut_names, h, strlen(h), &how) != 0)
    return ans_fail(a, "shutdown: needs how=SHUT_*");
  if (shutdown(fd, (int)how) != 0) return ans_errno(a, errno);
  return ans_ok(a, 0);
}

/* bind or connect to addr=path:HEX|abstract:HEX (connect may block: a full backlog). */
static int op_bind_or_connect(const struct req *r, struct buf *a, int is_bind) {
  const char *op = is_bind ? "bind" : "connect", *why = NULL;
  int fd, rc;
  struct addr ad;
  if (req_fd(r, a, op, &fd) != 0) return 0;
  if (arg(r, "addr") == NULL) return ans_fail(a, "%s: no addr=", op);
  if (make_addr(arg(r, "addr"), &ad, &why) != 0) return ans_unsupported(a, op, "%s", why);
  interrupted = 0;
  rc = is_bind ? bind(fd, &ad.u.sa, ad.len) : connect(fd, &ad.u.sa, ad.len);
  int e = errno;
  if (rc != 0 && !is_bind && was_blocked(e, 0)) return ans_blocked(a);
  if (rc != 0) return ans_errno(a, e);
  return ans_ok(a, 0);
}

/* bind with the family alone: Linux names the socket itself (autobind). */
static int op_autobind(const struct req *r, struct buf *a) {
  int fd;
  struct addr ad;
  if (req_fd(r, a, "autobind", &fd) != 0) return 0;
  memset(&ad, 0, sizeof ad);
  ad.u.un.sun_family = AF_UNIX;
  ad.len = (socklen_t)offsetof(struct sockaddr_un, sun_path);
#ifdef HAVE_SUN_LEN_FIELD
  ad.u.un.sun_len = (unsigned char)ad.len;
#endif
  if (bind(fd, &ad.u.sa, ad.len) != 0) return ans_errno(a, errno);
  return ans_ok(a, 0);
}

/* connect to AF_UNSPEC: a datagram socket forgets its peer. */
static int op_disconnect(const struct req *r, struct buf *a) {
  int fd;
  struct sockaddr unspec;
  if (req_fd(r, a, "disconnect", &fd) != 0) return 0;
  memset(&unspec, 0, sizeof unspec);
  unspec.sa_family = AF_UNSPEC;
  if (connect(fd, &unspec, sizeof unspec) != 0) return ans_errno(a, errno);
  return ans_ok(a, 0);
}

static int op_listen(const struct req *r, struct buf *a) {
  int fd;
  long backlog;
  if (req_fd(r, a, "listen", &fd) != 0) return 0;
  if (arg_long(r, "backlog", &backlog) != 0) return ans_fail(a, "listen: no backlog=N");
  if (listen(fd, (int)backlog) != 0) return ans_errno(a, errno);
  return ans_ok(a, 0);
}

/* accept4's flags apply to the new fd only; where the host has no accept4, they are set after. */
static int op_accept(const struct req *r, struct buf *a) {
  int fd, rc;
  if (req_fd(r, a, "accept", &fd) != 0) return 0;
  interrupted = 0;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  rc = accept4(
      fd, NULL, NULL,
      (arg_flag(r, "nonblock") ? SOCK_NONBLOCK : 0) | (arg_flag(r, "cloexec") ? SOCK_CLOEXEC : 0));
  const int after = 0;
#else
  rc = accept(fd, NULL, NULL);
  const int after = 1;
#endif
  int e = errno;
  if (rc < 0 && was_blocked(e, 0)) return ans_blocked(a);
  if (rc < 0) return ans_errno(a, e);
  if (flags_after(r, rc, after) != 0) return ans_fail(a, "fcntl: %s", strerror(errno));
  ans_ok(a, rc);
  return add_fd(a, rc);
}

static int op_unlink(const struct req *r, struct buf *a) {
  unsigned char *name;
  size_t n;
  if (arg(r, "path") == NULL || unhex(arg(r, "path"), &name, &n) != 0)
    return ans_fail(a, "unlink: no path=HEX");
  int rc = unlink((const char *)name), e = errno;
  free(name);
  if (rc != 0) return ans_errno(a, e);
  return ans_ok(a, 0);
}

static int sockopt_arg(const struct req *r, struct buf *a, const char *op, int *opt) {
  const char *name = arg(r, "opt");
  long v;
  if (name != NULL && (strcmp(name, "SO_PASSPIDFD") == 0 || strcmp(name, "SO_PEERPIDFD") == 0))
    return ans_unsupported(a, op,
                           "%s: pidfds are Linux's, and all pidfds of one process share one "
                           "inode, which the runner's identity by inode cannot tell apart",
                           name),
           -1;
  if (name == NULL || lookup(sockopt_names, name, strlen(name), &v) != 0)
    return ans_unsupported(a, op, "%s is not defined on this host", name ? name : "(none)"), -1;
  *opt = (int)v;
  return 0;
}

static int op_setsockopt(const struct req *r, struct buf *a) {
  int fd, opt;
  long value;
  if (req_fd(r, a, "setsockopt", &fd) != 0 || sockopt_arg(r, a, "setsockopt", &opt) != 0) return 0;
  if (arg_long(r, "value", &value) != 0) return ans_fail(a, "setsockopt: no value=N");
  int v = (int)value;
  if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v) != 0) return ans_errno(a, errno);
  return ans_ok(a, 0);
}

/* ok 0 value=N (SO_TYPE: value=SOCK_*; SO_PEERCRED: peercred=PID,UID,GID). */
static int op_getsockopt(const struct req *r, struct buf *a) {
  int fd, opt, v = 0;
  socklen_t len = sizeof v;
  if (req_fd(r, a, "getsockopt", &fd) != 0 || sockopt_arg(r, a, "getsockopt", &opt) != 0) return 0;
#ifdef HAVE_PEERCRED
  if (opt == SO_PEERCRED) {
    struct ucred u;
    socklen_t ulen = sizeof u;
    memset(&u, 0, sizeof u);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &u, &ulen) != 0) return ans_errno(a, errno);
    ans_ok(a, 0);
    buf_printf(a, " peercred=%ld,%lu,%lu", (long)u.pid, (unsigned long)u.uid, (unsigned long)u.gid);
    return 0;
  }
#endif
  if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) != 0) return ans_errno(a, errno);
  ans_ok(a, 0);
  if (opt != SO_TYPE) return buf_printf(a, " value=%d", v), 0;
  if (name_of(sock_type_names, v) == NULL)
    return ans_fail(a, "SO_TYPE: a type without a name: %d", v);
  buf_printf(a, " value=%s", name_of(sock_type_names, v));
  return 0;
}

/* RLIMIT_NOFILE's soft limit, for this process alone (it is one). */
static int op_setrlimit(const struct req *r, struct buf *a) {
  long soft;
  struct rlimit lim;
  if (arg_long(r, "soft", &soft) != 0 || soft < 0) return ans_fail(a, "setrlimit: no soft=N");
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return ans_fail(a, "getrlimit: %s", strerror(errno));
  lim.rlim_cur = (rlim_t)soft;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return ans_errno(a, errno);
  return ans_ok(a, 0);
}

static int op_name(const struct req *r, struct buf *a, int peer) {
  int fd;
  struct addr ad;
  socklen_t len = sizeof ad.u;
  if (req_fd(r, a, peer ? "getpeername" : "getsockname", &fd) != 0) return 0;
  memset(&ad, 0, sizeof ad);
  if ((peer ? getpeername(fd, &ad.u.sa, &len) : getsockname(fd, &ad.u.sa, &len)) != 0)
    return ans_errno(a, errno);
  ans_ok(a, 0);
  add_addr(a, "name", &ad, len);
  return 0;
}

/* poll of one fd, timeout 0: ok N revents=NAMES. */
static int op_poll(const struct req *r, struct buf *a) {
  int fd;
  long events;
  char bad[64];
  struct pollfd p;
  if (req_fd(r, a, "poll", &fd) != 0) return 0;
  if (parse_names(poll_names, arg(r, "events"), &events, bad, sizeof bad) != 0)
    return ans_unsupported(a, "poll", "%s is not defined on this host", bad);
  p.fd = fd;
  p.events = (short)events;
  p.revents = 0;
  int rc = poll(&p, 1, 0);
  if (rc < 0) return ans_errno(a, errno);
  ans_ok(a, rc);
  buf_printf(a, " revents=");
  add_flag_names(a, poll_names, (unsigned short)p.revents);
  return 0;
}

/* Every fd a scenario process has was reported by an answer (which raised fd_high): nothing
 * else opens fds in it but its channel, which is never counted. */
static int fd_listed(int fd) { return !is_channel(fd) && fcntl(fd, F_GETFD) >= 0; }

/* count_fds (list 0) or list_fds (list 1): 0, 1 and 2 included. */
static int op_fds(struct buf *a, int list) {
  int n = 0;
  for (int fd = 0; fd <= fd_high; ++fd) n += fd_listed(fd);
  ans_ok(a, n);
  for (int fd = 0; list && fd <= fd_high; ++fd)
    if (fd_listed(fd) && add_fd(a, fd) != 0) break;
  return 0;
}

/* "call P OP ARGS...", run by process P itself (all but give, which needs two processes). */
static int run_call(const struct req *r, struct buf *a) {
  const char *op = r->nword >= 3 ? r->word[2] : "";
  if (strcmp(op, "socketpair") == 0) return op_socketpair(r, a);
  if (strcmp(op, "socket") == 0) return op_socket(r, a);
  if (strcmp(op, "pipe") == 0) return op_pipe(r, a);
  if (strcmp(op, "open_temp") == 0) return op_open_temp(r, a);
  if (strcmp(op, "open") == 0) return op_open(r, a);
  if (strcmp(op, "sendmsg") == 0) return op_sendmsg(r, a);
  if (strcmp(op, "recvmsg") == 0) return op_recvmsg(r, a);
  if (strcmp(op, "read") == 0) return op_read(r, a);
  if (strcmp(op, "write") == 0) return op_write(r, a);
  if (strcmp(op, "lseek") == 0) return op_lseek(r, a);
  if (strcmp(op, "fcntl") == 0) return op_fcntl(r, a);
  if (strcmp(op, "dup") == 0) return op_dup(r, a);
  if (strcmp(op, "close") == 0) return op_close(r, a);
  if (strcmp(op, "shutdown") == 0) return op_shutdown(r, a);
  if (strcmp(op, "bind") == 0) return op_bind_or_connect(r, a, 1);
  if (strcmp(op, "connect") == 0) return op_bind_or_connect(r, a, 0);
  if (strcmp(op, "autobind") == 0) return op_autobind(r, a);
  if (strcmp(op, "disconnect") == 0) return op_disconnect(r, a);
  if (strcmp(op, "listen") == 0) return op_listen(r, a);
  if (strcmp(op, "accept") == 0) return op_accept(r, a);
  if (strcmp(op, "unlink") == 0) return op_unlink(r, a);
  if (strcmp(op, "setsockopt") == 0) return op_setsockopt(r, a);
  if (strcmp(op, "getsockopt") == 0) return op_getsockopt(r, a);
  if (strcmp(op, "setrlimit") == 0) return op_setrlimit(r, a);
  if (strcmp(op, "getsockname") == 0) return op_name(r, a, 0);
  if (strcmp(op, "getpeername") == 0) return op_name(r, a, 1);
  if (strcmp(op, "poll") == 0) return op_poll(r, a);
  if (strcmp(op, "count_fds") == 0) return op_fds(a, 0);
  if (strcmp(op, "list_fds") == 0) return op_fds(a, 1);
  if (strcmp(op, "set_ids") == 0)
    return ans_unsupported(a, op, "setresuid and setresgid with the saved ids kept are not POSIX");
  if (strcmp(op, "collect") == 0)
    return ans_unsupported(a, op, "waiting for a kernel's fd-cycle collector has no POSIX call");
  return ans_unsupported(a, op[0] ? op : "(none)", "the runner does not know this operation");
}

/* A process's first answer: "ok INDEX pid=PID stdio=DEV:INO" (its fds 0-2 are /dev/null, whose
 * inode an `open` of /dev/null shares: docs/posix-runner.md, "Identity"). */
static void ans_started(struct buf *a, int index) {
  struct stat st;
  ans_ok(a, index);
  buf_printf(a, " pid=%ld", (long)getpid());
  if (fstat(0, &st) == 0)
    buf_printf(a, " stdio=%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
}

/* 16 bytes, as fdlab's native backend tags abstract names (core/kernel.h, kAbstractTagLen):
 * "fdlab" and 11 hex digits, fresh for every scenario. */
static void new_abstract_tag(void) {
  unsigned long long bits = 0;
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0 || read(fd, &bits, sizeof bits) != (ssize_t)sizeof bits)
    bits = (unsigned long long)time(NULL) * 2654435761ULL ^ (unsigned long long)getpid() << 20;
  if (fd >= 0) close(fd);
  snprintf(abstract_tag, sizeof abstract_tag, "fdlab%011llx", bits & 0xfffffffffffULL);
}

#ifdef FDLAB_POSIX_MODEL
/* ------------------------------------------------------------------------------------------ */
/* The model variant: libfdlab_posix serves this program's socket calls with fdlab's simulator, */
/* and the scenario processes are the library's (docs/posix-runner.md, "The model variant"):   */
/*   fdlab_posix_use_process(i)       the calls that follow are process i's (made on first use, */
/*                                    with fds 0, 1 and 2 open); 0, or -1 and errno            */
/*   fdlab_posix_last_call_blocked()  1 when the last call returned only because it would have */
/*                                    waited forever                                           */
/*   fdlab_posix_give(fd, to)         moves the calling process's fd to process `to` as an      */
/*                                    SCM_RIGHTS message would: its number there, or -1 and     */
/*                                    errno (EBADF, EMFILE)                                     */

static int nprocs;

static int proc_new(struct buf *a) {
  if (fdlab_posix_use_process(nprocs) != 0)
    return ans_fail(a, "fdlab_posix_use_process(%d): %s", nprocs, strerror(errno));
  ans_started(a, nprocs++);
  return 0;
}

static int proc_call(int p, const char *line, struct buf *a) {
  char *copy = must(strdup(line));
  struct req r;
  req_parse(copy, &r);
  if (fdlab_posix_use_process(p) != 0)
    ans_fail(a, "fdlab_posix_use_process(%d): %s", p, strerror(errno));
  else if (run_call(&r, a) == 0 && fdlab_posix_last_call_blocked())
    ans_blocked(a);
  req_free(&r);
  free(copy);
  return 0;
}

static int proc_give(int from, int fd, int to, struct buf *a) {
  if (fdlab_posix_use_process(from) != 0) return ans_fail(a, "fdlab_posix_use_process(%d)", from);
  int got = fdlab_posix_give(fd, to);
  if (got < 0) return ans_errno(a, errno);
  if (fdlab_posix_use_process(to) != 0) return ans_fail(a, "fdlab_posix_use_process(%d)", to);
  ans_ok(a, got);
  return add_fd(a, got);
}

/* Every process's fds above stdio closed, in the library's processes, as the fork variant's
 * children close theirs. The processes stay (the library has no way to end one without ending
 * the program): the runner backend starts a runner per scenario. */
static int procs_finish(struct buf *a) {
  int open_fds = 0, leaked = 0;
  for (int p = 0; p < nprocs; ++p) {
    if (fdlab_posix_use_process(p) != 0) {
      ++leaked;
      continue;
    }
    for (int fd = 3; fd <= fd_high; ++fd) open_fds += close(fd) == 0;
  }
  ans_ok(a, 0);
  buf_printf(a, " open=%d leaked=%d detail=", open_fds, leaked);
  return 0;
}

static int procs_count(void) { return nprocs; }

/* As the fork variant's children: SIGPIPE blocked, so that one an EPIPE raised stays pending
 * and is reported (add_sigpipe), not taken. */
static const char *host_setup(void) {
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe_only, NULL);
  return "inode";
}

#else
/* ------------------------------------------------------------------------------------------ */
/* The fork variant: each scenario process a child with an fd table of its own                 */

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void on_interrupt(int sig) {
  (void)sig;
  interrupted = 1;
}

struct reader {
  int fd;
  int is_socket;
  struct buf in;
  size_t start;
  int fds[4]; /* fds that came with the bytes read (SCM_RIGHTS) */
  int nfds;
  int ctrunc; /* an fd came and could not be installed (RLIMIT_NOFILE) */
};

/* The next line, without its '\n', valid until the next call; NULL at EOF or on error. */
static char *read_line(struct reader *r) {
  for (;;) {
    char *nl = r->in.len > r->start ? memchr(r->in.p + r->start, '\n', r->in.len - r->start) : NULL;
    if (nl != NULL) {
      *nl = '\0';
      char *line = r->in.p + r->start;
      r->start = (size_t)(nl + 1 - r->in.p);
      return line;
    }
    if (r->start > 0) {
      memmove(r->in.p, r->in.p + r->start, r->in.len - r->start);
      r->in.len -= r->start;
      r->start = 0;
    }
    buf_reserve(&r->in, 65536);
    ssize_t got;
    if (!r->is_socket) {
      got = read(r->fd, r->in.p + r->in.len, r->in.cap - r->in.len - 1);
    } else {
      union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(4 * sizeof(int))];
      } control;
      struct iovec iov = {r->in.p + r->in.len, r->in.cap - r->in.len - 1};
      struct msghdr m;
      memset(&m, 0, sizeof m);
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      m.msg_control = control.bytes;
      m.msg_controllen = sizeof control.bytes;
      got = recvmsg(r->fd, &m, 0);
      if (got > 0 && (m.msg_flags & MSG_CTRUNC)) r->ctrunc = 1;
      for (struct cmsghdr *c = got > 0 ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c))
        for (size_t i = 0; c->cmsg_type == SCM_RIGHTS &&
                           i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int) && r->nfds < 4;
             ++i)
          memcpy(&r->fds[r->nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return NULL;
    r->in.len += (size_t)got;
    r->in.p[r->in.len] = '\0';
  }
}

/* Sends bytes with fd attached (SCM_RIGHTS), or without when fd < 0. */
static int send_with_fd(int sock, const char *p, size_t len, int fd) {
  union {
    struct cmsghdr align;
    char bytes[CMSG_SPACE(sizeof(int))];
  } control;
  struct iovec iov = {(void *)p, len};
  struct msghdr m;
  ssize_t w;
  if (fd < 0) return write_all(sock, p, len);
  memset(&control, 0, sizeof control);
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control.bytes;
  m.msg_controllen = sizeof control.bytes;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  do w = sendmsg(sock, &m, 0);
  while (w < 0 && errno == EINTR);
  if (w < 0) return -1;
  return (size_t)w == len ? 0 : write_all(sock, p + w, len - (size_t)w);
}

struct proc {
  pid_t pid;
  int ctl; /* the parent's end of the channel */
  struct reader in;
};
static struct proc procs[256];
static int nprocs;
static int parent_fd_high = 2; /* the highest fd the parent holds: a child closes up to it */
static long block_timeout_ms = 300;
static char scenario_dir[4096]; /* "" until a scenario's first process */

/* A private directory per scenario, every scenario process's cwd: socket paths are the
 * scenario's own relative names, and sun_path's 108 bytes are measured on them as written. */
static int enter_scenario_dir(struct buf *a) {
  const char *base = getenv("TMPDIR");
  if (scenario_dir[0] != '\0') return 0;
  snprintf(scenario_dir, sizeof scenario_dir, "%s/fdlab-runner-XXXXXX",
           base != NULL && *base != '\0' ? base : "/tmp");
  if (mkdtemp(scenario_dir) != NULL && chdir(scenario_dir) == 0) return 0;
  ans_fail(a, "cannot make the scenario directory %s: %s", scenario_dir, strerror(errno));
  scenario_dir[0] = '\0';
  return -1;
}

/* Removes the scenario directory and the socket files its binds left (a bound socket's file
 * outlives the socket); anything else left there is a leak, counted and said in *detail. */
static int leave_scenario_dir(struct buf *detail) {
  int leaked = 0;
  struct dirent *e;
  DIR *d;
  if (scenario_dir[0] == '\0') return 0;
  if ((d = opendir(scenario_dir)) != NULL) {
    while ((e = readdir(d)) != NULL) {
      struct stat st;
      if (lstat(e->d_name, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(e->d_name);
    }
    closedir(d);
  }
  if (chdir("/") != 0 || rmdir(scenario_dir) != 0) {
    buf_printf(detail, "%scannot remove %s: %s", detail->len ? "; " : "", scenario_dir,
               strerror(errno));
    ++leaked;
  }
  scenario_dir[0] = '\0';
  return leaked;
}

/* The child's end of the channel goes to a number no scenario allocates: the soft RLIMIT_NOFILE
 * S itself when the hard limit is higher (the soft limit is raised for the move and put back: an
 * fd above the limit keeps working, and no allocation below the limit can reach it); S - 1 when
 * S is the hard limit too (a scenario that fills every number up to its limit would then find
 * it taken: docs/posix-runner.md, "Limits"). 4096 when S is higher: no scenario has that many
 * fds, and a larger table would cost every fork. */
static int move_channel(int fd) {
  struct rlimit lim, wide;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return -1;
  rlim_t target = lim.rlim_cur > 4096 ? 4096 : lim.rlim_cur;
  wide = lim;
  if (target == lim.rlim_cur) {
    wide.rlim_cur = target + 1;
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max <= target)
      target = lim.rlim_cur - 1;
    else if (setrlimit(RLIMIT_NOFILE, &wide) != 0)
      target = lim.rlim_cur - 1;
  }
  int moved = dup2(fd, (int)target), e = errno;
  setrlimit(RLIMIT_NOFILE, &lim);
  if (moved < 0) return errno = e, -1;
  close(fd);
  return moved;
}

static void child_answer(struct buf *a) {
  buf_add(a, "\n", 1);
  if (write_all(ctl_fd, a->p, a->len) != 0) _exit(3);
}

/* give, the giver's half: the fd goes to the parent with the answer "ok 0". */
static int child_give_out(const struct req *r, struct buf *a) {
  long fd;
  if (arg_long(r, "fd", &fd) != 0 || is_channel((int)fd))
    return ans_unsupported(a, "give", "fd %s is not one a scenario can give", arg(r, "fd"));
  ans_ok(a, 0);
  buf_add(a, "\n", 1);
  if (send_with_fd(ctl_fd, a->p, a->len, (int)fd) == 0) return 1; /* answered */
  return ans_errno(a, errno);                                     /* EBADF: no such fd */
}

/* give, the receiver's half: the fd came with the request, or could not be installed. */
static int child_give_in(struct reader *in, struct buf *a) {
  if (in->nfds == 1) {
    ans_ok(a, in->fds[0]);
    add_fd(a, in->fds[0]);
  } else if (in->nfds == 0 && in->ctrunc) {
    ans_errno(a, EMFILE);
  } else {
    ans_fail(a, "give: %d fds arrived", in->nfds);
  }
  in->nfds = 0;
  in->ctrunc = 0;
  return 0;
}

/* A scenario process: set up, then answer the parent's requests until it closes the channel. */
static void child_main(int ctl, int index) {
  struct buf a = {NULL, 0, 0};
  struct reader in;
  struct sigaction sa;
  sigset_t pipe_only;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: an interrupted call must come back */
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGPIPE, SIG_DFL); /* the parent ignores it; a scenario must see it raised */
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe_only, NULL);

  ctl_fd = move_channel(ctl);
  if (ctl_fd < 0) {
    ctl_fd = ctl;
    ans_fail(&a, "moving the channel to a high fd: %s", strerror(errno));
    child_answer(&a);
    _exit(3);
  }
  /* Nothing of the parent's but the channel: its stdio, its channels to the other children. */
  for (int fd = 0; fd <= parent_fd_high; ++fd)
    if (fd != ctl_fd) close(fd);
  /* fds 0, 1 and 2: one open of /dev/null, as a login session's terminal is one description. */
  if (open("/dev/null", O_RDWR) != 0 || dup2(0, 1) != 1 || dup2(0, 2) != 2) {
    ans_fail(&a, "opening /dev/null as fds 0, 1 and 2: %s", strerror(errno));
    child_answer(&a);
    _exit(3);
  }
  fd_high = 2;
  umask(022); /* socket files 0755, as the simulator has them */
  ans_started(&a, index);
  child_answer(&a);

  memset(&in, 0, sizeof in);
  in.fd = ctl_fd;
  in.is_socket = 1;
  for (;;) {
    struct req r;
    char *line = read_line(&in);
    if (line == NULL) _exit(0);
    req_parse(line, &r);
    const char *verb = r.nword > 0 ? r.word[0] : "";
    int answered = 0;
    if (strcmp(verb, "call") == 0) {
      run_call(&r, &a);
    } else if (strcmp(verb, "giveout") == 0) {
      answered = child_give_out(&r, &a);
    } else if (strcmp(verb, "givein") == 0) {
      child_give_in(&in, &a);
    } else if (strcmp(verb, "finish") == 0) {
      /* Every fd above stdio closed; the answer says how many were open. */
      int open_fds = 0;
      for (int fd = 3; fd <= fd_high; ++fd)
        if (fd_listed(fd)) open_fds += close(fd) == 0;
      ans_ok(&a, open_fds);
    } else {
      ans_fail(&a, "a scenario process got '%s'", verb);
    }
    req_free(&r);
    if (!answered) child_answer(&a);
  }
}

static int proc_new(struct buf *a) {
  int sv[2];
  if (nprocs == (int)(sizeof procs / sizeof procs[0])) return ans_fail(a, "too many processes");
  if (enter_scenario_dir(a) != 0) return 0;
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
    return ans_fail(a, "socketpair: %s", strerror(errno));
  if (sv[1] > parent_fd_high) parent_fd_high = sv[1];
  if (sv[0] > parent_fd_high) parent_fd_high = sv[0];
  pid_t pid = fork();
  if (pid < 0) {
    close(sv[0]);
    close(sv[1]);
    return ans_fail(a, "fork: %s", strerror(errno));
  }
  if (pid == 0) {
    close(sv[0]);
    child_main(sv[1], nprocs);
  }
  close(sv[1]);
  struct proc *p = &procs[nprocs++];
  memset(p, 0, sizeof *p);
  p->pid = pid;
  p->ctl = p->in.fd = sv[0];
  p->in.is_socket = 1;
  char *line = read_line(&p->in);
  if (line == NULL) return ans_fail(a, "scenario process %d died while starting", nprocs - 1);
  a->len = 0;
  buf_printf(a, "%s", line);
  return 0;
}

static int wait_readable(int fd, long ms) {
  struct pollfd p = {fd, POLLIN, 0};
  int rc;
  do rc = poll(&p, 1, (int)ms);
  while (rc < 0 && errno == EINTR);
  return rc > 0;
}

static int process_died(struct buf *a, int index) {
  int status = 0;
  if (waitpid(procs[index].pid, &status, WNOHANG) == procs[index].pid && WIFSIGNALED(status))
    return ans_fail(a, "scenario process %d died of signal %d", index, WTERMSIG(status));
  return ans_fail(a, "scenario process %d stopped answering", index);
}

/* Sends a request line to process p (with fd attached when fd >= 0) and waits for its answer,
 * in *answer. A request the block timeout does not see answered is interrupted, every 2 ms,
 * until it is: the child then answers `blocked`, or what its call did when it was only slow.
 * -1 (the answer a failure) when the process is gone. */
static int ask(int p, const char *line, int fd, char **answer, struct buf *a) {
  static struct buf out;
  struct proc *pr = &procs[p];
  out.len = 0;
  buf_printf(&out, "%s\n", line);
  if (send_with_fd(pr->ctl, out.p, out.len, fd) != 0) return process_died(a, p), -1;
  if (!wait_readable(pr->ctl, block_timeout_ms)) {
    do kill(pr->pid, SIGUSR1);
    while (!wait_readable(pr->ctl, 2));
  }
  if ((*answer = read_line(&pr->in)) == NULL) return process_died(a, p), -1;
  return 0;
}

static int proc_call(int p, const char *line, struct buf *a) {
  char *answer;
  if (ask(p, line, -1, &answer, a) == 0) {
    a->len = 0;
    buf_printf(a, "%s", answer);
  }
  return 0;
}

/* give: the giver sends its fd to the parent, the parent sends it on to the receiver, and only
 * once the receiver has it does the giver close its own (at the receiver's limit it keeps it, as
 * a sender keeps an fd whose SCM_RIGHTS copy the receiver could not install). */
static int proc_give(int from, int fd, int to, struct buf *a) {
  char line[64], *answer;
  snprintf(line, sizeof line, "giveout fd=%d", fd);
  if (ask(from, line, -1, &answer, a) != 0) return 0;
  if (strcmp(answer, "ok 0") != 0 || procs[from].in.nfds != 1) {
    a->len = 0;
    buf_printf(a, "%s", answer);
    return 0;
  }
  int carried = procs[from].in.fds[0];
  procs[from].in.nfds = 0;
  if (carried > parent_fd_high) parent_fd_high = carried;
  int rc = ask(to, "givein", carried, &answer, a);
  close(carried);
  if (rc != 0) return 0;
  a->len = 0;
  buf_printf(a, "%s", answer);
  if (strncmp(answer, "ok ", 3) != 0) return 0;
  struct buf closing = {NULL, 0, 0};
  snprintf(line, sizeof line, "call %d close fd=%d", from, fd);
  if (ask(from, line, -1, &answer, &closing) != 0 || strcmp(answer, "ok 0") != 0)
    ans_fail(a, "give: the giver could not close fd %d", fd);
  free(closing.p);
  return 0;
}

/* Ends the scenario: every process closes what it holds and exits, the directory goes.
 * "ok 0 open=N leaked=M detail=HEX" (open: fds the scenario left above stdio; leaked: what
 * could not be released, said in detail). */
static int procs_finish(struct buf *a) {
  int open_fds = 0, leaked = 0;
  struct buf detail = {NULL, 0, 0};
  for (int p = 0; p < nprocs; ++p) {
    char *answer;
    struct buf err = {NULL, 0, 0};
    if (ask(p, "finish", -1, &answer, &err) == 0 && strncmp(answer, "ok ", 3) == 0) {
      open_fds += atoi(answer + 3);
    } else {
      ++leaked;
      buf_printf(&detail, "%sprocess %d: %s", detail.len ? "; " : "", p,
                 err.len ? err.p : "could not close its fds");
    }
    free(err.p);
    close(procs[p].ctl);
    while (waitpid(procs[p].pid, NULL, 0) < 0 && errno == EINTR) {
    }
    free(procs[p].in.in.p);
  }
  nprocs = 0;
  parent_fd_high = 2;
  leaked += leave_scenario_dir(&detail);
  new_abstract_tag();
  ans_ok(a, 0);
  buf_printf(a, " open=%d leaked=%d detail=", open_fds, leaked);
  buf_hex(a, detail.p ? detail.p : "", detail.len);
  free(detail.p);
  return 0;
}

static int procs_count(void) { return nprocs; }

/* The parent keeps nothing open but its stdio and its channels, so that a child can close
 * every fd of the parent's by number (fdlab spawns it that way; another caller may not). Then
 * the check that identity by inode works on this host: two socketpairs, four inodes. */
static const char *host_setup(void) {
  struct rlimit lim;
  struct stat s[4];
  int a[2], b[2], ok;
  long end = 65536;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
      (long)lim.rlim_cur < end)
    end = (long)lim.rlim_cur;
#ifdef __linux__
  DIR *d = opendir("/proc/self/fd"); /* a loop over every number costs ms when the limit is high */
  if (d != NULL) {
    struct dirent *e;
    end = 3;
    while ((e = readdir(d)) != NULL)
      if (atoi(e->d_name) >= end && atoi(e->d_name) != dirfd(d)) end = atoi(e->d_name) + 1;
    closedir(d);
  }
#endif
  for (int fd = 3; fd < end; ++fd) close(fd);

  if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) != 0) return "none";
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, b) != 0) return "none";
  ok = fstat(a[0], &s[0]) == 0 && fstat(a[1], &s[1]) == 0 && fstat(b[0], &s[2]) == 0 &&
       fstat(b[1], &s[3]) == 0;
  for (int i = 0; ok && i < 4; ++i)
    for (int j = i + 1; j < 4; ++j)
      ok = ok && !(s[i].st_dev == s[j].st_dev && s[i].st_ino == s[j].st_ino);
  close(a[0]);
  close(a[1]);
  close(b[0]);
  close(b[1]);
  signal(SIGPIPE, SIG_IGN); /* a dead child's channel is an EPIPE, not the end of the runner */
  return ok ? "inode" : "none";
}
#endif

/* ------------------------------------------------------------------------------------------ */
/* The protocol loop                                                                          */

/* Standard input, a line at a time (getline is POSIX 2008; a request may be 32 MiB of hex). */
static char *read_request(char **line, size_t *cap) {
  ssize_t n = getline(line, cap, stdin);
  if (n < 0) return NULL;
  if (n > 0 && (*line)[n - 1] == '\n') (*line)[n - 1] = '\0';
  return *line;
}

static int handle(char *line, struct buf *a) {
  struct req r;
  long p, fd, to;
  char *copy = must(strdup(line));
  req_parse(copy, &r);
  const char *verb = r.nword > 0 ? r.word[0] : "";
  if (strcmp(verb, "proc") == 0) {
    proc_new(a);
  } else if (strcmp(verb, "finish") == 0) {
    procs_finish(a);
  } else if (strcmp(verb, "call") != 0) {
    ans_fail(a, "unknown request '%s'", verb);
  } else if (r.nword < 3 || parse_long(r.word[1], &p) != 0 || p < 0 || p >= procs_count()) {
    ans_fail(a, "call: no such process");
  } else if (strcmp(r.word[2], "give") != 0) {
    proc_call((int)p, line, a);
  } else if (arg_long(&r, "fd", &fd) != 0 || arg_long(&r, "to", &to) != 0 || to < 0 ||
             to >= procs_count()) {
    ans_fail(a, "give: needs fd=N to=PROCESS");
  } else {
    proc_give((int)p, (int)fd, (int)to, a);
  }
  req_free(&r);
  free(copy);
  return 0;
}

int main(int argc, char **argv) {
  struct utsname u;
  char *line = NULL;
  size_t cap = 0;
  struct buf a = {NULL, 0, 0};
  for (int i = 1; i < argc; ++i) {
#ifndef FDLAB_POSIX_MODEL
    if (strcmp(argv[i], "--block-timeout") == 0 && i + 1 < argc &&
        parse_long(argv[i + 1], &block_timeout_ms) == 0 && block_timeout_ms > 0) {
      ++i;
      continue;
    }
#endif
    fprintf(stderr,
            "usage: %s [--block-timeout MS]\n"
            "  answers requests read on standard input, one a line (docs/posix-runner.md)\n",
            argv[0]);
    return 2;
  }
  const char *identity = host_setup();
  new_abstract_tag();
  printf("fdlab-posix-runner %d variant=%s system=%s uid=%ld gid=%ld cmsg=%lu,%lu identity=%s\n",
         PROTOCOL_VERSION,
#ifdef FDLAB_POSIX_MODEL
         "model",
#else
         "fork",
#endif
         uname(&u) == 0 ? u.sysname : "unknown", (long)getuid(), (long)getgid(),
         (unsigned long)CMSG_LEN(0), (unsigned long)(CMSG_SPACE(1) - CMSG_LEN(0)), identity);
  fflush(stdout);
  while (read_request(&line, &cap) != NULL) {
    if (strcmp(line, "quit") == 0) break;
    if (line[0] == '\0') continue;
    a.len = 0;
    handle(line, &a);
    buf_add(&a, "\n", 1);
    if (fwrite(a.p, 1, a.len, stdout) != a.len || fflush(stdout) != 0) break;
  }
#ifndef FDLAB_POSIX_MODEL
  if (procs_count() > 0) procs_finish(&a);
#endif
  free(a.p);
  free(line);
  return 0;
}
