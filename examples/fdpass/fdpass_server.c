/* A small fd-passing server, the kind fdlab's users write: it listens on a Unix socket, and for
 * each request a client sends it answers with a new open file (a pipe's read end) passed over
 * SCM_RIGHTS, then writes the file's contents into the pipe's other end.
 *
 *   fdpass_server SOCKET_PATH [REQUESTS]
 *
 * Plain POSIX with no fdlab code: built natively it runs on the kernel (and under `fdlab
 * capture`); built with emcc and libfdlab_posix it runs on the simulator (docs/programs.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "fdpass_server: %s: %s\n", what, strerror(errno));
  return 1;
}

/* One message with `fd` attached: the data tells the client what it gets. */
static int send_fd(int sock, const char *data, int fd) {
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct iovec iov = {(void *)data, strlen(data)};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

static int serve(int conn, int request) {
  char want[32];
  ssize_t n = recv(conn, want, sizeof want - 1, 0);
  if (n < 0) return fail("recv");
  if (n == 0) return 0; /* the client is done */
  want[n] = '\0';
  int p[2];
  if (pipe(p) != 0) return fail("pipe");
  /* The contents go in before the read end leaves. Written after, they raced the client: a
   * client that cannot take the fd (MSG_CTRUNC) closes the last read end, and the write then
   * fails with EPIPE and SIGPIPE. The real kernel's schedule hid that race; the model's run of
   * these programs (docs/programs.md) found it. */
  char body[64];
  int len = snprintf(body, sizeof body, "contents of %s #%d\n", want, request);
  if (write(p[1], body, (size_t)len) != len) return fail("write");
  close(p[1]);
  char header[64];
  snprintf(header, sizeof header, "file %d for %s", request, want);
  if (send_fd(conn, header, p[0]) != 0) return fail("sendmsg");
  /* The client holds its own fd for the read end now, or the kernel closed it. */
  close(p[0]);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fdpass_server SOCKET_PATH [REQUESTS]\n");
    return 2;
  }
  int requests = argc > 2 ? atoi(argv[2]) : 2;
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  if (strlen(argv[1]) >= sizeof addr.sun_path) return fail("path too long");
  strcpy(addr.sun_path, argv[1]);
  int ls = socket(AF_UNIX, SOCK_STREAM, 0);
  if (ls < 0) return fail("socket");
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0) return fail("bind");
  if (listen(ls, 4) != 0) return fail("listen");
  int conn = accept(ls, NULL, NULL);
  if (conn < 0) return fail("accept");
  for (int i = 1; i <= requests; i++)
    if (serve(conn, i) != 0) return 1;
  /* Wait for the client's end of the conversation before going. */
  char rest[8];
  if (recv(conn, rest, sizeof rest, 0) != 0) fprintf(stderr, "fdpass_server: trailing data\n");
  close(conn);
  close(ls);
  unlink(argv[1]);
  printf("fdpass_server: served %d\n", requests);
  return 0;
}
