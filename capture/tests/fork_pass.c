/* A program for capture_fork_test: it forks, and parent and child pass fds to each other over
 * the socketpair they share. It also holds an fd the model does not track (/dev/null, opened
 * with open()) below the others, and marks one fd close-on-exec before the fork, so that the
 * capture has to keep the child's numbers and flags as the kernel gave them.
 *
 *   parent: open /dev/null (3), socketpair (4, 5) with 4 close-on-exec, fork
 *   parent: pipe (6, 7); sends the write end 7 to the child with "pipe"; closes it; reads
 *   child:  receives it, writes "hello from the child" into it, closes it
 *   child:  socketpair (c0, c1); sends c1 to the parent with "sock"; writes into c0; exits
 *   parent: reads the pipe to EOF, receives the socket, reads from it, waits for the child
 *
 * `fork_pass stdio` instead writes to a copy of a socketpair end through stdio (fdopen), which
 * the capture cannot see: its test checks that the capture says so. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what) {
  perror(what);
  return 1;
}

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

/* Receives a message and the one fd it carries (-1 when none). */
static int receive_fd(int sock, char *data, size_t len) {
  union {
    char bytes[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = {data, len - 1};
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.bytes;
  msg.msg_controllen = sizeof control.bytes;
  ssize_t n = recvmsg(sock, &msg, 0);
  if (n < 0) return -1;
  data[n] = '\0';
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

static int child(int sock) {
  char data[64];
  int out = receive_fd(sock, data, sizeof data);
  if (out < 0) return fail("child: recvmsg");
  const char *hello = "hello from the child";
  if (write(out, hello, strlen(hello)) < 0) return fail("child: write");
  close(out);
  int c[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, c) != 0) return fail("child: socketpair");
  if (send_fd(sock, "sock", c[1]) != 0) return fail("child: sendmsg");
  close(c[1]);
  if (write(c[0], "over the passed socket", 22) != 22) return fail("child: write c0");
  close(c[0]);
  close(sock);
  return 0;
}

/* Bytes through a FILE go by libc's own write, which no preloaded library sees. */
static int through_stdio(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return fail("socketpair");
  FILE *f = fdopen(dup(sv[0]), "w");
  if (!f) return fail("fdopen");
  fputs("unseen", f);
  fclose(f);
  char buf[16];
  ssize_t n = read(sv[1], buf, sizeof buf);
  close(sv[0]);
  close(sv[1]);
  return n == 6 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "stdio") == 0) return through_stdio();
  int untracked = open("/dev/null", O_RDONLY);
  if (untracked < 0) return fail("open");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return fail("socketpair");
  if (fcntl(sv[0], F_SETFD, FD_CLOEXEC) != 0) return fail("fcntl");
  pid_t pid = fork();
  if (pid < 0) return fail("fork");
  if (pid == 0) {
    close(sv[0]);
    _exit(child(sv[1]));
  }
  close(sv[1]);
  int p[2];
  if (pipe(p) != 0) return fail("pipe");
  if (send_fd(sv[0], "pipe", p[1]) != 0) return fail("sendmsg");
  close(p[1]);
  char got[64];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(p[0], got + have, sizeof got - 1 - have);
    if (n < 0) return fail("read");
    if (n == 0) break; /* EOF: the child closed the only other write end */
    have += (size_t)n;
  }
  got[have] = '\0';
  close(p[0]);
  char data[64];
  int s = receive_fd(sv[0], data, sizeof data);
  if (s < 0) return fail("recvmsg");
  char more[64];
  ssize_t n = read(s, more, sizeof more - 1);
  if (n < 0) return fail("read s");
  more[n] = '\0';
  close(s);
  int status = 0;
  waitpid(pid, &status, 0);
  close(sv[0]);
  close(untracked);
  printf("fork_pass: pipe said \"%s\"; %s said \"%s\"; child %s\n", got, data, more,
         WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && strcmp(got, "hello from the child") == 0
             ? 0
             : 1;
}
