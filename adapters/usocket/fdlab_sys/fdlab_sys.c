// The few calls node lacks that usocket-level scenarios need: socketpair, pipe, lseek, and
// fcntl's F_GETFD and F_GETFL (open_fds reports FD_CLOEXEC; a pipe end is told by its mode).
// Part of the adapter's harness, not of the package under test.
#define _GNU_SOURCE  // pipe2
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, const char* call) {
  char code[32];
  // Node's ErrnoException names the code; this keeps the same shape for the adapter.
  switch (errno) {
    case EBADF: strcpy(code, "EBADF"); break;
    case EMFILE: strcpy(code, "EMFILE"); break;
    case EINVAL: strcpy(code, "EINVAL"); break;
    case ESPIPE: strcpy(code, "ESPIPE"); break;
    default: strcpy(code, "EIO");
  }
  napi_throw_error(env, code, call);
  return NULL;
}

static napi_value pair(napi_env env, const int fds[2]) {
  napi_value arr, a, b;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, fds[0], &a);
  napi_create_int32(env, fds[1], &b);
  napi_set_element(env, arr, 0, a);
  napi_set_element(env, arr, 1, b);
  return arr;
}

static napi_value Socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  // CLOEXEC: node's child processes must not inherit the scenario's sockets.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return throw_errno(env, "socketpair");
  return pair(env, fds);
}

static napi_value Pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return throw_errno(env, "pipe");
  return pair(env, fds);
}

static napi_value Lseek(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1, whence = 0;
  int64_t offset = 0;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int64(env, argv[1], &offset);
  napi_get_value_int32(env, argv[2], &whence);
  off_t r = lseek(fd, (off_t)offset, whence);
  if (r < 0) return throw_errno(env, "lseek");
  napi_value out;
  napi_create_int64(env, (int64_t)r, &out);
  return out;
}

// fcntl(fd, cmd) for a getter: its result, or a thrown EBADF when fd is not open.
static napi_value fcntl_get(napi_env env, napi_callback_info info, int cmd, const char* call) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an fd");
    return NULL;
  }
  int r = fcntl(fd, cmd);
  if (r < 0) return throw_errno(env, call);
  napi_value out;
  napi_create_int32(env, r, &out);
  return out;
}

static napi_value Getfd(napi_env env, napi_callback_info info) {
  return fcntl_get(env, info, F_GETFD, "fcntl(F_GETFD)");
}

static napi_value Getfl(napi_env env, napi_callback_info info) {
  return fcntl_get(env, info, F_GETFL, "fcntl(F_GETFL)");
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socketpair", NULL, Socketpair, NULL, NULL, NULL, napi_default, NULL},
      {"pipe", NULL, Pipe, NULL, NULL, NULL, napi_default, NULL},
      {"lseek", NULL, Lseek, NULL, NULL, NULL, napi_default, NULL},
      {"getfd", NULL, Getfd, NULL, NULL, NULL, napi_default, NULL},
      {"getfl", NULL, Getfl, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
