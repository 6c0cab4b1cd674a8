#pragma once
// The real syscalls behind each Kernel operation. Each function runs on the worker thread of
// the scenario process (its fd table is the one the syscall sees) and reports the host's view:
// host errno, host MSG_* bits. Mapping to the core's conventions happens in the driver, where
// a value the model cannot name may throw a HarnessError without killing a worker thread.
#include <cstdint>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "native/object_identity.h"

namespace fdlab::native {

// An fd the operation created or installed, described from inside its process.
struct HostFd {
  int fd = -1;
  FileKey key;
  bool cloexec = false;  // read back with F_GETFD
};

struct HostResult {
  long ret = 0;
  int err = 0;  // host errno, 0 on success
  std::string data;
  std::vector<HostFd> fds;
  int msg_flags = 0;  // host MSG_* bits
  bool sigpipe = false;
  std::string failure;  // non-empty: the harness itself failed (e.g. fstat of a new fd)
};

void host_socketpair(HostResult& r, SockType type, bool nonblock, bool cloexec);
void host_pipe(HostResult& r);
void host_open_temp(HostResult& r, const std::string& dir);
void host_sendmsg(HostResult& r, int sock, const SendArgs& args);
void host_recvmsg(HostResult& r, int sock, const RecvArgs& args);
void host_read(HostResult& r, int fd, std::size_t len);
void host_write(HostResult& r, int fd, const std::string& data);
void host_lseek(HostResult& r, int fd, long offset, Whence whence);
void host_fcntl(HostResult& r, int fd, FcntlCmd cmd, long arg);
void host_dup(HostResult& r, int fd);
void host_close(HostResult& r, int fd);
void host_shutdown(HostResult& r, int fd, ShutHow how);

// The two halves of `give`, over the harness's private channel (a seqpacket socketpair whose
// ends sit at kPrivateFdBase and above in every table).
void host_give_send(HostResult& r, int channel, int fd);
void host_give_recv(HostResult& r, int channel);

// finish(): closes every fd above 2 in the calling worker's table.
void host_close_all_above_stdio(HostResult& r);

}  // namespace fdlab::native
