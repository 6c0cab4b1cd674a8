// PosixKernel's `open`, `count_fds`, `list_fds` and `poll` (host calls: native/host_files.h).
#include <cstring>

#include "native/backend_failure.h"
#include "native/host_files.h"
#include "native/posix_kernel.h"

namespace fdlab::native {

Outcome PosixKernel::op_open(ProcId p, const Call& c) {
  const std::string name = c.addr != nullptr ? c.addr->name : std::string();
  return on_worker(p, host_open, c.open_kind, temp_dir(), name, c.cloexec);
}

Outcome PosixKernel::op_poll(ProcId p, const Call& c) {
  return on_worker(p, host_poll, c.fd, c.events);
}

// The driver counts the entries of /proc/self/task/<tid>/fd, the worker's own table, between
// two steps, while the worker waits for its next job. Counting from inside the worker would
// need an fd of its own for the directory (one more than the scenario has, and EMFILE at
// RLIMIT_NOFILE), and close_range or fcntl probing would cost a syscall per possible number.
Outcome PosixKernel::op_count_fds(ProcId p, const Call&) {
  const int n = host_count_fds_of(worker(p).tid());
  if (n < 0) backend_failure("count_fds: cannot list the fds of process " + std::to_string(p), -n);
  Outcome o;
  o.ret = n;
  return o;
}

// Read from outside the worker as count_fds is; each fd is then named by the identity rules
// that name a received fd (native/object_identity.h), so the listing reports the kernel's
// table, not the tracker's bookkeeping.
Outcome PosixKernel::op_list_fds(ProcId p, const Call&) {
  std::vector<ListedFd> listed;
  std::string failure;
  if (!host_list_fds_of(worker(p).tid(), listed, failure))
    backend_failure("list_fds: process " + std::to_string(p) + ": " + failure);
  Outcome o;
  for (const ListedFd& l : listed)
    o.fds.push_back({l.fd, identity_.lookup(p, l.fd, l.key), l.cloexec});
  o.ret = static_cast<long>(o.fds.size());
  return o;
}

}  // namespace fdlab::native
