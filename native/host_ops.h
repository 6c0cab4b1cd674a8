#pragma once
// The real syscalls behind each Kernel operation. Each function runs on the worker thread of
// the scenario process (its fd table is the one the syscall sees) and reports the host's view
// in a HostResult: host errno, host MSG_* bits, and a harness failure as a string. The driver
// maps that to the core's conventions in one place, PosixKernel::outcome: an Outcome, or a
// HarnessError (native/backend_failure.h) for a failure or a value the model cannot name.
//
// Adding an operation to the native backend: a host_* function here, and a PosixKernel method
// that hands it and its arguments to PosixKernel::on_worker.
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/kernel.h"
#include "native/object_identity.h"

namespace fdlab::native {

// What a new fd refers to: an open file description the operation just opened (socketpair,
// pipe, open_temp, socket, accept), or one that existed before (recvmsg, dup, give).
enum class Description : std::uint8_t { opened, existing };

// An fd the operation created or installed, described from inside its process.
struct HostFd {
  int fd = -1;
  FileKey key;
  bool cloexec = false;  // FD_CLOEXEC (host_describe says how it is known)
  Description description = Description::existing;
};

struct HostResult {
  long ret = 0;
  int err = 0;  // host errno, 0 on success
  std::string data;
  std::vector<HostFd> fds;
  int msg_flags = 0;  // host MSG_* bits
  bool sigpipe = false;
  long value = 0;                  // getsockopt
  Creds creds;                     // recvmsg: SCM_CREDENTIALS, already symbolic (read_creds)
  std::size_t msg_controllen = 0;  // recvmsg: msg_controllen as it came back
  RecvCmsgs cmsgs;                 // recvmsg: each cmsghdr, in order
  ReportedAddr name;               // getsockname, getpeername, recvmsg's msg_name
  std::string failure;             // non-empty: the harness itself failed (e.g. fstat of a new fd)

  // Records a syscall's return value, and errno when it failed; true when it succeeded.
  bool record(long rc) {
    ret = rc;
    err = rc < 0 ? errno : 0;
    return rc >= 0;
  }
  // The harness failed at `what`, with errno `e`.
  void fail(const std::string& what, int e) { failure = what + ": " + std::strerror(e); }
};

void host_socketpair(HostResult& r, SockType type, bool nonblock, bool cloexec);
void host_pipe(HostResult& r, bool cloexec);
void host_open_temp(HostResult& r, const std::string& dir, bool cloexec);
// `tag` prefixes abstract names (sendmsg's msg_name; recvmsg's to read them back).
void host_sendmsg(HostResult& r, int sock, const SendArgs& args, const std::string& tag);
void host_recvmsg(HostResult& r, int sock, const RecvArgs& args, const std::string& tag);
void host_read(HostResult& r, int fd, std::size_t len);
void host_write(HostResult& r, int fd, const std::string& data);
void host_lseek(HostResult& r, int fd, long offset, Whence whence);
void host_fcntl(HostResult& r, int fd, FcntlCmd cmd, long arg);
void host_dup(HostResult& r, int fd);
void host_close(HostResult& r, int fd);
void host_shutdown(HostResult& r, int fd, ShutHow how);

// Named sockets and options (native/host_named_ops.cpp). `tag` prefixes abstract names so
// that runs in parallel cannot collide (core/kernel.h, kAbstractTagLen).
void host_socket(HostResult& r, SockType type, bool nonblock, bool cloexec);
void host_bind(HostResult& r, int sock, const SockAddr& addr, const std::string& tag);
void host_listen(HostResult& r, int sock, int backlog);
void host_connect(HostResult& r, int sock, const SockAddr& addr, const std::string& tag);
void host_accept(HostResult& r, int sock, bool nonblock, bool cloexec);
void host_unlink(HostResult& r, const std::string& path);
void host_autobind(HostResult& r, int sock);
void host_disconnect(HostResult& r, int sock);
void host_getsockname(HostResult& r, int sock, const std::string& tag);
void host_getpeername(HostResult& r, int sock, const std::string& tag);

// A sockaddr_un as the model names it (native/host_named_ops.cpp): an abstract name is ours
// when it carries the run's tag, autobind's when it is five hex digits; anything else is a
// harness failure in r.
struct AddrBuffer;
void host_make_addr(AddrBuffer& b, const SockAddr& a, const std::string& tag);
ReportedAddr host_read_addr(HostResult& r, const void* addr, std::size_t len,
                            const std::string& tag);

// An address buffer larger than sockaddr_un, so that a name too long for sun_path still
// reaches the kernel with its true length and the kernel (unix_validate_addr,
// move_addr_to_kernel) is the one that refuses it.
struct AddrBuffer {
  alignas(8) char bytes[sizeof(unsigned short) + 1 + 512];
  unsigned len = 0;
};
void host_setsockopt(HostResult& r, int sock, SockOpt opt, long value);
void host_getsockopt(HostResult& r, int sock, SockOpt opt);  // the value in r.value
void host_chdir(HostResult& r, const std::string& dir);
// Tries setrlimit(RLIMIT_NOFILE, soft) and puts the old limit back (PosixKernel applies a
// scenario process's limit only around its own steps, docs/decisions.md).
void host_try_nofile(HostResult& r, long soft);

// RLIMIT_NOFILE is per process (signal->rlim, shared by every thread), so a scenario process's
// own limit is applied only while one of its steps runs and put back after (steps run one at
// a time; docs/decisions.md). Throws HarnessError when the limit cannot be set or restored.
class NofileWindow {
 public:
  explicit NofileWindow(long soft);
  ~NofileWindow();
  NofileWindow(const NofileWindow&) = delete;
  NofileWindow& operator=(const NofileWindow&) = delete;

 private:
  unsigned long saved_soft_ = 0;
  unsigned long hard_ = 0;
};

// FD_CLOEXEC of a new fd: read back with F_GETFD, or known exactly from the call that
// installed it (an SCM_RIGHTS fd has it exactly when the recvmsg passed MSG_CMSG_CLOEXEC).
enum class Cloexec : std::uint8_t { read_back, clear, set };

// Describes a new fd into r.fds (fstat; F_GETFL for a FIFO; F_GETFD unless `cloexec` is known);
// false after a harness failure.
bool host_describe(HostResult& r, int fd, Description d, Cloexec cloexec = Cloexec::read_back);

// `give`, run by the receiving process: takes fd out of the table of the giver's thread
// `from_tid` (pidfd_getfd) and installs it at the lowest free number, FD_CLOEXEC clear, under
// `soft` (the receiver's RLIMIT_NOFILE, -1: the harness's own). The giver keeps its fd. EBADF
// when the giver has no such fd, EMFILE when the receiver is at its limit
// (native/host_give.cpp).
void host_give_take(HostResult& r, pid_t from_tid, int fd, long soft);

// collect: waits until the AF_UNIX garbage collector has run and released what it freed
// (native/host_gc.cpp says how).
void host_collect(HostResult& r);

// set_ids: setresgid(gid, gid, 0), then setresuid(uid, uid, 0), as raw syscalls so that they
// change this worker thread's credentials only (glibc's wrappers change every thread's).
void host_set_ids(HostResult& r, long uid, long gid);

// Credentials as the model names them (core/kernel.h, Creds): pid 0 none, our own tgid a
// scenario process (every one is a thread of this process), 1 init; ids "self" when they are
// the harness's. `fields` is how many of pid, uid, gid were there whole. Any other pid is a
// harness failure in r, named after `what`.
bool host_creds(HostResult& r, const char* what, pid_t pid, std::uint32_t uid, std::uint32_t gid,
                int fields);

// The harness's own uid and gid (its main thread's, read once before any set_ids), which
// traces call "self".
long harness_uid();
long harness_gid();

// finish(): closes every fd above 2 in the calling worker's table.
void host_close_all_above_stdio(HostResult& r);

}  // namespace fdlab::native
