#pragma once
// The named-socket calls the usocket model needs for UServer and connect(path), as one
// interface: a Kernel without socket/bind/listen/connect/accept can still run the USocket
// scenarios that work on socketpairs, and a backend supplies this when it has them.
#include <string>

#include "core/kernel.h"

namespace fdlab::usocket {

class NamedSockets {
 public:
  virtual ~NamedSockets() = default;
  // socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC), bind(path), listen(backlog):
  // fds[0] is the listening socket, or the errno of the call that failed (the socket is then
  // closed).
  virtual Outcome listen(ProcId p, const std::string& path, int backlog) = 0;
  // A nonblocking, close-on-exec stream socket connected to path: fds[0], or the errno
  // (ECONNREFUSED, ENOENT).
  virtual Outcome connect(ProcId p, const std::string& path) = 0;
  // accept4(fd, SOCK_NONBLOCK | SOCK_CLOEXEC): fds[0] is the new socket; EAGAIN when none is
  // pending.
  virtual Outcome accept(ProcId p, int fd) = 0;
};

}  // namespace fdlab::usocket
