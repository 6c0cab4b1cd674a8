/* fdlab's simulator as a small C library: Linux's AF_UNIX and SCM_RIGHTS rules in memory, for
 * programs that want the model where they run (a WebAssembly runtime checking its own fd
 * passing, a test harness, libfdlab_posix which serves a C program's socket calls with it).
 *
 * The calls mirror the syscalls, each for one simulated process:
 *   - Arguments are what a C program passes: struct msghdr with a real control buffer laid out
 *     by its own <sys/socket.h> CMSG_* macros (the simulator reads and writes the layout of
 *     the target this library was compiled for: x86-64's 16-byte cmsghdr natively, wasm32's
 *     12-byte one under Emscripten), Linux's values for AF_*, SOCK_*, MSG_*, O_*, F_*, POLL*.
 *   - A call returns what the syscall returns, or a negative Linux errno value (-EAGAIN is
 *     -11 on every target, Emscripten's own numbering notwithstanding: fdlab_sim_errno_name
 *     names it). Numbers are spoken only at this boundary; inside, errors are names.
 *   - FDLAB_SIM_BLOCKED: the call would wait. Nothing is changed; call again once another
 *     process has acted (libfdlab_posix waits for that).
 *   - FDLAB_SIM_UNSUPPORTED: the model cannot serve the call as asked (a flag, option, address
 *     family or command it does not model). Nothing is changed. It is never a Linux answer:
 *     a caller must stop or say so, not carry on as if the kernel had answered.
 *
 * One fdlab_sim is single-threaded: callers serialize their calls. Nothing here touches the
 * host's fds or files: socket paths live in the simulator's own namespace. */
#ifndef FDLAB_SIM_H
#define FDLAB_SIM_H

#include <poll.h>
#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fdlab_sim fdlab_sim;

/* Beyond every errno (Linux's MAX_ERRNO is 4095). */
#define FDLAB_SIM_BLOCKED (-4096L)
#define FDLAB_SIM_UNSUPPORTED (-4097L)

/* A new simulated kernel with no processes. NULL when out of memory. */
fdlab_sim *fdlab_sim_new(void);
void fdlab_sim_free(fdlab_sim *sim);

/* A new process with fds 0, 1 and 2 open (0, 1, ... in order), or a negative errno. */
int fdlab_sim_add_process(fdlab_sim *sim);

long fdlab_sim_socket(fdlab_sim *sim, int proc, int domain, int type, int protocol);
long fdlab_sim_socketpair(fdlab_sim *sim, int proc, int domain, int type, int protocol,
                          int sv[2]);
long fdlab_sim_pipe2(fdlab_sim *sim, int proc, int fds[2], int flags);
long fdlab_sim_bind(fdlab_sim *sim, int proc, int fd, const struct sockaddr *addr,
                    socklen_t len);
long fdlab_sim_listen(fdlab_sim *sim, int proc, int fd, int backlog);
long fdlab_sim_connect(fdlab_sim *sim, int proc, int fd, const struct sockaddr *addr,
                       socklen_t len);
/* addr and len may be NULL; the peer of an AF_UNIX accept is unnamed (family only). */
long fdlab_sim_accept4(fdlab_sim *sim, int proc, int fd, struct sockaddr *addr, socklen_t *len,
                       int flags);
long fdlab_sim_sendmsg(fdlab_sim *sim, int proc, int fd, const struct msghdr *msg, int flags);
long fdlab_sim_recvmsg(fdlab_sim *sim, int proc, int fd, struct msghdr *msg, int flags);
/* Not a syscall of its own: a fresh unlinked regular file opened O_RDWR (open(O_TMPFILE)), the
 * model's stand-in for a program's files; flags may hold O_CLOEXEC. */
long fdlab_sim_open_temp(fdlab_sim *sim, int proc, int flags);
long fdlab_sim_lseek(fdlab_sim *sim, int proc, int fd, long offset, int whence);
long fdlab_sim_read(fdlab_sim *sim, int proc, int fd, void *buf, size_t len);
long fdlab_sim_write(fdlab_sim *sim, int proc, int fd, const void *buf, size_t len);
long fdlab_sim_close(fdlab_sim *sim, int proc, int fd);
long fdlab_sim_dup(fdlab_sim *sim, int proc, int fd);
/* F_GETFD, F_SETFD, F_GETFL, F_SETFL and F_DUPFD_CLOEXEC-free F_DUPFD (arg 0 only). */
long fdlab_sim_fcntl(fdlab_sim *sim, int proc, int fd, int cmd, long arg);
long fdlab_sim_shutdown(fdlab_sim *sim, int proc, int fd, int how);
/* SOL_SOCKET options with an int value: SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_TYPE, ... */
long fdlab_sim_setsockopt(fdlab_sim *sim, int proc, int fd, int level, int name, int value);
long fdlab_sim_getsockopt(fdlab_sim *sim, int proc, int fd, int level, int name, int *value);
long fdlab_sim_unlink(fdlab_sim *sim, int proc, const char *path);
/* poll(2) with timeout 0: how many entries have revents. A caller that wants to wait calls
 * again after another process acted. */
long fdlab_sim_poll(fdlab_sim *sim, int proc, struct pollfd *fds, nfds_t nfds);

/* Not a syscall: moves proc's fd into process `to` at the lowest free number there, FD_CLOEXEC
 * clear, as a harness sets up who holds what (a scenario's `give`). The new number, or -EBADF,
 * or -EMFILE when `to` is at its RLIMIT_NOFILE (proc keeps its fd then). */
long fdlab_sim_give(fdlab_sim *sim, int proc, int fd, int to);

/* 1 when the last write or sendmsg raised SIGPIPE in its process (a stream with no reader any
 * more, without MSG_NOSIGNAL). It returned -EPIPE; Linux also sent the signal, which kills the
 * process unless it ignores or handles SIGPIPE. The caller delivers it. */
int fdlab_sim_raised_sigpipe(fdlab_sim *sim);

/* The process exits: every fd it has is closed, as the kernel's exit does (peers see EOF, a
 * listener's pending connections are reset). Returns how many fds it closed. */
long fdlab_sim_exit_process(fdlab_sim *sim, int proc);

/* Whether fd is open in proc: how a library serving a program's calls tells its own fds
 * from the ones it leaves to the host. */
int fdlab_sim_is_open(fdlab_sim *sim, int proc, int fd);

/* The object (open file description) behind fd in proc: 1, 2, 3, ... in creation order, the
 * same for every fd that refers to it in any process; -EBADF when fd is not open. How a
 * caller names what a received fd is. */
long fdlab_sim_fd_object(fdlab_sim *sim, int proc, int fd);

/* setrlimit(RLIMIT_NOFILE) for proc: its soft limit (the hard one is kept). */
long fdlab_sim_setrlimit_nofile(fdlab_sim *sim, int proc, long soft);

/* The pid the model gives proc: what SCM_CREDENTIALS from it carries, what getpid() answers. */
long fdlab_sim_getpid(fdlab_sim *sim, int proc);

/* fstat's type bits for fd (Linux's S_IFSOCK, S_IFIFO, S_IFREG, S_IFDIR, S_IFCHR), or -EBADF.
 * With fdlab_sim_fd_object as its inode, what a caller needs to tell objects apart. */
long fdlab_sim_fd_type(fdlab_sim *sim, int proc, int fd);

/* The whole state as JSON (the visualizer's snapshot), NUL-terminated; free it with
 * fdlab_sim_string_free. NULL when out of memory. */
char *fdlab_sim_snapshot_json(fdlab_sim *sim);
void fdlab_sim_string_free(char *s);

/* "EAGAIN" for -11 (or 11), "" for a value that is no errno the model knows. */
const char *fdlab_sim_errno_name(long err);

/* Linux flag bits by the names scenarios and traces use, comma-separated ("MSG_TRUNC,MSG_CTRUNC")
 * into out (room bytes, NUL-terminated). Returns the length, -EINVAL for a bit the model has
 * no name for or too little room. */
#define FDLAB_SIM_MSG_FLAGS 1   /* MSG_* */
#define FDLAB_SIM_POLL_EVENTS 2 /* POLL* */
long fdlab_sim_flag_names(int kind, long value, char *out, size_t room);

/* The struct cmsghdr size this library reads and writes (CMSG_LEN(0)): 16 or 12. */
size_t fdlab_sim_cmsghdr_size(void);

#ifdef __cplusplus
}
#endif
#endif
