/* What fdlab_posix_runner.c built with -DFDLAB_POSIX_MODEL needs of libfdlab_posix, the library
 * that serves a C program's socket calls with fdlab's simulator (issue 17, point 2). This copy
 * only lets the seam compile natively (runner/CMakeLists.txt); the library's own header
 * declares the same calls (docs/posix-runner.md, "The model variant"). */
#ifndef FDLAB_POSIX_H
#define FDLAB_POSIX_H

/* The calls that follow are scenario process `index`'s, made on first use with fds 0, 1 and 2
 * open (and getpid() answering its pid). 0, or -1 and errno. */
int fdlab_posix_use_process(int index);

/* 1 when the last call returned only because it would have waited forever. */
int fdlab_posix_last_call_blocked(void);

/* Moves the calling process's fd to process `to` as an SCM_RIGHTS message would: the lowest free
 * number there, FD_CLOEXEC clear; the caller's fd is closed. The new number, or -1 and errno
 * (EBADF: no such fd; EMFILE: `to` is at its RLIMIT_NOFILE, and the caller keeps its fd). */
int fdlab_posix_give(int fd, int to);

#endif
