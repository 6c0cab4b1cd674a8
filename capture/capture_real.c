/* The real functions behind the ones the library defines, found once with dlsym(RTLD_NEXT).
 * Every wrapper calls through `real`, and so do the library's own helpers, so nothing the
 * library does is captured by itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture/capture_lib.h"

struct capture_real real;

static void *need(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (!f) {
    /* Without the real function nothing can be passed on: say so and stop. */
    fprintf(stderr, "libfdlab_capture: no %s after this library (%s)\n", name, dlerror());
    abort();
  }
  return f;
}

/* dlsym hands back an object pointer; POSIX's way to store it in a function pointer. */
#define NEED(field, name) (*(void **)&real.field = need(name))

static void resolve(void) {
  NEED(socket, "socket");
  NEED(socketpair, "socketpair");
  NEED(pipe, "pipe");
  NEED(pipe2, "pipe2");
  NEED(bind, "bind");
  NEED(listen, "listen");
  NEED(connect, "connect");
  NEED(accept, "accept");
  NEED(accept4, "accept4");
  NEED(sendmsg, "sendmsg");
  NEED(recvmsg, "recvmsg");
  NEED(read, "read");
  NEED(write, "write");
  NEED(readv, "readv");
  NEED(writev, "writev");
  NEED(close, "close");
  NEED(dup, "dup");
  NEED(dup2, "dup2");
  NEED(dup3, "dup3");
  NEED(shutdown, "shutdown");
  NEED(setsockopt, "setsockopt");
  NEED(getsockopt, "getsockopt");
  NEED(getsockname, "getsockname");
  NEED(getpeername, "getpeername");
  NEED(poll, "poll");
  NEED(unlink, "unlink");
  NEED(unlinkat, "unlinkat");
  NEED(fork, "fork");
  NEED(exit_now, "_exit");
  NEED(exit_now2, "_Exit");
  NEED(close_range, "close_range");
  NEED(fcntl, "fcntl");
  NEED(ioctl, "ioctl");
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

void capture_resolve_real(void) { pthread_once(&once, resolve); }
