/* The client of fdpass_server: it asks for files, receives each as an fd over SCM_RIGHTS and
 * reads it. It also makes the trap fdlab exists for: its second request gives a control buffer
 * of CMSG_SPACE(0), too small for the fd, so the kernel closes the fd and sets MSG_CTRUNC, and
 * the client says so instead of reading from a number it never got.
 *
 *   fdpass_client SOCKET_PATH [REQUESTS]
 *
 * Plain POSIX with no fdlab code (see fdpass_server.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int fail(const char *what) {
  fprintf(stderr, "fdpass_client: %s: %s\n", what, strerror(errno));
  return 1;
}

/* Receives a header and at most one fd; control_room is the control buffer's size. */
static int receive(int sock, size_t control_room, char *header, size_t header_len, int *fd,
                   int *flags) {
  union {
    char bytes[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {header, header_len - 1};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.bytes;
  msg.msg_controllen = control_room;
  ssize_t n = recvmsg(sock, &msg, 0);
  if (n < 0) return -1;
  header[n] = '\0';
  *fd = -1;
  *flags = msg.msg_flags;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len >= CMSG_LEN(sizeof(int)))
      memcpy(fd, CMSG_DATA(c), sizeof(int));
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: fdpass_client SOCKET_PATH [REQUESTS]\n");
    return 2;
  }
  int requests = argc > 2 ? atoi(argv[2]) : 2;
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  if (strlen(argv[1]) >= sizeof addr.sun_path) return fail("path too long");
  strcpy(addr.sun_path, argv[1]);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) return fail("socket");
  if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) return fail("connect");
  for (int i = 1; i <= requests; i++) {
    const char *want = i % 2 ? "notes" : "log";
    if (send(s, want, strlen(want), 0) < 0) return fail("send");
    char header[64];
    int fd, flags;
    /* Every second request leaves no room for the fd: the trap. */
    size_t room = i % 2 ? CMSG_SPACE(sizeof(int)) : CMSG_SPACE(0);
    if (receive(s, room, header, sizeof header, &fd, &flags) != 0) return fail("recvmsg");
    if (fd < 0) {
      printf("fdpass_client: \"%s\" came without its fd%s\n", header,
             flags & MSG_CTRUNC ? " (MSG_CTRUNC: the kernel closed it)" : "");
      continue;
    }
    char body[64];
    ssize_t n = read(fd, body, sizeof body - 1);
    if (n < 0) return fail("read");
    body[n] = '\0';
    printf("fdpass_client: \"%s\" fd %d: %s", header, fd, body);
    close(fd);
  }
  shutdown(s, SHUT_WR);
  close(s);
  return 0;
}
