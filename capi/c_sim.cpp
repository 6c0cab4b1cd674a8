// The C boundary of the simulator (include/fdlab/sim.h): C arguments in Linux's numbers become
// the core's Calls, Outcomes become return values, negative Linux errnos and filled buffers.
// Numbers are spoken here and nowhere else; every value the model has no name for is refused
// with FDLAB_SIM_UNSUPPORTED rather than guessed.
#include "fdlab/sim.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "capi/linux_abi.h"
#include "core/flag_names.h"
#include "core/harness_error.h"
#include "sim/open_file.h"
#include "sim/sim_kernel.h"

struct fdlab_sim {
  fdlab::sim::SimKernel kernel;
  int processes = 0;
  bool sigpipe = false;  // the last write or sendmsg raised SIGPIPE
};

namespace {

using fdlab::Errno;
using fdlab::Outcome;
using fdlab::capi::LinuxAbiError;
namespace linux_abi = fdlab::capi::linux_abi;

// This library's own target decides the layout of struct cmsghdr it reads and writes.
constexpr fdlab::cmsg::CmsgAbi kTargetAbi{sizeof(struct cmsghdr), sizeof(((cmsghdr*)nullptr)->cmsg_len),
                                          alignof(struct cmsghdr)};
static_assert(kTargetAbi == fdlab::cmsg::lp64 || kTargetAbi == fdlab::cmsg::ilp32,
              "a cmsghdr layout Linux does not have");

long fail(Errno e) { return -static_cast<long>(fdlab::linux_errno(e)); }

// UIO_MAXIOV: import_iovec refuses more segments with EMSGSIZE before anything else.
constexpr std::size_t kMaxIov = 1024;

// An Outcome as a syscall's return value.
long result(const Outcome& o) {
  if (o.blocked) return FDLAB_SIM_BLOCKED;
  if (o.err != Errno::ok) return fail(o.err);
  return o.ret;
}

bool valid(fdlab_sim* sim, int proc) { return sim != nullptr && proc >= 0 && proc < sim->processes; }

// Runs one call, turning what the model cannot serve into FDLAB_SIM_UNSUPPORTED and anything
// else that escapes (a broken invariant, out of memory) into a clear refusal, never a throw
// across the C boundary.
template <typename F>
long guarded(fdlab_sim* sim, int proc, F&& f) {
  if (!valid(sim, proc)) return fail(Errno::esrch);
  try {
    return f();
  } catch (const LinuxAbiError&) {
    return FDLAB_SIM_UNSUPPORTED;
  } catch (const std::bad_alloc&) {
    return fail(Errno::enomem);
  } catch (const std::exception&) {
    return FDLAB_SIM_UNSUPPORTED;
  }
}

std::string gather(const struct msghdr* msg) {
  std::string data;
  for (std::size_t i = 0; i < static_cast<std::size_t>(msg->msg_iovlen); ++i)
    data.append(static_cast<const char*>(msg->msg_iov[i].iov_base), msg->msg_iov[i].iov_len);
  return data;
}

std::size_t iov_room(const struct msghdr* msg) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(msg->msg_iovlen); ++i)
    n += msg->msg_iov[i].iov_len;
  return n;
}

void scatter(const std::string& data, struct msghdr* msg) {
  std::size_t at = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(msg->msg_iovlen) && at < data.size(); ++i) {
    const std::size_t n = std::min(msg->msg_iov[i].iov_len, data.size() - at);
    std::memcpy(msg->msg_iov[i].iov_base, data.data() + at, n);
    at += n;
  }
}

long new_fd_pair(const Outcome& o, int out[2]) {
  const long r = result(o);
  if (r < 0) return r;
  out[0] = o.fds.at(0).fd;
  out[1] = o.fds.at(1).fd;
  return 0;
}

}  // namespace

extern "C" {

fdlab_sim* fdlab_sim_new(void) {
  try {
    auto* sim = new fdlab_sim;
    sim->kernel.set_cmsg_abi(kTargetAbi);
    return sim;
  } catch (...) {
    return nullptr;
  }
}

void fdlab_sim_free(fdlab_sim* sim) { delete sim; }

int fdlab_sim_add_process(fdlab_sim* sim) {
  if (sim == nullptr) return static_cast<int>(fail(Errno::einval));
  try {
    const int p = sim->kernel.add_process();
    sim->processes = p + 1;
    return p;
  } catch (...) {
    return static_cast<int>(fail(Errno::enomem));
  }
}

long fdlab_sim_socket(fdlab_sim* sim, int proc, int domain, int type, int protocol) {
  return guarded(sim, proc, [&] {
    const linux_abi::SocketArgs a = linux_abi::socket_args(domain, type, protocol);
    if (a.err != Errno::ok) return fail(a.err);
    return result(sim->kernel.socket(proc, a.type, a.nonblock, a.cloexec));
  });
}

long fdlab_sim_socketpair(fdlab_sim* sim, int proc, int domain, int type, int protocol,
                          int sv[2]) {
  return guarded(sim, proc, [&] {
    const linux_abi::SocketArgs a = linux_abi::socket_args(domain, type, protocol);
    if (a.err != Errno::ok) return fail(a.err);
    return new_fd_pair(sim->kernel.socketpair(proc, a.type, a.nonblock, a.cloexec), sv);
  });
}

long fdlab_sim_pipe2(fdlab_sim* sim, int proc, int fds[2], int flags) {
  return guarded(sim, proc, [&] {
    // The model's pipe is pipe2(O_CLOEXEC) at most: O_NONBLOCK pipes are not modelled.
    if ((flags & ~linux_abi::o_cloexec) != 0) throw LinuxAbiError("pipe2 flags");
    fdlab::Call c;
    c.op = fdlab::OpKind::pipe;
    c.cloexec = (flags & linux_abi::o_cloexec) != 0;
    return new_fd_pair(sim->kernel.call(proc, c), fds);
  });
}

long fdlab_sim_bind(fdlab_sim* sim, int proc, int fd, const struct sockaddr* addr,
                    socklen_t len) {
  return guarded(sim, proc, [&] {
    const linux_abi::Address a = linux_abi::address_of(addr, len);
    if (a.err != Errno::ok) return fail(a.err);
    fdlab::Call c;
    c.fd = fd;
    if (a.family_only) {
      c.op = fdlab::OpKind::autobind;
    } else {
      c.op = fdlab::OpKind::bind;
      c.addr = &a.addr;
    }
    return result(sim->kernel.call(proc, c));
  });
}

long fdlab_sim_listen(fdlab_sim* sim, int proc, int fd, int backlog) {
  return guarded(sim, proc, [&] { return result(sim->kernel.listen(proc, fd, backlog)); });
}

long fdlab_sim_connect(fdlab_sim* sim, int proc, int fd, const struct sockaddr* addr,
                       socklen_t len) {
  return guarded(sim, proc, [&] {
    const linux_abi::Address a = linux_abi::address_of(addr, len);
    if (a.err != Errno::ok) return fail(a.err);
    fdlab::Call c;
    c.fd = fd;
    if (a.unspec) {
      c.op = fdlab::OpKind::disconnect;
    } else if (a.family_only) {
      return fail(Errno::einval);  // unix_connect -> unix_validate_addr: no name at all
    } else {
      c.op = fdlab::OpKind::connect;
      c.addr = &a.addr;
    }
    return result(sim->kernel.call(proc, c));
  });
}

long fdlab_sim_accept4(fdlab_sim* sim, int proc, int fd, struct sockaddr* addr, socklen_t* len,
                       int flags) {
  return guarded(sim, proc, [&] {
    if ((flags & ~(linux_abi::sock_nonblock | linux_abi::sock_cloexec)) != 0)
      return fail(Errno::einval);  // __sys_accept4_file
    const Outcome o = sim->kernel.accept(proc, fd, (flags & linux_abi::sock_nonblock) != 0,
                                         (flags & linux_abi::sock_cloexec) != 0);
    const long r = result(o);
    if (r >= 0 && addr != nullptr && len != nullptr)
      linux_abi::put_address(fdlab::ReportedAddr{}, addr, len);  // the peer is unnamed
    return r;
  });
}

long fdlab_sim_sendmsg(fdlab_sim* sim, int proc, int fd, const struct msghdr* msg, int flags) {
  return guarded(sim, proc, [&] {
    if (msg == nullptr) return fail(Errno::efault);
    if (static_cast<std::size_t>(msg->msg_iovlen) > kMaxIov) return fail(Errno::emsgsize);
    fdlab::SendArgs s;
    s.data = gather(msg);
    s.flags = linux_abi::msg_flags_in(flags);
    if (msg->msg_controllen > 0) {
      s.control.given = true;
      s.control.null = msg->msg_control == nullptr;
      if (s.control.null)
        s.control.controllen = msg->msg_controllen;
      else
        s.control.image = std::string(static_cast<const char*>(msg->msg_control),
                                      static_cast<std::size_t>(msg->msg_controllen));
    }
    linux_abi::Address dest;
    if (msg->msg_name != nullptr) {
      dest = linux_abi::address_of(static_cast<const struct sockaddr*>(msg->msg_name),
                                   msg->msg_namelen);
      if (dest.err != Errno::ok) return fail(dest.err);
      if (dest.family_only || dest.unspec) throw LinuxAbiError("sendmsg to a nameless address");
      s.dest = &dest.addr;
    }
    const Outcome o = sim->kernel.sendmsg(proc, fd, s);
    sim->sigpipe = o.sigpipe;
    return result(o);
  });
}

long fdlab_sim_recvmsg(fdlab_sim* sim, int proc, int fd, struct msghdr* msg, int flags) {
  return guarded(sim, proc, [&] {
    if (msg == nullptr) return fail(Errno::efault);
    if (static_cast<std::size_t>(msg->msg_iovlen) > kMaxIov) return fail(Errno::emsgsize);
    fdlab::RecvArgs a;
    a.len = iov_room(msg);
    a.has_control = msg->msg_control != nullptr;
    a.control_len = msg->msg_controllen;
    a.flags = linux_abi::msg_flags_in(flags);
    a.want_name = msg->msg_name != nullptr;
    const Outcome o = sim->kernel.recvmsg(proc, fd, a);
    const long r = result(o);
    if (r < 0) return r;
    scatter(o.data, msg);
    msg->msg_flags = linux_abi::msg_flags_out(o.msg_flags);
    linux_abi::put_cmsgs(o, kTargetAbi, msg);
    if (msg->msg_name != nullptr) {
      socklen_t n = msg->msg_namelen;
      linux_abi::put_address(o.name, static_cast<struct sockaddr*>(msg->msg_name), &n);
      msg->msg_namelen = n;
    }
    return r;
  });
}

long fdlab_sim_open_temp(fdlab_sim* sim, int proc, int flags) {
  return guarded(sim, proc, [&] {
    if ((flags & ~linux_abi::o_cloexec) != 0) throw LinuxAbiError("open_temp flags");
    fdlab::Call c;
    c.op = fdlab::OpKind::open_temp;
    c.cloexec = (flags & linux_abi::o_cloexec) != 0;
    return result(sim->kernel.call(proc, c));
  });
}

long fdlab_sim_lseek(fdlab_sim* sim, int proc, int fd, long offset, int whence) {
  return guarded(sim, proc, [&] {
    fdlab::Whence w = fdlab::Whence::set;
    if (whence == 1)
      w = fdlab::Whence::cur;
    else if (whence == 2)
      w = fdlab::Whence::end;
    else if (whence != 0)
      throw LinuxAbiError("an lseek whence other than SEEK_SET, SEEK_CUR, SEEK_END");
    return result(sim->kernel.lseek(proc, fd, offset, w));
  });
}

long fdlab_sim_read(fdlab_sim* sim, int proc, int fd, void* buf, size_t len) {
  return guarded(sim, proc, [&] {
    const Outcome o = sim->kernel.read(proc, fd, len);
    const long r = result(o);
    if (r >= 0) std::memcpy(buf, o.data.data(), o.data.size());
    return r;
  });
}

long fdlab_sim_write(fdlab_sim* sim, int proc, int fd, const void* buf, size_t len) {
  return guarded(sim, proc, [&] {
    const Outcome o = sim->kernel.write(proc, fd, std::string(static_cast<const char*>(buf), len));
    sim->sigpipe = o.sigpipe;
    return result(o);
  });
}

long fdlab_sim_close(fdlab_sim* sim, int proc, int fd) {
  return guarded(sim, proc, [&] { return result(sim->kernel.close(proc, fd)); });
}

long fdlab_sim_dup(fdlab_sim* sim, int proc, int fd) {
  return guarded(sim, proc, [&] { return result(sim->kernel.dup(proc, fd)); });
}

long fdlab_sim_fcntl(fdlab_sim* sim, int proc, int fd, int cmd, long arg) {
  return guarded(sim, proc, [&] {
    if (cmd == linux_abi::f_dupfd) {
      if (arg > 3) throw LinuxAbiError("F_DUPFD above 3: the model's dup takes the lowest");
      return result(sim->kernel.dup(proc, fd));
    }
    const linux_abi::FcntlArgs a = linux_abi::fcntl_args(cmd, arg);
    const Outcome o = sim->kernel.fcntl(proc, fd, a.cmd, a.arg);
    const long r = result(o);
    if (r < 0) return r;
    return linux_abi::fcntl_result(a.cmd, r);
  });
}

long fdlab_sim_shutdown(fdlab_sim* sim, int proc, int fd, int how) {
  return guarded(sim, proc, [&] {
    fdlab::ShutHow h = fdlab::ShutHow::rdwr;
    if (!linux_abi::shut_how(how, h)) return fail(Errno::einval);
    return result(sim->kernel.shutdown(proc, fd, h));
  });
}

long fdlab_sim_setsockopt(fdlab_sim* sim, int proc, int fd, int level, int name, int value) {
  return guarded(sim, proc, [&] {
    const fdlab::SockOpt opt = linux_abi::sock_opt(level, name);
    return result(sim->kernel.setsockopt(proc, fd, opt, value));
  });
}

long fdlab_sim_getsockopt(fdlab_sim* sim, int proc, int fd, int level, int name, int* value) {
  return guarded(sim, proc, [&] {
    const fdlab::SockOpt opt = linux_abi::sock_opt(level, name);
    const Outcome o = sim->kernel.getsockopt(proc, fd, opt);
    const long r = result(o);
    if (r >= 0 && value != nullptr) *value = static_cast<int>(linux_abi::sock_opt_value(opt, o.value));
    return r;
  });
}

long fdlab_sim_unlink(fdlab_sim* sim, int proc, const char* path) {
  return guarded(sim, proc, [&] {
    if (path == nullptr) return fail(Errno::efault);
    return result(sim->kernel.unlink(proc, path));
  });
}

long fdlab_sim_poll(fdlab_sim* sim, int proc, struct pollfd* fds, nfds_t nfds) {
  return guarded(sim, proc, [&] {
    long ready = 0;
    for (nfds_t i = 0; i < nfds; ++i) {
      fdlab::Call c;
      c.op = fdlab::OpKind::poll;
      c.fd = fds[i].fd;
      c.events = linux_abi::poll_events_in(fds[i].events);
      const Outcome o = sim->kernel.call(proc, c);
      if (o.err != Errno::ok) return fail(o.err);
      fds[i].revents = static_cast<short>(linux_abi::poll_events_out(static_cast<std::uint32_t>(o.value)));
      if (fds[i].revents != 0) ++ready;
    }
    return ready;
  });
}

long fdlab_sim_give(fdlab_sim* sim, int proc, int fd, int to) {
  return guarded(sim, proc, [&] {
    if (!valid(sim, to)) return fail(Errno::esrch);
    return result(sim->kernel.give(proc, fd, to));
  });
}

int fdlab_sim_raised_sigpipe(fdlab_sim* sim) { return sim != nullptr && sim->sigpipe ? 1 : 0; }

long fdlab_sim_exit_process(fdlab_sim* sim, int proc) {
  return guarded(sim, proc, [&] {
    const Outcome open = sim->kernel.list_fds(proc);
    long closed = 0;
    for (const fdlab::NewFd& f : open.fds) {
      const long r = result(sim->kernel.close(proc, f.fd));
      if (r < 0) return r;
      ++closed;
    }
    return closed;
  });
}

long fdlab_sim_fd_object(fdlab_sim* sim, int proc, int fd) {
  return guarded(sim, proc, [&] {
    for (const fdlab::NewFd& f : sim->kernel.list_fds(proc).fds)
      if (f.fd == fd) return static_cast<long>(f.object);
    return fail(Errno::ebadf);
  });
}

long fdlab_sim_setrlimit_nofile(fdlab_sim* sim, int proc, long soft) {
  return guarded(sim, proc, [&] { return result(sim->kernel.setrlimit_nofile(proc, soft)); });
}

long fdlab_sim_getpid(fdlab_sim* sim, int proc) {
  return guarded(sim, proc, [&] { return static_cast<long>(fdlab::sim::SimKernel::pid_of(proc)); });
}

long fdlab_sim_fd_type(fdlab_sim* sim, int proc, int fd) {
  return guarded(sim, proc, [&]() -> long {
    const fdlab::sim::FileKind* kind = sim->kernel.kind_of(proc, fd);
    if (kind == nullptr) return fail(Errno::ebadf);
    using fdlab::sim::FileKind;
    switch (*kind) {  // include/uapi/linux/stat.h
      case FileKind::unix_socket:
        return 0140000;
      case FileKind::pipe_read:
      case FileKind::pipe_write:
        return 0010000;
      case FileKind::regular:
      case FileKind::memfd:
        return 0100000;
      case FileKind::directory:
        return 0040000;
      case FileKind::dev_null:
        return 0020000;
      case FileKind::o_path:
      case FileKind::pidfd:
        break;
    }
    throw LinuxAbiError("fstat of an O_PATH fd or a pidfd");
  });
}

int fdlab_sim_is_open(fdlab_sim* sim, int proc, int fd) {
  if (!valid(sim, proc)) return 0;
  return sim->kernel.has_fd(proc, fd) ? 1 : 0;
}

char* fdlab_sim_snapshot_json(fdlab_sim* sim) {
  if (sim == nullptr) return nullptr;
  try {
    const std::string s = sim->kernel.snapshot().dump();
    auto* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (out != nullptr) std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
  } catch (...) {
    return nullptr;
  }
}

void fdlab_sim_string_free(char* s) { std::free(s); }

const char* fdlab_sim_errno_name(long err) {
  Errno e = Errno::ok;
  if (err == 0 || !fdlab::errno_from_linux(static_cast<int>(err < 0 ? -err : err), e)) return "";
  return fdlab::errno_name(e).data();  // the names are string literals: NUL-terminated
}

long fdlab_sim_flag_names(int kind, long value, char* out, size_t room) {
  try {
    std::vector<std::string> names;
    if (kind == FDLAB_SIM_MSG_FLAGS)
      names = fdlab::msg_flag_names(linux_abi::msg_flags_in(static_cast<int>(value)));
    else if (kind == FDLAB_SIM_POLL_EVENTS)
      names = fdlab::poll_event_names(linux_abi::poll_events_in(static_cast<short>(value)));
    else
      return fail(Errno::einval);
    std::string joined;
    for (const std::string& n : names) joined += (joined.empty() ? "" : ",") + n;
    if (out == nullptr || joined.size() + 1 > room) return fail(Errno::einval);
    std::memcpy(out, joined.c_str(), joined.size() + 1);
    return static_cast<long>(joined.size());
  } catch (...) {
    return fail(Errno::einval);
  }
}

size_t fdlab_sim_cmsghdr_size(void) { return kTargetAbi.header_size; }

}  // extern "C"
