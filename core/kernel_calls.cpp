// Kernel's typed calls: each names its op and arguments in a Call and hands it to call().
#include "core/kernel.h"

namespace fdlab {
namespace {

Call make(OpKind op, int fd = -1) {
  Call c;
  c.op = op;
  c.fd = fd;
  return c;
}

}  // namespace

Outcome Kernel::socketpair(ProcId p, SockType type, bool nonblock, bool cloexec) {
  Call c = make(OpKind::socketpair);
  c.type = type;
  c.nonblock = nonblock;
  c.cloexec = cloexec;
  return call(p, c);
}

Outcome Kernel::pipe(ProcId p) { return call(p, make(OpKind::pipe)); }

Outcome Kernel::list_fds(ProcId p) { return call(p, make(OpKind::list_fds)); }

Outcome Kernel::open_temp(ProcId p) { return call(p, make(OpKind::open_temp)); }

Outcome Kernel::sendmsg(ProcId p, int sock, const SendArgs& args) {
  Call c = make(OpKind::sendmsg, sock);
  c.send = &args;
  return call(p, c);
}

Outcome Kernel::recvmsg(ProcId p, int sock, const RecvArgs& args) {
  Call c = make(OpKind::recvmsg, sock);
  c.recv = args;
  return call(p, c);
}

Outcome Kernel::read(ProcId p, int fd, std::size_t len) {
  Call c = make(OpKind::read, fd);
  c.recv.len = len;
  return call(p, c);
}

Outcome Kernel::write(ProcId p, int fd, const std::string& data) {
  Call c = make(OpKind::write, fd);
  c.data = &data;
  return call(p, c);
}

Outcome Kernel::lseek(ProcId p, int fd, long offset, Whence whence) {
  Call c = make(OpKind::lseek, fd);
  c.offset = offset;
  c.whence = whence;
  return call(p, c);
}

Outcome Kernel::fcntl(ProcId p, int fd, FcntlCmd cmd, long arg) {
  Call c = make(OpKind::fcntl, fd);
  c.cmd = cmd;
  c.arg = arg;
  return call(p, c);
}

Outcome Kernel::dup(ProcId p, int fd) { return call(p, make(OpKind::dup, fd)); }

Outcome Kernel::close(ProcId p, int fd) { return call(p, make(OpKind::close, fd)); }

Outcome Kernel::shutdown(ProcId p, int fd, ShutHow how) {
  Call c = make(OpKind::shutdown, fd);
  c.how = how;
  return call(p, c);
}

Outcome Kernel::socket(ProcId p, SockType type, bool nonblock, bool cloexec) {
  Call c = make(OpKind::socket);
  c.type = type;
  c.nonblock = nonblock;
  c.cloexec = cloexec;
  return call(p, c);
}

Outcome Kernel::bind(ProcId p, int sock, const SockAddr& addr) {
  Call c = make(OpKind::bind, sock);
  c.addr = &addr;
  return call(p, c);
}

Outcome Kernel::listen(ProcId p, int sock, int backlog) {
  Call c = make(OpKind::listen, sock);
  c.backlog = backlog;
  return call(p, c);
}

Outcome Kernel::connect(ProcId p, int sock, const SockAddr& addr) {
  Call c = make(OpKind::connect, sock);
  c.addr = &addr;
  return call(p, c);
}

Outcome Kernel::accept(ProcId p, int sock, bool nonblock, bool cloexec) {
  Call c = make(OpKind::accept, sock);
  c.nonblock = nonblock;
  c.cloexec = cloexec;
  return call(p, c);
}

Outcome Kernel::unlink(ProcId p, const std::string& path) {
  const SockAddr addr{path, false};
  Call c = make(OpKind::unlink);
  c.addr = &addr;
  return call(p, c);
}

Outcome Kernel::setsockopt(ProcId p, int sock, SockOpt opt, long value) {
  Call c = make(OpKind::setsockopt, sock);
  c.opt = opt;
  c.value = value;
  return call(p, c);
}

Outcome Kernel::getsockopt(ProcId p, int sock, SockOpt opt) {
  Call c = make(OpKind::getsockopt, sock);
  c.opt = opt;
  return call(p, c);
}

Outcome Kernel::setrlimit_nofile(ProcId p, long soft) {
  Call c = make(OpKind::setrlimit);
  c.value = soft;
  return call(p, c);
}

Outcome Kernel::give(ProcId from, int fd, ProcId to) {
  Call c = make(OpKind::give, fd);
  c.to = to;
  return call(from, c);
}

}  // namespace fdlab
