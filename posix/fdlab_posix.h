/* libfdlab_posix: a C program compiled with Emscripten gets Linux's AF_UNIX and SCM_RIGHTS
 * from fdlab's simulator. Link it (posix/README in docs/programs.md) and the program's
 * socket, socketpair, pipe, bind, listen, connect, accept, sendmsg, recvmsg, send, recv,
 * sendto, recvfrom, read, write, close, dup, fcntl, shutdown, poll, setsockopt, getsockopt and
 * unlink are served by the model for AF_UNIX sockets and the pipes and fds the model gave it;
 * everything else (files, stdio) stays Emscripten's.
 *
 * A plain program needs nothing from this header: each instance of it is one process of the
 * simulated kernel, which the host (posix/host.js) starts. These hooks are for a program that
 * plays several processes itself, one after the other, as the corpus runner does. */
#ifndef FDLAB_POSIX_H
#define FDLAB_POSIX_H

#ifdef __cplusplus
extern "C" {
#endif

/* From now on this instance acts as process `index` of the kernel (created, with fds 0, 1
 * and 2, when first named). Returns 0, or -1 when the host refuses. */
int fdlab_posix_use_process(int index);

/* Moves the calling process's fd into process `to`, as an SCM_RIGHTS message would (the lowest
 * free number there, FD_CLOEXEC clear; the caller's fd is gone): how a program playing several
 * processes sets up who holds what. The new number, or -1 and errno (EBADF; EMFILE when `to`
 * is at its RLIMIT_NOFILE, and the caller keeps its fd). */
int fdlab_posix_give(int fd, int to);

/* A fresh unlinked regular file of the model, opened O_RDWR (flags: 0 or O_CLOEXEC), as
 * open(O_TMPFILE) gives one: the file a program playing processes passes around. Its fd, or -1
 * and errno. */
int fdlab_posix_open_temp(int flags);

/* 1 when the last call returned only because it would wait forever: no other process could
 * wake it (errno is EDEADLK then; with one instance that is every blocking call). */
int fdlab_posix_last_call_blocked(void);

#ifdef __cplusplus
}
#endif
#endif
