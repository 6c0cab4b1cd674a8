/* Inside libfdlab_capture.so: what its files share. The library is plain C so that nothing it
 * does (no exceptions, no allocator of its own, no static constructors but one) can reach into
 * the captured program. See docs/capture.md for the design. */
#ifndef FDLAB_CAPTURE_LIB_H
#define FDLAB_CAPTURE_LIB_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "capture/capture_shared.h"

/* ---- the real functions (capture_real.c), found with dlsym(RTLD_NEXT) ---- */
struct capture_real {
  int (*socket)(int, int, int);
  int (*socketpair)(int, int, int, int[2]);
  int (*pipe)(int[2]);
  int (*pipe2)(int[2], int);
  int (*bind)(int, const struct sockaddr *, socklen_t);
  int (*listen)(int, int);
  int (*connect)(int, const struct sockaddr *, socklen_t);
  int (*accept)(int, struct sockaddr *, socklen_t *);
  int (*accept4)(int, struct sockaddr *, socklen_t *, int);
  ssize_t (*sendmsg)(int, const struct msghdr *, int);
  ssize_t (*recvmsg)(int, struct msghdr *, int);
  ssize_t (*read)(int, void *, size_t);
  ssize_t (*write)(int, const void *, size_t);
  ssize_t (*readv)(int, const struct iovec *, int);
  ssize_t (*writev)(int, const struct iovec *, int);
  int (*close)(int);
  int (*dup)(int);
  int (*dup2)(int, int);
  int (*dup3)(int, int, int);
  int (*shutdown)(int, int);
  int (*setsockopt)(int, int, int, const void *, socklen_t);
  int (*getsockopt)(int, int, int, void *, socklen_t *);
  int (*getsockname)(int, struct sockaddr *, socklen_t *);
  int (*getpeername)(int, struct sockaddr *, socklen_t *);
  int (*poll)(struct pollfd *, nfds_t, int);
  int (*unlink)(const char *);
  int (*unlinkat)(int, const char *, int);
  pid_t (*fork)(void);
  void (*exit_now)(int) __attribute__((noreturn));  /* _exit */
  void (*exit_now2)(int) __attribute__((noreturn)); /* _Exit */
  int (*close_range)(unsigned, unsigned, int);
  int (*fcntl)(int, int, ...);
  int (*ioctl)(int, unsigned long, ...);
};
extern struct capture_real real;
/* Fills `real`, once; every wrapper calls it first (a wrapper may run before the library's
 * constructor, from another library's). */
void capture_resolve_real(void);

/* ---- the shared mapping, the lock and the log (capture_log.c) ---- */
/* Whether this process is being captured: the environment named a shared file and it mapped. */
int capture_active(void);
/* The process has recorded its end (capture_record_exit): later calls pass through. */
int capture_exited(void);
/* Active and not yet ended: the calls of this process are captured. */
static inline int capturing(void) { return capture_active() && !capture_exited(); }
struct fdlab_capture_header *capture_shared(void);
/* The one lock of the whole captured program; reentrant within a thread. */
void capture_lock(void);
void capture_unlock(void);
/* The child of a fork holds nothing: its copy of the thread's lock depth starts again. */
void capture_forget_lock(void);

/* A record, written as one JSON line straight into the shared log while the lock is held, and
 * committed (made visible to fdlab) by rec_end. */
struct rec {
  char *p;
  size_t cap, len;
  int bad;   /* did not fit */
  int first; /* no comma needed before the next member or element */
};
void rec_begin(struct rec *r, const char *call);
void rec_key(struct rec *r, const char *key);
void rec_int(struct rec *r, const char *key, long long v);
void rec_bool(struct rec *r, const char *key, int v);
void rec_null(struct rec *r, const char *key);
void rec_str(struct rec *r, const char *key, const char *s); /* ASCII text; others as '?' */
void rec_hex(struct rec *r, const char *key, const void *bytes, size_t n);
void rec_iov_hex(struct rec *r, const char *key, const struct iovec *iov, size_t iovcnt,
                 size_t n);                       /* the first n bytes of iov */
void rec_errno(struct rec *r, long ret, int err); /* "ret", and "errno" when ret < 0 */
void rec_array(struct rec *r, const char *key);
void rec_object(struct rec *r, const char *key); /* key NULL: an array element */
void rec_close_array(struct rec *r);
void rec_close_object(struct rec *r);
void rec_elem_int(struct rec *r, long long v);
void rec_end(struct rec *r);

/* ---- which fds are tracked (capture_fds.c) ---- */
struct capture_key {
  uint64_t dev, ino;
  uint32_t accmode;
};
/* The key of what fd refers to; 0, or -1 when fd is not open. */
int capture_key_of(int fd, struct capture_key *k);
/* The object is an AF_UNIX socket or a pipe that a call of the captured program created. */
int capture_key_known(const struct capture_key *k);
/* Records the object of a new fd of a tracked call as tracked, and the fd as tracked. */
void capture_track_new(int fd);
/* A received or duplicated fd: tracked when its object is. Returns whether it is. */
int capture_track_if_known(int fd);
void capture_untrack(int fd);
/* Quick test without the lock: may fd be tracked? */
int capture_maybe_tracked(int fd);
/* Under the lock: is fd still the object it was tracked as? When it is not (closed or replaced
 * behind the library's back), records a "lost" record and forgets it. */
int capture_tracked_now(int fd);
int capture_fd_cloexec(int fd);
int capture_is_socket(int fd);
/* Every tracked fd, ascending; returns how many (at most max). */
int capture_tracked_fds(int *out, int max);
/* "fds": [{"fd", "cloexec", "key"}...] of every tracked fd. */
void rec_tracked_fds(struct rec *r, const char *key);
void rec_key_of(struct rec *r, const char *key, int fd); /* "dev:ino:accmode", or null */
/* After exec: the fds whose objects are tracked, found in /proc/self/fd. */
void capture_scan_fds(void);

/* ---- helpers shared by the calls ---- */
/* A call on fd that does not block: takes the lock and returns 1 when fd is tracked (the call
 * is then made and recorded, and capture_call_end lets go), 0 when it is not (pass it on). */
int capture_call_begin(int fd);
/* Records ret (and errno), commits the record, lets go of the lock; returns ret with errno. */
int capture_call_end(struct rec *r, int ret, int err);
/* The status flags of fd (F_GETFL), -1 on error. */
int capture_status_flags(int fd);
/* Sets or clears O_NONBLOCK for one attempt; returns the flags to restore, or -1. */
int capture_nonblock_begin(int fd);
void capture_nonblock_end(int fd, int saved);
/* Waits, without the lock, until fd may be ready for events (or a short while passed). */
void capture_wait(int fd, short events, int attempt);
/* SIGPIPE raised by the call between begin and end is taken and reported, so that the record
 * says so and is written before the signal acts (capture_sigpipe_deliver). */
struct sigpipe_watch {
  sigset_t old;
  int pending_before;
};
void capture_sigpipe_begin(struct sigpipe_watch *w);
int capture_sigpipe_end(struct sigpipe_watch *w); /* returns whether the call raised SIGPIPE */
/* Raises the taken SIGPIPE again, after the lock is released; records the exit first when the
 * signal's default action will end the process. */
void capture_sigpipe_deliver(void);
/* The process's end: every tracked fd closed under the lock, recorded, in fd order. */
void capture_record_exit(const char *how);
/* A socket address as recorded: {"family", "kind", "path_hex", "abs_hex", "len"}. */
void rec_addr(struct rec *r, const char *key, const struct sockaddr *a, socklen_t len);
/* A call on a tracked fd that the model has no op for. */
void capture_unsupported(const char *what, int fd);

#endif
