/* A C program on the simulator through the installed C API alone (fdlab/sim.h, fdlab::capi):
 * one fd passed over a socketpair. Prints what it received and exits 0 only when Linux's
 * answer came back: 4 bytes and one fd at the lowest free number. */
#include <fdlab/sim.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(void) {
  fdlab_sim *sim = fdlab_sim_new();
  int p = fdlab_sim_add_process(sim);
  int sv[2], pipe_fds[2];
  if (fdlab_sim_socketpair(sim, p, AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
  if (fdlab_sim_pipe2(sim, p, pipe_fds, 0) != 0) return 1;
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof control);
  struct iovec iov = {"abcd", 4};
  struct msghdr msg = {0};
  msg.msg_iov = &iov, msg.msg_iovlen = 1;
  msg.msg_control = control, msg.msg_controllen = sizeof control;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &pipe_fds[1], sizeof(int));
  if (fdlab_sim_sendmsg(sim, p, sv[0], &msg, 0) != 4) return 1;
  char data[8] = {0};
  struct iovec riov = {data, sizeof data};
  memset(control, 0, sizeof control);
  struct msghdr r = {0};
  r.msg_iov = &riov, r.msg_iovlen = 1;
  r.msg_control = control, r.msg_controllen = sizeof control;
  long n = fdlab_sim_recvmsg(sim, p, sv[1], &r, 0);
  int fd = -1;
  struct cmsghdr *got = CMSG_FIRSTHDR(&r);
  if (got && got->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(got), sizeof fd);
  printf("c_consumer: %ld bytes \"%s\", fd %d\n", n, data, fd);
  fdlab_sim_free(sim);
  return n == 4 && fd == 7 ? 0 : 1;
}
