#include "native/posix_kernel.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "core/harness_error.h"
#include "native/host_errno.h"
#include "native/host_flags.h"
#include "native/host_ops.h"

namespace fdlab::native {
namespace {

[[noreturn]] void backend_failure(const std::string& what) {
  throw HarnessError("", -1, "", "native: " + what);
}

// Moves fd to the lowest free number >= kPrivateFdBase of the caller's table.
int to_private(int fd) {
  int high = ::fcntl(fd, F_DUPFD_CLOEXEC, kPrivateFdBase);
  int saved = errno;
  ::close(fd);  // the low copy; closing a fd we just made cannot fail in a way that matters
  if (high < 0) backend_failure(std::string("F_DUPFD_CLOEXEC: ") + std::strerror(saved));
  return high;
}

// fds above 2 in a worker's table other than `except`, read from /proc without entering it.
int count_fds(pid_t tid, const int (&except)[2], std::string& listing) {
  std::string dir = "/proc/self/task/" + std::to_string(tid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  int n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd <= 2 || fd == except[0] || fd == except[1]) continue;
    ++n;
    listing += " " + std::to_string(fd);
  }
  ::closedir(d);
  return n;
}

// Unlinks the socket files in dir (only sockets: anything else is a leak to report).
void remove_socket_files(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_type != DT_SOCK) continue;
    ::unlinkat(::dirfd(d), e->d_name, 0);  // a failure shows up as rmdir's
  }
  ::closedir(d);
}

}  // namespace

PosixKernel::PosixKernel(Options options) : options_(options) { new_abstract_tag(); }

PosixKernel::~PosixKernel() {
  try {
    finish();
  } catch (...) {
    // A destructor must not throw; finish() already released what it could.
  }
}

Worker& PosixKernel::worker(ProcId p) {
  if (p < 0 || static_cast<std::size_t>(p) >= workers_.size())
    backend_failure("no scenario process " + std::to_string(p));
  return *workers_[static_cast<std::size_t>(p)];
}

long PosixKernel::nofile(ProcId p) const {
  return static_cast<std::size_t>(p) < nofile_.size() ? nofile_[static_cast<std::size_t>(p)] : -1;
}

pid_t PosixKernel::tid(ProcId p) const { return workers_.at(static_cast<std::size_t>(p))->tid(); }

void PosixKernel::open_channel() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    backend_failure(std::string("socketpair for give: ") + std::strerror(errno));
  channel_[0] = to_private(sv[0]);
  channel_[1] = to_private(sv[1]);
}

ProcId PosixKernel::add_process() {
  if (channel_[0] < 0) open_channel();
  // The worker copies the caller's table, keeps the channel (already at private numbers, so
  // the same numbers in every table) and closes everything else above 2.
  workers_.push_back(
      std::make_unique<Worker>(std::vector<int>{channel_[0], channel_[1]}, options_.spin));
  identity_.add_process(workers_.back()->tid());
  in_dir_.push_back(false);
  nofile_.push_back(-1);
  return static_cast<ProcId>(workers_.size() - 1);
}

Outcome PosixKernel::plain(HostResult& r) {
  if (!r.failure.empty()) backend_failure(r.failure);
  Outcome o;
  o.err = errno_from_host(r.err);
  o.ret = o.err == Errno::ok ? r.ret : -1;
  o.data = std::move(r.data);
  o.msg_flags = msg_flags_from_host(r.msg_flags);
  o.sigpipe = r.sigpipe;
  o.creds.present = r.creds >= 0;
  o.creds.pid = r.creds == 1 ? CredPid::scenario : CredPid::none;
  return o;
}

Outcome PosixKernel::created(ProcId p, HostResult& r) {
  Outcome o = plain(r);
  for (const HostFd& h : r.fds)
    o.fds.push_back({h.fd, identity_.create(p, h.fd, h.key), h.cloexec});
  return o;
}

Outcome PosixKernel::installed(ProcId p, HostResult& r) {
  Outcome o = plain(r);
  for (const HostFd& h : r.fds)
    o.fds.push_back({h.fd, identity_.identify(p, h.fd, h.key), h.cloexec});
  return o;
}

Outcome PosixKernel::socketpair(ProcId p, SockType type, bool nonblock, bool cloexec) {
  HostResult r;
  if (!run(p, [&] { host_socketpair(r, type, nonblock, cloexec); })) return Outcome::would_block();
  return created(p, r);
}

Outcome PosixKernel::pipe(ProcId p) {
  HostResult r;
  if (!run(p, [&] { host_pipe(r); })) return Outcome::would_block();
  return created(p, r);
}

Outcome PosixKernel::open_temp(ProcId p) {
  const std::string& dir = temp_dir();
  HostResult r;
  if (!run(p, [&] { host_open_temp(r, dir); })) return Outcome::would_block();
  return created(p, r);
}

Outcome PosixKernel::sendmsg(ProcId p, int sock, const SendArgs& args) {
  HostResult r;
  if (!run(p, [&] { host_sendmsg(r, sock, args); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::recvmsg(ProcId p, int sock, const RecvArgs& args) {
  HostResult r;
  if (!run(p, [&] { host_recvmsg(r, sock, args); })) return Outcome::would_block();
  return installed(p, r);
}

Outcome PosixKernel::read(ProcId p, int fd, std::size_t len) {
  HostResult r;
  if (!run(p, [&] { host_read(r, fd, len); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::write(ProcId p, int fd, const std::string& data) {
  HostResult r;
  if (!run(p, [&] { host_write(r, fd, data); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::lseek(ProcId p, int fd, long offset, Whence whence) {
  HostResult r;
  if (!run(p, [&] { host_lseek(r, fd, offset, whence); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::fcntl(ProcId p, int fd, FcntlCmd cmd, long arg) {
  HostResult r;
  if (!run(p, [&] { host_fcntl(r, fd, cmd, arg); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::dup(ProcId p, int fd) {
  HostResult r;
  if (!run(p, [&] { host_dup(r, fd); })) return Outcome::would_block();
  return installed(p, r);
}

Outcome PosixKernel::close(ProcId p, int fd) {
  HostResult r;
  if (!run(p, [&] { host_close(r, fd); })) return Outcome::would_block();
  if (r.err == 0) identity_.closed(p, fd);
  return plain(r);
}

Outcome PosixKernel::shutdown(ProcId p, int fd, ShutHow how) {
  HostResult r;
  if (!run(p, [&] { host_shutdown(r, fd, how); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::give(ProcId from, int fd, ProcId to) {
  HostResult sent;
  if (!run(from, [&] { host_give_send(sent, channel_[0], fd); })) return Outcome::would_block();
  if (sent.err != 0) return plain(sent);  // e.g. EBADF: `from` has no such fd

  HostResult got;
  if (!run(to, [&] { host_give_recv(got, channel_[1]); })) return Outcome::would_block();
  if (!got.failure.empty()) backend_failure(got.failure);
  if (got.err != 0) backend_failure("give: the private channel lost a message");
  if (got.fds.empty()) {
    // MSG_CTRUNC with room for one fd: `to` is at RLIMIT_NOFILE and the kernel closed the fd
    // in flight (scm_detach_fds). `from` still holds it.
    return Outcome::failure(Errno::emfile);
  }
  // Identify before `from` closes its fd, so that kcmp can confirm against it.
  Outcome o = installed(to, got);
  o.ret = got.fds.front().fd;
  o.data.clear();
  o.msg_flags = 0;

  HostResult closed;
  if (!run(from, [&] { host_close(closed, fd); })) return Outcome::would_block();
  if (closed.err != 0) backend_failure("give: close in the giving process failed");
  identity_.closed(from, fd);
  return o;
}

const std::string& PosixKernel::temp_dir() {
  if (!temp_dir_.empty()) return temp_dir_;
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/fdlab-native-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr)
    backend_failure("mkdtemp " + tmpl + ": " + std::strerror(errno));
  temp_dir_ = tmpl;
  return temp_dir_;
}

Leftovers PosixKernel::finish() {
  Leftovers left;
  auto leak = [&left](const std::string& what) {
    ++left.leaked;
    left.detail += (left.detail.empty() ? "" : "; ") + what;
  };
  for (std::size_t p = 0; p < workers_.size(); ++p) {
    Worker& w = *workers_[p];
    std::string before;
    int n = count_fds(w.tid(), channel_, before);
    if (n < 0)
      leak("cannot list the fds of process " + std::to_string(p));
    else
      left.open_fds += n;
    HostResult r;
    if (!w.run([&] { host_close_all_above_stdio(r); }, options_.block_timeout) || r.err != 0)
      leak("process " + std::to_string(p) + ": close_range failed");
    std::string after;
    int still = count_fds(w.tid(), {-1, -1}, after);
    if (still > 0) leak("process " + std::to_string(p) + " still has fds" + after);
    w.stop();
    // After the join the thread may still be exiting; it must be gone, not just unjoinable.
    std::string task = "/proc/self/task/" + std::to_string(w.tid());
    for (int i = 0; i < 100 && ::access(task.c_str(), F_OK) == 0; ++i) ::usleep(1000);
    if (::access(task.c_str(), F_OK) == 0)
      leak("thread " + std::to_string(w.tid()) + " still exists");
  }
  workers_.clear();
  in_dir_.clear();
  nofile_.clear();
  new_abstract_tag();
  identity_.clear();
  for (int& fd : channel_) {
    if (fd >= 0 && ::close(fd) != 0) leak("cannot close the give channel");
    fd = -1;
  }
  if (!temp_dir_.empty()) {
    // open_temp's files never had a name (O_TMPFILE) or were unlinked at once; what the
    // scenario bound is removed here (a bound socket's file outlives the socket, as on any
    // system); after that rmdir failing means something was left in it.
    remove_socket_files(temp_dir_);
    if (::rmdir(temp_dir_.c_str()) != 0)
      leak("cannot remove " + temp_dir_ + ": " + std::strerror(errno));
    temp_dir_.clear();
  }
  return left;
}

}  // namespace fdlab::native
