// PosixKernel's named sockets, socket options and RLIMIT_NOFILE (the syscalls are in
// native/host_named_ops.cpp).
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/harness_error.h"
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
    throw HarnessError(
        "", -1, "",
        std::string("native: getrandom for the abstract-name tag: ") + std::strerror(errno));
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
    throw HarnessError("", -1, "", "native: cannot enter the scenario directory: " + r.failure);
  in_dir_[static_cast<std::size_t>(p)] = true;
}

Outcome PosixKernel::socket(ProcId p, SockType type, bool nonblock, bool cloexec) {
  HostResult r;
  if (!run(p, [&] { host_socket(r, type, nonblock, cloexec); })) return Outcome::would_block();
  Outcome o = created(p, r);
  return o;
}

Outcome PosixKernel::bind(ProcId p, int sock, const SockAddr& addr) {
  enter_dir(p);
  HostResult r;
  if (!run(p, [&] { host_bind(r, sock, addr, abstract_tag_); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::listen(ProcId p, int sock, int backlog) {
  HostResult r;
  if (!run(p, [&] { host_listen(r, sock, backlog); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::connect(ProcId p, int sock, const SockAddr& addr) {
  enter_dir(p);
  HostResult r;
  if (!run(p, [&] { host_connect(r, sock, addr, abstract_tag_); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::accept(ProcId p, int sock, bool nonblock, bool cloexec) {
  HostResult r;
  if (!run(p, [&] { host_accept(r, sock, nonblock, cloexec); })) return Outcome::would_block();
  // The accepted socket is a new open file description (and a new inode).
  return created(p, r);
}

Outcome PosixKernel::unlink(ProcId p, const std::string& path) {
  enter_dir(p);
  HostResult r;
  if (!run(p, [&] { host_unlink(r, path); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::setsockopt(ProcId p, int sock, SockOpt opt, long value) {
  HostResult r;
  if (!run(p, [&] { host_setsockopt(r, sock, opt, value); })) return Outcome::would_block();
  return plain(r);
}

Outcome PosixKernel::getsockopt(ProcId p, int sock, SockOpt opt) {
  HostResult r;
  if (!run(p, [&] { host_getsockopt(r, sock, opt); })) return Outcome::would_block();
  Outcome o = plain(r);
  o.value = r.value;
  return o;
}

Outcome PosixKernel::setrlimit_nofile(ProcId p, long soft) {
  HostResult r;
  // The kernel validates the new limit now; it then applies only around p's own steps.
  if (!run(p, [&] { host_try_nofile(r, soft); })) return Outcome::would_block();
  Outcome o = plain(r);
  if (o.err == Errno::ok) nofile_[static_cast<std::size_t>(p)] = soft;
  return o;
}

}  // namespace fdlab::native
