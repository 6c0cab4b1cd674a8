// PosixKernel's named sockets, socket options and RLIMIT_NOFILE (the syscalls are in
// native/host_named_ops.cpp).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

#include "native/backend_failure.h"
#include "native/host_ops.h"
#include "native/posix_kernel.h"

namespace fdlab::native {
// Abstract names are system-wide (per network namespace): two runs (two harness processes, or
// two kernels one after the other) must never see each other's, so each run prefixes its own
// tag. Not from the pid: two harnesses in two PID namespaces that share the network namespace
// have the same small pids (both pid 1 under `unshare -pf`) and collided. 44 random bits per
// run from getrandom(2): two runs at once share a tag with probability 2^-44. Traces never
// show it.
void PosixKernel::new_abstract_tag() {
  std::uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, 0) != static_cast<ssize_t>(sizeof bits))
    backend_failure("getrandom for the abstract-name tag", errno);
  char tag[kAbstractTagLen + 1];
  std::snprintf(tag, sizeof tag, "fdlab%011llx",
                static_cast<unsigned long long>(bits & 0xfffffffffffULL));
  abstract_tag_ = tag;
}

void PosixKernel::enter_dir(ProcId p) {
  worker(p);  // checks p
  if (in_dir_[static_cast<std::size_t>(p)]) return;
  const std::string& dir = temp_dir();
  HostResult r;
  if (!run(p, [&] { host_chdir(r, dir); }) || !r.failure.empty())
    backend_failure("cannot enter the scenario directory: " + r.failure);
  in_dir_[static_cast<std::size_t>(p)] = true;
}

Outcome PosixKernel::op_socket(ProcId p, const Call& c) {
  return on_worker(p, host_socket, c.type, c.nonblock, c.cloexec);
}

Outcome PosixKernel::op_bind(ProcId p, const Call& c) {
  const int sock = c.fd;
  const SockAddr& addr = *c.addr;
  enter_dir(p);
  return on_worker(p, host_bind, sock, addr, abstract_tag_);
}

Outcome PosixKernel::op_listen(ProcId p, const Call& c) {
  return on_worker(p, host_listen, c.fd, c.backlog);
}

Outcome PosixKernel::op_connect(ProcId p, const Call& c) {
  const int sock = c.fd;
  const SockAddr& addr = *c.addr;
  enter_dir(p);
  return on_worker_may_block(p, {{SYS_connect, -1}, sock}, host_connect, sock, addr, abstract_tag_);
}

Outcome PosixKernel::op_set_ids(ProcId p, const Call& c) {
  if (ids_lock_ < 0) {
    const std::string path = "/tmp/fdlab-set-ids.lock";
    ids_lock_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (ids_lock_ < 0) backend_failure("open " + path, errno);
    // Another fdlab run may hold it for a while (a collector wait); a signal to this thread
    // (libFuzzer's timer, a job's progress) interrupts the wait, which then goes on.
    int rc;
    while ((rc = ::flock(ids_lock_, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
      const int err = errno;
      ::close(ids_lock_);
      ids_lock_ = -1;  // not held: finish() must not think it is
      backend_failure("flock " + path, err);
    }
  }
  return on_worker(p, host_set_ids, c.value, c.gid);
}

Outcome PosixKernel::op_disconnect(ProcId p, const Call& c) {
  return on_worker(p, host_disconnect, c.fd);
}

Outcome PosixKernel::op_autobind(ProcId p, const Call& c) {
  return on_worker(p, host_autobind, c.fd);
}

Outcome PosixKernel::op_getsockname(ProcId p, const Call& c) {
  return on_worker(p, host_getsockname, c.fd, abstract_tag_);
}

Outcome PosixKernel::op_getpeername(ProcId p, const Call& c) {
  return on_worker(p, host_getpeername, c.fd, abstract_tag_);
}

Outcome PosixKernel::op_accept(ProcId p, const Call& c) {
  return on_worker_may_block(p, {{SYS_accept4, SYS_accept}, c.fd}, host_accept, c.fd, c.nonblock,
                             c.cloexec);
}

Outcome PosixKernel::op_unlink(ProcId p, const Call& c) {
  const std::string& path = c.addr->name;
  enter_dir(p);
  return on_worker(p, host_unlink, path);
}

Outcome PosixKernel::op_setsockopt(ProcId p, const Call& c) {
  return on_worker(p, host_setsockopt, c.fd, c.opt, c.value);
}

Outcome PosixKernel::op_getsockopt(ProcId p, const Call& c) {
  return on_worker(p, host_getsockopt, c.fd, c.opt);
}

Outcome PosixKernel::op_setrlimit(ProcId p, const Call& c) {
  const long soft = c.value;
  // The kernel validates the new limit now; it then applies only around p's own steps.
  Outcome o = on_worker(p, host_try_nofile, soft);
  if (o.succeeded()) nofile_[static_cast<std::size_t>(p)] = soft;
  return o;
}

}  // namespace fdlab::native
