/* The simulator's C API (capi/include/fdlab/sim.h) from C, as a user links it: natively and
 * under Emscripten (wasm32), each with its own target's cmsghdr layout. Every check compares
 * with what this target's own CMSG_* macros say or with Linux's documented answer. */
#include <fdlab/sim.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                \
  do {                                                             \
    ++checks;                                                      \
    if (!(cond)) {                                                 \
      ++failures;                                                  \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                              \
  } while (0)
#define CHECK_EQ(a, b)                                                                   \
  do {                                                                                   \
    long a_ = (long)(a), b_ = (long)(b);                                                 \
    ++checks;                                                                            \
    if (a_ != b_) {                                                                      \
      ++failures;                                                                        \
      fprintf(stderr, "%s:%d: %s is %ld, expected %ld\n", __FILE__, __LINE__, #a, a_, b_); \
    }                                                                                    \
  } while (0)

/* sendmsg of `data` with `n` fds in one SCM_RIGHTS cmsg, built with this target's macros. */
static long send_fds(fdlab_sim *sim, int proc, int sock, const char *data, const int *fds, int n) {
  union {
    char bytes[CMSG_SPACE(8 * sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {(void *)data, strlen(data)};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (n > 0) {
    msg.msg_control = control.bytes;
    msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n * sizeof(int));
  }
  return fdlab_sim_sendmsg(sim, proc, sock, &msg, 0);
}

struct received {
  long ret;
  char data[64];
  int fds[8];
  int nfds;
  int flags;
  size_t controllen;
};

static struct received recv_fds(fdlab_sim *sim, int proc, int sock, size_t control_room) {
  struct received r;
  memset(&r, 0, sizeof r);
  union {
    char bytes[256];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {r.data, sizeof r.data - 1};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_room ? control.bytes : NULL;
  msg.msg_controllen = control_room;
  r.ret = fdlab_sim_recvmsg(sim, proc, sock, &msg, 0);
  if (r.ret < 0) return r;
  r.flags = msg.msg_flags;
  r.controllen = msg.msg_controllen;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    memcpy(r.fds + r.nfds, CMSG_DATA(c), n * sizeof(int));
    r.nfds += n;
  }
  return r;
}

static void layout_is_this_targets(void) {
  CHECK_EQ(fdlab_sim_cmsghdr_size(), CMSG_LEN(0));
  CHECK_EQ(fdlab_sim_cmsghdr_size(), sizeof(struct cmsghdr));
}

static void an_fd_travels_with_its_bytes(void) {
  fdlab_sim *sim = fdlab_sim_new();
  int p = fdlab_sim_add_process(sim);
  int sv[2], pipe_fds[2];
  CHECK_EQ(fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM, 0, sv), 0);
  CHECK_EQ(sv[0], 3);
  CHECK_EQ(sv[1], 4);
  CHECK_EQ(fdlab_sim_pipe2(sim, p, pipe_fds, 0), 0);
  CHECK_EQ(send_fds(sim, p, sv[0], "abcd", &pipe_fds[0], 1), 4);
  CHECK_EQ(fdlab_sim_write(sim, p, pipe_fds[1], "through the pipe", 16), 16);
  CHECK_EQ(fdlab_sim_close(sim, p, pipe_fds[0]), 0);
  struct received r = recv_fds(sim, p, sv[1], CMSG_SPACE(sizeof(int)));
  CHECK_EQ(r.ret, 4);
  CHECK(strcmp(r.data, "abcd") == 0);
  CHECK_EQ(r.nfds, 1);
  CHECK_EQ(r.fds[0], 5); /* the lowest free number: the sender's copy was closed */
  CHECK_EQ(r.flags, 0);
  CHECK_EQ(r.controllen, CMSG_SPACE(sizeof(int))); /* this target's CMSG_SPACE: 24 or 16 */
  char buf[32] = {0};
  CHECK_EQ(fdlab_sim_read(sim, p, r.fds[0], buf, sizeof buf - 1), 16);
  CHECK(strcmp(buf, "through the pipe") == 0);
  fdlab_sim_free(sim);
}

/* CMSG_SPACE rounds to the target's alignment, and the kernel gives the rounding away:
 * CMSG_SPACE(sizeof(int)) holds two fds on LP64 (24 bytes: (24-16)/4) but one on ILP32
 * (16 bytes: (16-12)/4), the second closed with MSG_CTRUNC (scm_detach_fds). */
static void control_space_rounding_is_the_targets(void) {
  fdlab_sim *sim = fdlab_sim_new();
  int p = fdlab_sim_add_process(sim);
  int sv[2], a[2], b[2];
  fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM, 0, sv);
  fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM, 0, a);
  fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM, 0, b);
  int two[2] = {a[0], b[0]};
  CHECK_EQ(send_fds(sim, p, sv[0], "x", two, 2), 1);
  struct received r = recv_fds(sim, p, sv[1], CMSG_SPACE(sizeof(int)));
  CHECK_EQ(r.ret, 1);
  size_t room = (CMSG_SPACE(sizeof(int)) - CMSG_LEN(0)) / sizeof(int);
  CHECK_EQ(r.nfds, room < 2 ? room : 2);
  CHECK_EQ(r.flags & MSG_CTRUNC, room < 2 ? MSG_CTRUNC : 0);
  fdlab_sim_free(sim);
}

static void too_little_control_space_closes_the_fd(void) {
  fdlab_sim *sim = fdlab_sim_new();
  int p = fdlab_sim_add_process(sim);
  int sv[2], pipe_fds[2];
  fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM, 0, sv);
  fdlab_sim_pipe2(sim, p, pipe_fds, 0);
  CHECK_EQ(send_fds(sim, p, sv[0], "hdr", &pipe_fds[0], 1), 3);
  struct received r = recv_fds(sim, p, sv[1], CMSG_SPACE(0));
  CHECK_EQ(r.ret, 3);
  CHECK_EQ(r.nfds, 0);
  CHECK_EQ(r.flags, MSG_CTRUNC);
  CHECK_EQ(r.controllen, 0);
  fdlab_sim_free(sim);
}

/* A stream sendmsg with no bytes and SCM_RIGHTS returns 0 and the fds are dropped. */
static void zero_bytes_on_a_stream_drop_the_fds(void) {
  fdlab_sim *sim = fdlab_sim_new();
  int p = fdlab_sim_add_process(sim);
  int sv[2], pipe_fds[2];
  fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
  fdlab_sim_pipe2(sim, p, pipe_fds, 0);
  CHECK_EQ(send_fds(sim, p, sv[0], "", &pipe_fds[0], 1), 0);
  struct received r = recv_fds(sim, p, sv[1], CMSG_SPACE(sizeof(int)));
  CHECK_EQ(r.ret, -11); /* -EAGAIN, Linux's number whatever the target's errno.h says */
  CHECK(strcmp(fdlab_sim_errno_name(r.ret), "EAGAIN") == 0);
  fdlab_sim_free(sim);
}

static void errors_blocking_and_refusals(void) {
  fdlab_sim *sim = fdlab_sim_new();
  int p = fdlab_sim_add_process(sim);
  CHECK_EQ(fdlab_sim_close(sim, p, 42), -9);
  CHECK(strcmp(fdlab_sim_errno_name(-9), "EBADF") == 0);
  int sv[2];
  fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM, 0, sv);
  struct received r = recv_fds(sim, p, sv[1], 0);
  CHECK_EQ(r.ret, FDLAB_SIM_BLOCKED);
  CHECK_EQ(fdlab_sim_socket(sim, p, AF_INET, SOCK_STREAM, 0), FDLAB_SIM_UNSUPPORTED);
  CHECK_EQ(fdlab_sim_socket(sim, p, AF_UNIX, SOCK_STREAM, 6), -93); /* EPROTONOSUPPORT */
  CHECK_EQ(fdlab_sim_close(sim, 7, 3), -3);                          /* no such process */
  CHECK_EQ(fdlab_sim_fcntl(sim, p, sv[0], F_GETFL, 0), O_RDWR);
  CHECK_EQ(fdlab_sim_fcntl(sim, p, sv[0], F_SETFL, O_NONBLOCK), 0);
  CHECK_EQ(fdlab_sim_fcntl(sim, p, sv[0], F_GETFL, 0), O_RDWR | O_NONBLOCK);
  int type = 0;
  CHECK_EQ(fdlab_sim_getsockopt(sim, p, sv[0], SOL_SOCKET, SO_TYPE, &type), 0);
  CHECK_EQ(type, SOCK_STREAM);
  struct pollfd pf[2] = {{sv[0], POLLIN | POLLOUT, 0}, {sv[1], POLLIN, 0}};
  CHECK_EQ(fdlab_sim_poll(sim, p, pf, 2), 1);
  CHECK_EQ(pf[0].revents, POLLOUT);
  CHECK_EQ(pf[1].revents, 0);
  fdlab_sim_free(sim);
}

/* Two processes meet at a path and one passes the other a pipe. */
static void a_named_server_passes_a_pipe(void) {
  fdlab_sim *sim = fdlab_sim_new();
  int server = fdlab_sim_add_process(sim);
  int client = fdlab_sim_add_process(sim);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strcpy(addr.sun_path, "/run/demo.sock");
  long ls = fdlab_sim_socket(sim, server, AF_UNIX, SOCK_STREAM, 0);
  CHECK_EQ(ls, 3);
  CHECK_EQ(fdlab_sim_bind(sim, server, (int)ls, (struct sockaddr *)&addr, sizeof addr), 0);
  CHECK_EQ(fdlab_sim_bind(sim, server, (int)ls, (struct sockaddr *)&addr, sizeof addr), -98);
  CHECK_EQ(fdlab_sim_listen(sim, server, (int)ls, 4), 0);
  CHECK_EQ(fdlab_sim_accept4(sim, server, (int)ls, NULL, NULL, 0), FDLAB_SIM_BLOCKED);
  long cs = fdlab_sim_socket(sim, client, AF_UNIX, SOCK_STREAM, 0);
  CHECK_EQ(fdlab_sim_connect(sim, client, (int)cs, (struct sockaddr *)&addr, sizeof addr), 0);
  struct sockaddr_un peer;
  socklen_t peer_len = sizeof peer;
  long conn = fdlab_sim_accept4(sim, server, (int)ls, (struct sockaddr *)&peer, &peer_len,
                                SOCK_CLOEXEC);
  CHECK_EQ(conn, 4);
  CHECK_EQ(peer_len, sizeof(sa_family_t));
  CHECK_EQ(fdlab_sim_fcntl(sim, server, (int)conn, F_GETFD, 0), FD_CLOEXEC);
  int pipe_fds[2];
  fdlab_sim_pipe2(sim, server, pipe_fds, 0);
  CHECK_EQ(send_fds(sim, server, (int)conn, "file", &pipe_fds[0], 1), 4);
  struct received r = recv_fds(sim, client, (int)cs, CMSG_SPACE(sizeof(int)));
  CHECK_EQ(r.ret, 4);
  CHECK_EQ(r.nfds, 1);
  CHECK_EQ(r.fds[0], 4); /* the client's lowest free number, not the server's */
  CHECK_EQ(fdlab_sim_is_open(sim, client, 4), 1);
  CHECK_EQ(fdlab_sim_is_open(sim, client, 5), 0);
  char *state = fdlab_sim_snapshot_json(sim);
  CHECK(state != NULL && strstr(state, "\"processes\"") != NULL);
  fdlab_sim_string_free(state);
  CHECK_EQ(fdlab_sim_unlink(sim, server, "/run/demo.sock"), 0);
  CHECK_EQ(fdlab_sim_unlink(sim, server, "/run/demo.sock"), -2);
  fdlab_sim_free(sim);
}

int main(void) {
  layout_is_this_targets();
  an_fd_travels_with_its_bytes();
  control_space_rounding_is_the_targets();
  too_little_control_space_closes_the_fd();
  zero_bytes_on_a_stream_drop_the_fds();
  errors_blocking_and_refusals();
  a_named_server_passes_a_pipe();
  printf("capi_test (cmsghdr %zu bytes): %d checks, %d failed\n", fdlab_sim_cmsghdr_size(),
         checks, failures);
  return failures == 0 ? 0 : 1;
}
