/* Which fds of this process are tracked: those whose open file description is an AF_UNIX
 * socket or a pipe that a call of the captured program created (the shared key set), as this
 * process got them (created, received, duplicated, inherited). Calls on any other fd pass
 * straight through, unrecorded and without the lock. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture_lib.h"

/* fds at or above this are never tracked (a "lost" note says so when one is created). */
#define MAX_FD 65536

struct tracked {
  uint64_t dev, ino;
  uint32_t accmode;
  unsigned char on;
};
static struct tracked table[MAX_FD];

static long sys_fcntl(int fd, int cmd, long arg) { return syscall(SYS_fcntl, fd, cmd, arg); }

int capture_key_of(int fd, struct capture_key *k) {
  struct stat st;
  if (fd < 0 || syscall(SYS_fstat, fd, &st) != 0) return -1;
  long fl = sys_fcntl(fd, F_GETFL, 0);
  if (fl < 0) return -1;
  k->dev = st.st_dev;
  k->ino = st.st_ino;
  k->accmode = (uint32_t)(fl & O_ACCMODE);
  return 0;
}

static uint32_t slot_of(const struct capture_key *k) {
  uint64_t h = k->dev * 0x9e3779b97f4a7c15ULL ^ k->ino * 0xc2b2ae3d27d4eb4fULL ^ k->accmode;
  return (uint32_t)(h ^ (h >> 29)) & (FDLAB_CAPTURE_KEYS - 1);
}

static int same(const struct fdlab_capture_key *s, const struct capture_key *k) {
  return s->dev == k->dev && s->ino == k->ino && s->accmode == k->accmode;
}

int capture_key_known(const struct capture_key *k) {
  struct fdlab_capture_header *h = capture_shared();
  for (uint32_t i = slot_of(k), n = 0; n < FDLAB_CAPTURE_KEYS;
       ++n, i = (i + 1) & (FDLAB_CAPTURE_KEYS - 1)) {
    const struct fdlab_capture_key *s = &h->keys[i];
    if (!__atomic_load_n(&s->used, __ATOMIC_ACQUIRE)) return 0;
    if (same(s, k)) return 1;
  }
  return 0;
}

/* Under the lock. */
static void remember_key(const struct capture_key *k) {
  struct fdlab_capture_header *h = capture_shared();
  if (h->key_count + 1 >= FDLAB_CAPTURE_KEYS) {
    h->overflowed = 1;
    return;
  }
  for (uint32_t i = slot_of(k);; i = (i + 1) & (FDLAB_CAPTURE_KEYS - 1)) {
    struct fdlab_capture_key *s = &h->keys[i];
    if (!s->used) {
      s->dev = k->dev;
      s->ino = k->ino;
      s->accmode = k->accmode;
      __atomic_store_n(&s->used, 1, __ATOMIC_RELEASE);
      h->key_count++;
      return;
    }
    if (same(s, k)) return;
  }
}

static void set_tracked(int fd, const struct capture_key *k) {
  if (fd < 0 || fd >= MAX_FD) return;
  table[fd].dev = k->dev;
  table[fd].ino = k->ino;
  table[fd].accmode = k->accmode;
  table[fd].on = 1;
}

void capture_track_new(int fd) {
  struct capture_key k;
  if (capture_key_of(fd, &k) != 0) return;
  remember_key(&k);
  if (fd >= MAX_FD) {
    capture_unsupported("an fd number above 65535", fd);
    return;
  }
  set_tracked(fd, &k);
}

int capture_track_if_known(int fd) {
  struct capture_key k;
  if (capture_key_of(fd, &k) != 0 || !capture_key_known(&k) || fd >= MAX_FD) return 0;
  set_tracked(fd, &k);
  return 1;
}

void capture_untrack(int fd) {
  if (fd >= 0 && fd < MAX_FD) table[fd].on = 0;
}

int capture_maybe_tracked(int fd) { return fd >= 0 && fd < MAX_FD && table[fd].on; }

int capture_tracked_now(int fd) {
  if (!capture_maybe_tracked(fd)) return 0;
  struct capture_key k;
  if (capture_key_of(fd, &k) == 0 && k.dev == table[fd].dev && k.ino == table[fd].ino &&
      k.accmode == table[fd].accmode)
    return 1;
  /* Closed or replaced by something the library does not see (libc's own close in fclose,
   * a raw syscall): fdlab makes it a close, marked as one it cannot place exactly. */
  table[fd].on = 0;
  struct rec r;
  rec_begin(&r, "lost");
  rec_int(&r, "fd", fd);
  rec_end(&r);
  return 0;
}

int capture_fd_cloexec(int fd) {
  long f = sys_fcntl(fd, F_GETFD, 0);
  return f >= 0 && (f & FD_CLOEXEC);
}

int capture_tracked_fds(int *out, int max) {
  int n = 0;
  for (int fd = 0; fd < MAX_FD && n < max; ++fd)
    if (table[fd].on) out[n++] = fd;
  return n;
}

void rec_key_of(struct rec *r, const char *key, int fd) {
  struct capture_key k;
  if (capture_key_of(fd, &k) != 0) {
    rec_null(r, key); /* not open */
    return;
  }
  char buf[80];
  snprintf(buf, sizeof buf, "%llu:%llu:%u", (unsigned long long)k.dev, (unsigned long long)k.ino,
           k.accmode);
  rec_str(r, key, buf);
}

void rec_tracked_fds(struct rec *r, const char *key) {
  rec_array(r, key);
  for (int fd = 0; fd < MAX_FD; ++fd) {
    if (!table[fd].on) continue;
    rec_object(r, NULL);
    rec_int(r, "fd", fd);
    rec_bool(r, "cloexec", capture_fd_cloexec(fd));
    rec_key_of(r, "key", fd);
    rec_close_object(r);
  }
  rec_close_array(r);
}

void capture_scan_fds(void) {
  /* opendir takes the lowest free number and gives it back before main runs. */
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  int self = dirfd(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = atoi(e->d_name);
    if (fd != self) capture_track_if_known(fd);
  }
  closedir(d);
}

/* ---- helpers shared by the calls ---- */

int capture_status_flags(int fd) { return (int)sys_fcntl(fd, F_GETFL, 0); }

int capture_nonblock_begin(int fd) {
  int fl = capture_status_flags(fd);
  if (fl >= 0 && !(fl & O_NONBLOCK)) sys_fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  return fl;
}

void capture_nonblock_end(int fd, int saved) {
  if (saved >= 0 && !(saved & O_NONBLOCK)) sys_fcntl(fd, F_SETFL, saved);
}

void capture_wait(int fd, short events, int attempt) {
  /* poll may say ready while the call still cannot go on (a full dgram peer, a peek offset past
   * the data): after two such answers in a row, a millisecond between tries instead of a spin.
   * A connect into a full backlog (fd -1) has nothing to poll: a millisecond each time. */
  static __thread int ready_but_blocked;
  struct timespec ms = {0, 1000000};
  if (fd < 0) {
    nanosleep(&ms, NULL);
    return;
  }
  if (attempt == 0) ready_but_blocked = 0;
  if (ready_but_blocked > 2) nanosleep(&ms, NULL);
  struct pollfd p = {fd, events, 0};
  if (real.poll(&p, 1, 1000) > 0)
    ++ready_but_blocked;
  else
    ready_but_blocked = 0;
}

static __thread int sigpipe_taken;

void capture_sigpipe_begin(struct sigpipe_watch *w) {
  sigset_t s, pending;
  sigemptyset(&s);
  sigaddset(&s, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &s, &w->old);
  sigpending(&pending);
  w->pending_before = sigismember(&pending, SIGPIPE);
}

int capture_sigpipe_end(struct sigpipe_watch *w) {
  int raised = 0;
  if (!w->pending_before) {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE)) {
      sigset_t s;
      sigemptyset(&s);
      sigaddset(&s, SIGPIPE);
      struct timespec zero = {0, 0};
      raised = sigtimedwait(&s, NULL, &zero) == SIGPIPE;
    }
  }
  pthread_sigmask(SIG_SETMASK, &w->old, NULL);
  sigpipe_taken = raised;
  return raised;
}

void capture_sigpipe_deliver(void) {
  if (!sigpipe_taken) return;
  sigpipe_taken = 0;
  struct sigaction sa;
  sigset_t mask;
  sigaction(SIGPIPE, NULL, &sa);
  pthread_sigmask(SIG_SETMASK, NULL, &mask);
  if (sa.sa_handler == SIG_DFL && !sigismember(&mask, SIGPIPE)) capture_record_exit("SIGPIPE");
  int e = errno;
  pthread_kill(pthread_self(), SIGPIPE);
  errno = e;
}

static int exited;

void capture_record_exit(const char *how) {
  if (!capture_active() || exited) return;
  capture_lock();
  exited = 1;
  struct rec r;
  rec_begin(&r, "exit");
  rec_str(&r, "how", how);
  rec_array(&r, "fds");
  /* In fd order, as the kernel closes a dying process's table (close_files). */
  for (int fd = 0; fd < MAX_FD; ++fd) {
    if (!table[fd].on) continue;
    table[fd].on = 0;
    real.close(fd);
    rec_elem_int(&r, fd);
  }
  rec_close_array(&r);
  rec_end(&r);
  capture_unlock();
}

int capture_exited(void) { return exited; }

void capture_unsupported(const char *what, int fd) {
  capture_lock();
  struct rec r;
  rec_begin(&r, "unsupported");
  rec_str(&r, "what", what);
  rec_int(&r, "fd", fd);
  rec_end(&r);
  capture_unlock();
}

int capture_is_socket(int fd) {
  struct stat st;
  return syscall(SYS_fstat, fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

int capture_call_begin(int fd) {
  if (!capturing() || !capture_maybe_tracked(fd)) return 0;
  capture_lock();
  if (capture_tracked_now(fd)) return 1;
  capture_unlock();
  return 0;
}

int capture_call_end(struct rec *r, int ret, int err) {
  rec_errno(r, ret, err);
  rec_end(r);
  capture_unlock();
  errno = err;
  return ret;
}
