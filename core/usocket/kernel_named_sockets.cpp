#include "core/usocket/kernel_named_sockets.h"

#include "core/harness_error.h"
#include "core/rules_reached.h"

namespace fdlab::usocket {
// Every socket the library makes is SOCK_CLOEXEC (accept4's too), as every fd that node and
// libuv open is: a child process must not inherit it (docs/usocket-semantics.md).
namespace {
// A failed call after socket() must not leave the new socket behind: the library closes it.
// socket() cannot block; a backend that says it did misjudged a slow call, and the socket's fd
// is not there to use.
Outcome new_socket(Kernel& k, ProcId p) {
  Outcome s = k.socket(p, SockType::stream, true, true);
  if (s.blocked)
    throw HarnessError("", -1, "", "socket() was reported blocked, which it cannot be");
  return s;
}

Outcome close_and_fail(Kernel& k, ProcId p, int fd, const Outcome& failed) {
  k.close(p, fd);
  return Outcome::failure(failed.err);
}
}  // namespace

Outcome KernelNamedSockets::listen(ProcId p, const std::string& path, int backlog) {
  Outcome s = new_socket(k_, p);
  if (s.err != Errno::ok) return s;
  const int fd = s.fds.at(0).fd;
  SockAddr addr;
  addr.name = path;
  const Outcome b = k_.bind(p, fd, addr);
  if (b.err != Errno::ok) return close_and_fail(k_, p, fd, b);
  const Outcome l = k_.listen(p, fd, backlog);
  if (l.err != Errno::ok) return close_and_fail(k_, p, fd, l);
  reached(k_.rules_sink(), "usocket.cloexec");  // the listening socket: SOCK_CLOEXEC
  return s;
}

Outcome KernelNamedSockets::connect(ProcId p, const std::string& path) {
  Outcome s = new_socket(k_, p);
  if (s.err != Errno::ok) return s;
  const int fd = s.fds.at(0).fd;
  SockAddr addr;
  addr.name = path;
  // A nonblocking connect to a Unix stream listener completes at once or fails (EAGAIN when
  // its backlog is full): there is no EINPROGRESS for AF_UNIX (unix_stream_connect).
  const Outcome c = k_.connect(p, fd, addr);
  if (c.blocked) return close_and_fail(k_, p, fd, Outcome::failure(Errno::eagain));
  if (c.err != Errno::ok) return close_and_fail(k_, p, fd, c);
  reached(k_.rules_sink(), "usocket.cloexec");  // the connecting socket: SOCK_CLOEXEC
  return s;
}

Outcome KernelNamedSockets::accept(ProcId p, int fd) {
  Outcome o = k_.accept(p, fd, true, true);
  if (o.err == Errno::ok && !o.blocked) reached(k_.rules_sink(), "usocket.cloexec");  // accept4
  return o;
}

}  // namespace fdlab::usocket
