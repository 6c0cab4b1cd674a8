/* A program for capture_calls_test: one of most things the capture writes another way.
 *
 *   a socketpair, a pipe2(O_NONBLOCK | O_CLOEXEC), fork
 *   parent: one blocking send of 1 MiB with the pipe's read end attached, to a child that
 *           starts reading late (the kernel takes it in parts); then 10 bytes, a pause, 10 more
 *   child:  reads the 1 MiB, then recv(20, MSG_WAITALL) (it may have to wait for the second
 *           10), then execs itself: the pipe (close-on-exec) is gone, the socket is not, and
 *           the new image writes "from exec" into it
 *   parent: poll with a timeout for that, read it; dup2 onto 20, F_DUPFD_CLOEXEC from 30,
 *           ioctl(FIONBIO), F_GETFL, close_range; a datagram socket bound by a relative path
 *           with SO_PASSCRED, a sendto it, a recvmsg with msg_name and room for credentials,
 *           getsockname, SO_SNDBUF; SO_TYPE and SO_PEERCRED of a seqpacket pair, and a
 *           thread receiving on it
 *
 * It also opens and closes a file the model does not follow, so that a later fd reuses its
 * number. Exit 0 when everything went as written. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG (1 << 20)

static void die(const char *what) {
  perror(what);
  exit(1);
}

static ssize_t send_with_fd(int sock, const void *data, size_t len, int fd) {
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct iovec iov = {(void *)data, len};
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
  return sendmsg(sock, &msg, 0);
}

static void *thread_reader(void *arg) {
  char buf[100];
  if (recv(*(int *)arg, buf, sizeof buf, 0) != 6) die("thread recv");
  return NULL;
}

static void child(int sock, const char *self) {
  static char buf[65536];
  usleep(20000); /* late, so that the 1 MiB does not fit */
  for (size_t got = 0; got < BIG;) {
    size_t want = BIG - got < sizeof buf ? BIG - got : sizeof buf;
    ssize_t n = read(sock, buf, want);
    if (n <= 0) die("child read");
    got += (size_t)n;
  }
  char w[20];
  if (recv(sock, w, sizeof w, MSG_WAITALL) != 20) die("MSG_WAITALL");
  char num[16];
  snprintf(num, sizeof num, "%d", sock);
  execl(self, self, "exec-child", num, (char *)NULL);
  die("exec");
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "exec-child") == 0)
    return write(atoi(argv[2]), "from exec", 9) == 9 ? 0 : 1;
  int file = open("/dev/null", O_RDONLY);
  int sv[2], p[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
  close(file);
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) die("pipe2");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(sv[0]);
    child(sv[1], "/proc/self/exe");
  }
  close(sv[1]);
  char *big = malloc(BIG);
  memset(big, 'x', BIG);
  if (send_with_fd(sv[0], big, BIG, p[0]) != BIG) die("send 1 MiB");
  if (send(sv[0], "0123456789", 10, 0) != 10) die("send 10");
  usleep(30000);
  if (send(sv[0], "abcdefghij", 10, 0) != 10) die("send 10 more");
  struct pollfd pf = {sv[0], POLLIN, 0};
  if (poll(&pf, 1, 10000) != 1) die("poll");
  char got[16] = {0};
  if (read(sv[0], got, sizeof got) != 9 || strcmp(got, "from exec") != 0) die("read from exec");
  waitpid(pid, NULL, 0);

  if (dup2(sv[0], 20) != 20) die("dup2");
  if (fcntl(sv[0], F_DUPFD_CLOEXEC, 30) != 30) die("F_DUPFD_CLOEXEC");
  int on = 1;
  if (ioctl(20, FIONBIO, &on) != 0) die("FIONBIO");
  if (!(fcntl(30, F_GETFL) & O_NONBLOCK)) die("F_GETFL");
  if (close_range(20, 40, 0) != 0) die("close_range");

  unlink("many_calls.sock");
  int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  strcpy(addr.sun_path, "many_calls.sock");
  if (bind(a, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
  int one = 1, size = 65536;
  if (setsockopt(a, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) die("SO_PASSCRED");
  if (setsockopt(b, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0) die("SO_SNDBUF");
  socklen_t sl = sizeof size;
  if (getsockopt(b, SOL_SOCKET, SO_SNDBUF, &size, &sl) != 0) die("getsockopt");
  if (sendto(b, "hello!", 6, 0, (struct sockaddr *)&addr, sizeof addr) != 6) die("sendto");
  struct sockaddr_un from;
  char data[16], control[64];
  struct iovec iov = {data, sizeof data};
  struct msghdr msg = {0};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (recvmsg(a, &msg, 0) != 6) die("recvmsg");
  socklen_t nl = sizeof from;
  if (getsockname(a, (struct sockaddr *)&from, &nl) != 0) die("getsockname");

  int t[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, t) != 0) die("socketpair 2");
  int type = 0;
  struct ucred peer;
  socklen_t tl = sizeof type, pl = sizeof peer;
  if (getsockopt(t[0], SOL_SOCKET, SO_TYPE, &type, &tl) != 0 || type != SOCK_SEQPACKET)
    die("SO_TYPE");
  if (getsockopt(t[0], SOL_SOCKET, SO_PEERCRED, &peer, &pl) != 0) die("SO_PEERCRED");
  pthread_t th;
  pthread_create(&th, NULL, thread_reader, &t[1]);
  usleep(10000);
  if (send(t[0], "thread", 6, 0) != 6) die("send thread");
  pthread_join(th, NULL);
  close(a);
  close(b);
  unlink("many_calls.sock");
  printf("many_calls: ok\n");
  return 0;
}
