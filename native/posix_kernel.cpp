#include "native/posix_kernel.h"

#include <dirent.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "native/backend_failure.h"
#include "native/host_errno.h"
#include "native/host_flags.h"
#include "native/host_ops.h"

namespace fdlab::native {
namespace {

std::string fd_dir(pid_t tid) { return "/proc/self/task/" + std::to_string(tid) + "/fd"; }

// fds above 2 in a worker's table, read from /proc without entering it; -errno on failure.
int count_fds(pid_t tid, std::string& listing) {
  const std::string dir = fd_dir(tid);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -errno;
  int n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    int fd = std::atoi(e->d_name);
    if (fd <= 2) continue;
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

// Stops w and waits until its thread is gone, not just joined: after the join it may still be
// exiting, and a caller counting /proc/self/task would see it. False when it outlived 100 ms.
bool stop_and_wait(Worker& w) {
  w.stop();
  const std::string task = "/proc/self/task/" + std::to_string(w.tid());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  while (::access(task.c_str(), F_OK) == 0 && std::chrono::steady_clock::now() < deadline)
    ::sched_yield();
  return ::access(task.c_str(), F_OK) != 0;
}

}  // namespace

PosixKernel::PosixKernel(Options options) : options_(options) {
  struct statfs fs {};
  shm_files_ = ::statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
               ::access("/dev/shm", W_OK | X_OK) == 0;
  new_abstract_tag();
  // Read "self" on this thread before any worker changes its own ids.
  harness_uid();
  harness_gid();
}

PosixKernel::~PosixKernel() {
  try {
    finish();
  } catch (...) {
    // A destructor must not throw; finish() already released what it could.
  }
  for (auto& w : idle_) stop_and_wait(*w);
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

// finish() looks for leaked fds in /proc/self/task/<tid>/fd, by the tid gettid() returns. That
// is this thread's table only when /proc is mounted for the PID namespace we run in: a /proc of
// another namespace names other tasks, or none, by those numbers (the same tid means another
// thread there). Without it every scenario would end in a false "leaked" report, so say what
// is missing before anything runs.
void PosixKernel::check_proc() {
  const std::string self = std::to_string(::getpid()) + "/task/" + std::to_string(::gettid());
  const std::string need =
      "the native backend lists each scenario process's fds in /proc/self/task/<tid>/fd, "
      "which needs a /proc mounted for this PID namespace (mount -t proc proc /proc, or "
      "unshare --mount-proc)";
  char link[64];
  const ssize_t n = ::readlink("/proc/thread-self", link, sizeof link);
  if (n < 0)
    backend_failure("cannot read /proc/thread-self: " + std::string(std::strerror(errno)) + ": " +
                    need);
  if (std::string(link, static_cast<std::size_t>(n)) != self)
    backend_failure("/proc belongs to another PID namespace (/proc/thread-self is " +
                    std::string(link, static_cast<std::size_t>(n)) + ", this thread is " + self +
                    "): " + need);
  if (::access(fd_dir(::gettid()).c_str(), R_OK | X_OK) != 0)
    backend_failure("cannot read " + fd_dir(::gettid()) + ": " + std::strerror(errno) + ": " +
                    need);
}

ProcId PosixKernel::add_process() {
  if (workers_.empty() && idle_.empty()) check_proc();
  if (!idle_.empty()) {
    workers_.push_back(std::move(idle_.back()));
    idle_.pop_back();
  } else {
    workers_.push_back(std::make_unique<Worker>(options_.spin));
  }
  identity_.add_process(workers_.back()->tid());
  in_dir_.push_back(false);
  nofile_.push_back(-1);
  return static_cast<ProcId>(workers_.size() - 1);
}

Outcome PosixKernel::call(ProcId p, const Call& c) {
  switch (c.op) { FDLAB_KERNEL_OPS(FDLAB_DISPATCH_OP_CASE) }
  throw HarnessError("", -1, "op", "native: an op without a handler");
}

Outcome PosixKernel::outcome(ProcId p, HostResult& r) {
  if (!r.failure.empty()) backend_failure(r.failure);
  Outcome o;
  o.err = errno_from_host(r.err);
  o.ret = o.err == Errno::ok ? r.ret : -1;
  o.data = std::move(r.data);
  o.msg_flags = msg_flags_from_host(r.msg_flags);
  o.sigpipe = r.sigpipe;
  o.value = r.value;
  o.creds = r.creds;
  o.msg_controllen = r.msg_controllen;
  o.cmsgs = r.cmsgs;
  o.name = r.name;
  for (const HostFd& h : r.fds) {
    const ObjectId object = h.description == Description::opened
                                ? identity_.create(p, h.fd, h.key)
                                : identity_.identify(p, h.fd, h.key);
    o.fds.push_back({h.fd, object, h.cloexec});
  }
  return o;
}

Outcome PosixKernel::op_socketpair(ProcId p, const Call& c) {
  return on_worker(p, host_socketpair, c.type, c.nonblock, c.cloexec);
}

Outcome PosixKernel::op_pipe(ProcId p, const Call& c) { return on_worker(p, host_pipe, c.cloexec); }

Outcome PosixKernel::op_open_temp(ProcId p, const Call& c) {
  return on_worker(p, host_open_temp, unnamed_files_dir(), c.cloexec);
}

Outcome PosixKernel::op_sendmsg(ProcId p, const Call& c) {
  if (c.send->dest) enter_dir(p);  // a path in msg_name is relative to the scenario's dir
  Outcome o =
      on_worker_may_block(p, {{SYS_sendmsg, -1}, c.fd}, host_sendmsg, c.fd, *c.send, abstract_tag_);
  // What was sent may outlive its fds in flight (native/object_identity.h, shared keys).
  if (o.succeeded()) {
    const auto sent = [&](int fd) {
      collector_may_matter_ = collector_may_matter_ || identity_.may_be_socket(p, fd);
      identity_.sent(p, fd);
    };
    for (int fd : c.send->fds) sent(fd);
    for (const SendCmsg& m : c.send->control.cmsgs)
      for (int fd : m.fds) sent(fd);
  }
  return o;
}

Outcome PosixKernel::op_recvmsg(ProcId p, const Call& c) {
  return on_worker_may_block(p, {{SYS_recvmsg, -1}, c.fd}, host_recvmsg, c.fd, c.recv,
                             abstract_tag_);
}

Outcome PosixKernel::op_read(ProcId p, const Call& c) {
  return on_worker_may_block(p, {{SYS_read, -1}, c.fd}, host_read, c.fd, c.recv.len);
}

Outcome PosixKernel::op_write(ProcId p, const Call& c) {
  return on_worker_may_block(p, {{SYS_write, -1}, c.fd}, host_write, c.fd, *c.data);
}

Outcome PosixKernel::op_lseek(ProcId p, const Call& c) {
  return on_worker(p, host_lseek, c.fd, c.offset, c.whence);
}

Outcome PosixKernel::op_fcntl(ProcId p, const Call& c) {
  return on_worker(p, host_fcntl, c.fd, c.cmd, c.arg);
}

Outcome PosixKernel::op_dup(ProcId p, const Call& c) { return on_worker(p, host_dup, c.fd); }

Outcome PosixKernel::op_close(ProcId p, const Call& c) {
  const int fd = c.fd;
  Outcome o = on_worker(p, host_close, fd);
  if (o.succeeded()) identity_.closed(p, fd);
  return o;
}

Outcome PosixKernel::op_shutdown(ProcId p, const Call& c) {
  return on_worker(p, host_shutdown, c.fd, c.how);
}

Outcome PosixKernel::op_give(ProcId from, const Call& c) {
  const int fd = c.fd;
  const ProcId to = c.to;
  // Run by `to` outside run(), which would apply to's limit to every syscall: host_give_take
  // applies it to the one syscall that must see it (native/host_give.cpp).
  const pid_t from_tid = worker(from).tid();
  HostResult got;
  if (!worker(to).run([&] { host_give_take(got, from_tid, fd, nofile(to)); },
                      options_.block_timeout))
    return Outcome::would_block();
  // Identify before `from` closes its fd, so that kcmp can confirm against it.
  Outcome o = outcome(to, got);
  if (!o.succeeded()) return o;  // EBADF: `from` has no such fd; EMFILE: `to` is full

  HostResult closed;
  if (!run(from, [&] { host_close(closed, fd); })) return Outcome::would_block();
  if (closed.err != 0) backend_failure("give: close in the giving process failed");
  identity_.closed(from, fd);
  return o;
}

// open_temp's files never have a name (O_TMPFILE), so any directory will do, and inodes come
// and go much faster on a tmpfs than on ext4: measured here, limits/numbering-up-to-rlimit
// (1021 open_temp) took 0.8 s with /tmp on ext4, its allocator scanning recently deleted
// inodes (ext4_tmpfile -> recently_deleted in the profile), and 0.07 s on /dev/shm. The
// file is the same to every op a scenario has: a regular file, O_RDWR, offset 0, unlinked.
const std::string& PosixKernel::unnamed_files_dir() {
  static const std::string shm = "/dev/shm";
  return shm_files_ ? shm : temp_dir();
}

const std::string& PosixKernel::temp_dir() {
  if (!temp_dir_.empty()) return temp_dir_;
  const char* base = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/fdlab-native-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) backend_failure("mkdtemp " + tmpl, errno);
  // Open to every uid, so that a process set_ids made unprivileged can bind and connect there
  // too; its socket files are 0755 (each worker's umask is 022): writable, so connectable,
  // by their owner and root only (docs/decisions.md, "Unprivileged processes").
  if (::chmod(tmpl.c_str(), 0777) != 0) backend_failure("chmod 0777 " + tmpl, errno);
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
    int n = count_fds(w.tid(), before);
    if (n < 0)
      leak("cannot list the fds of process " + std::to_string(p) + ": " + fd_dir(w.tid()) + ": " +
           std::strerror(-n));
    else
      left.open_fds += n;
    HostResult r;
    if (!w.run([&] { host_close_all_above_stdio(r); }, options_.block_timeout) || r.err != 0)
      leak("process " + std::to_string(p) + ": close_range failed");
    std::string after;
    int still = count_fds(w.tid(), after);
    if (still > 0) leak("process " + std::to_string(p) + " still has fds" + after);
    // A worker whose ids the scenario changed (set_ids holds ids_lock_) is not made afresh
    // by reset(): it goes, like one that failed to reset.
    if (still == 0 && ids_lock_ < 0 && w.reset()) {
      idle_.push_back(std::move(workers_[p]));
      continue;
    }
    if (!stop_and_wait(w)) leak("thread " + std::to_string(w.tid()) + " still exists");
  }
  workers_.clear();
  if (ids_lock_ >= 0) {
    // Closed is not freed: a cycle the run left in flight still counts against its user's
    // in-flight limit until the collector runs, and the next run to drop to that user would
    // see it (found by fdlab fuzz: an early ETOOMANYREFS in a later scenario). Wait for it.
    HostResult gc;
    host_collect(gc);
    if (!gc.failure.empty()) leak("waiting for the collector before the next run: " + gc.failure);
    ::close(ids_lock_);  // releases the flock: every fd in flight of this run is freed by now
    ids_lock_ = -1;
  }
  collector_may_matter_ = false;
  in_dir_.clear();
  nofile_.clear();
  new_abstract_tag();
  identity_.clear();
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
