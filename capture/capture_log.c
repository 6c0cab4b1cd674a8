/* The shared mapping, the one lock and the log. Each process maps the file `fdlab capture`
 * named in FDLAB_CAPTURE_SHM at load and closes the fd it used, so the captured program's fd
 * numbers are its own. A record is written into the log while the lock is held and committed
 * by moving log_used past it, so the log's order is the order the calls really happened in,
 * and a process killed half-way leaves no half record. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "capture/capture_lib.h"

static struct fdlab_capture_header *shared;
static __thread int lock_depth;
/* Signals wait while the lock is held: a handler that writes to a tracked pipe (the self-pipe
 * trick) would otherwise write its record in the middle of the one being written. */
static __thread sigset_t saved_mask;

static void map_shared(void) {
  const char *path = getenv(FDLAB_CAPTURE_ENV);
  if (!path || !*path) return;
  /* open/close through syscall(): the lowest free number is used and given back at once. */
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  void *m = MAP_FAILED;
  if (fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(struct fdlab_capture_header))
    m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  syscall(SYS_close, fd);
  if (m == MAP_FAILED) return;
  struct fdlab_capture_header *h = m;
  if (h->magic != FDLAB_CAPTURE_MAGIC || h->size != (uint64_t)st.st_size) {
    munmap(m, (size_t)st.st_size);
    return;
  }
  shared = h;
}

static pthread_once_t map_once = PTHREAD_ONCE_INIT;

int capture_active(void) {
  capture_resolve_real();
  pthread_once(&map_once, map_shared);
  return shared != NULL;
}

struct fdlab_capture_header *capture_shared(void) {
  return shared;
}

void capture_lock(void) {
  if (lock_depth++ > 0) return;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved_mask);
  int r = pthread_mutex_lock(&shared->lock);
  /* A process died holding it: its record was never committed, the log is whole. */
  if (r == EOWNERDEAD) pthread_mutex_consistent(&shared->lock);
}

void capture_unlock(void) {
  if (--lock_depth > 0) return;
  pthread_mutex_unlock(&shared->lock);
  pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
}

void capture_forget_lock(void) {
  lock_depth = 0;
  pthread_sigmask(SIG_SETMASK, &saved_mask, NULL);
}

/* ---- records ---- */

static void put(struct rec *r, const char *s, size_t n) {
  if (r->bad || r->len + n > r->cap) {
    r->bad = 1;
    return;
  }
  memcpy(r->p + r->len, s, n);
  r->len += n;
}

static void puts_(struct rec *r, const char *s) { put(r, s, strlen(s)); }

static void sep(struct rec *r) {
  if (!r->first) put(r, ",", 1);
  r->first = 0;
}

void rec_key(struct rec *r, const char *key) {
  sep(r);
  put(r, "\"", 1);
  puts_(r, key);
  put(r, "\":", 2);
}

void rec_begin(struct rec *r, const char *call) {
  char *log = (char *)shared + shared->log_offset;
  r->p = log + shared->log_used;
  r->cap = shared->size - shared->log_offset - shared->log_used;
  r->len = 0;
  r->bad = shared->overflowed != 0;
  r->first = 1;
  put(r, "{", 1);
  rec_int(r, "seq", (long long)shared->seq);
  rec_int(r, "pid", (long long)getpid());
  rec_int(r, "tid", (long long)syscall(SYS_gettid));
  rec_str(r, "call", call);
}

void rec_int(struct rec *r, const char *key, long long v) {
  char buf[32];
  rec_key(r, key);
  snprintf(buf, sizeof buf, "%lld", v);
  puts_(r, buf);
}

void rec_null(struct rec *r, const char *key) {
  rec_key(r, key);
  puts_(r, "null");
}

void rec_bool(struct rec *r, const char *key, int v) {
  rec_key(r, key);
  puts_(r, v ? "true" : "false");
}

void rec_str(struct rec *r, const char *key, const char *s) {
  rec_key(r, key);
  put(r, "\"", 1);
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put(r, e, 2);
    } else if (c < 0x20 || c > 0x7e) {
      put(r, "?", 1);
    } else {
      put(r, (const char *)&c, 1);
    }
  }
  put(r, "\"", 1);
}

static void hex_bytes(struct rec *r, const unsigned char *b, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char buf[256];
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    buf[k++] = digits[b[i] >> 4];
    buf[k++] = digits[b[i] & 15];
    if (k == sizeof buf) {
      put(r, buf, k);
      k = 0;
    }
  }
  put(r, buf, k);
}

void rec_hex(struct rec *r, const char *key, const void *bytes, size_t n) {
  rec_key(r, key);
  put(r, "\"", 1);
  hex_bytes(r, bytes, n);
  put(r, "\"", 1);
}

void rec_iov_hex(struct rec *r, const char *key, const struct iovec *iov, size_t iovcnt, size_t n) {
  rec_key(r, key);
  put(r, "\"", 1);
  for (size_t i = 0; i < iovcnt && n > 0; ++i) {
    size_t take = iov[i].iov_len < n ? iov[i].iov_len : n;
    hex_bytes(r, iov[i].iov_base, take);
    n -= take;
  }
  put(r, "\"", 1);
}

void rec_errno(struct rec *r, long ret, int err) {
  rec_int(r, "ret", ret);
  if (ret < 0) rec_int(r, "errno", err);
}

void rec_array(struct rec *r, const char *key) {
  if (key)
    rec_key(r, key);
  else
    sep(r);
  put(r, "[", 1);
  r->first = 1;
}

void rec_object(struct rec *r, const char *key) {
  if (key)
    rec_key(r, key);
  else
    sep(r);
  put(r, "{", 1);
  r->first = 1;
}

void rec_close_array(struct rec *r) {
  put(r, "]", 1);
  r->first = 0;
}

void rec_close_object(struct rec *r) {
  put(r, "}", 1);
  r->first = 0;
}

void rec_elem_int(struct rec *r, long long v) {
  char buf[32];
  sep(r);
  snprintf(buf, sizeof buf, "%lld", v);
  puts_(r, buf);
}

void rec_end(struct rec *r) {
  put(r, "}\n", 2);
  if (r->bad) {
    /* fdlab says the capture is incomplete; the calls themselves go on. */
    shared->overflowed = 1;
    return;
  }
  shared->seq++;
  __atomic_store_n(&shared->log_used, shared->log_used + r->len, __ATOMIC_RELEASE);
}
