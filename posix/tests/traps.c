/* What libfdlab_posix does where a program meets a trap or goes past the model: each case is an
 * argument, and posix/tests/programs_test.js checks the exit status and what it printed.
 *   sigpipe          write to a stream whose peer is gone: Linux kills the process (141)
 *   sigpipe-ignored  the same with SIGPIPE ignored: -1 and EPIPE, as this target names it
 *   deadlock         a blocking recv nobody can ever satisfy: EDEADLK, never a hang
 *   unsupported      a socket type the model has no name for: the program is stopped (70)
 *   zero-bytes       a stream sendmsg of no bytes with an fd: returns 0, the fd never arrives
 *   pass-stdout      SCM_RIGHTS of fd 1, which is Emscripten's, not the model's: stopped (70) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  int sv[2];
  if (strcmp(what, "unsupported") == 0) {
    socket(AF_UNIX, SOCK_RAW, 0);
    printf("traps: still running\n");
    return 0;
  }
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  if (strcmp(what, "sigpipe") == 0 || strcmp(what, "sigpipe-ignored") == 0) {
    if (strcmp(what, "sigpipe-ignored") == 0) signal(SIGPIPE, SIG_IGN);
    close(sv[1]);
    ssize_t n = write(sv[0], "x", 1);
    printf("traps: write returned %zd, errno %s\n", n, n < 0 && errno == EPIPE ? "EPIPE" : "other");
    return 0;
  }
  if (strcmp(what, "deadlock") == 0) {
    char b[4];
    ssize_t n = recv(sv[1], b, sizeof b, 0);
    printf("traps: recv returned %zd, errno %s\n", n, n < 0 && errno == EDEADLK ? "EDEADLK" : "other");
    return 3;
  }
  if (strcmp(what, "zero-bytes") == 0 || strcmp(what, "pass-stdout") == 0) {
    int p[2];
    if (pipe(p) != 0) return 1;
    if (strcmp(what, "pass-stdout") == 0) p[0] = 1;
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct msghdr msg = {0};
    struct iovec iov = {"", 0};
    if (strcmp(what, "pass-stdout") == 0) iov.iov_base = "x", iov.iov_len = 1;
    msg.msg_iov = &iov, msg.msg_iovlen = 1;
    msg.msg_control = control, msg.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &p[0], sizeof(int));
    ssize_t n = sendmsg(sv[0], &msg, 0);
    if (strcmp(what, "pass-stdout") == 0) {
      printf("traps: still running\n");
      return 0;
    }
    char b[4];
    ssize_t got = recv(sv[1], b, sizeof b, MSG_DONTWAIT);
    printf("traps: sendmsg returned %zd; recv returned %zd, errno %s\n", n, got,
           got < 0 && errno == EAGAIN ? "EAGAIN" : "other");
    return 0;
  }
  fprintf(stderr, "usage: traps sigpipe|sigpipe-ignored|deadlock|unsupported|zero-bytes|pass-stdout\n");
  return 2;
}
