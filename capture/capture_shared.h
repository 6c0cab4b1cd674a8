/* The memory that `fdlab capture` shares with every process of the program it captures
 * (libfdlab_capture.so, docs/capture.md): one lock that all of them take around each call they
 * record, the log those records go to, and the set of objects (AF_UNIX sockets and pipes) that
 * calls of the captured program created. `fdlab capture` creates the file, initializes it and
 * names it in the environment; each process maps it at load and keeps no fd for it.
 *
 * Plain C, read by the library (C) and by fdlab (C++). */
#ifndef FDLAB_CAPTURE_SHARED_H
#define FDLAB_CAPTURE_SHARED_H

#include <pthread.h>
#include <stdint.h>

/* The environment variable naming the shared file. */
#define FDLAB_CAPTURE_ENV "FDLAB_CAPTURE_SHM"
#define FDLAB_CAPTURE_MAGIC 0x3170616364666466ULL /* "fdfdcap1" */
/* Objects a capture can follow; a power of two (open addressing). */
#define FDLAB_CAPTURE_KEYS 65536u

/* An open file description as the library tells it apart: the inode of the socket or pipe and
 * its access mode (the two ends of a pipe share an inode). Socket and pipe inodes are never
 * reused while a capture runs (get_next_ino counts up). */
struct fdlab_capture_key {
  uint64_t dev;
  uint64_t ino;
  uint32_t accmode;
  uint32_t used; /* written last, with release order */
};

struct fdlab_capture_header {
  uint64_t magic;
  uint64_t size;       /* of the whole mapping */
  uint64_t log_offset; /* where the log starts in the mapping */
  uint64_t log_used;   /* bytes of whole records, each one JSON line */
  uint64_t seq;        /* records written */
  uint32_t overflowed; /* a record did not fit, or the key set was full: the log is incomplete */
  uint32_t key_count;
  /* Process-shared and robust: a process killed while it holds the lock does not stop the
   * others (its half-written record was never committed). */
  pthread_mutex_t lock;
  struct fdlab_capture_key keys[FDLAB_CAPTURE_KEYS];
};

#endif
