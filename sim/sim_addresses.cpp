// SimKernel's socket addresses as sockets report them: getsockname and getpeername
// (unix_getname), the sender's address in msg_name (unix_copy_addr), and autobind
// (unix_autobind), after net/unix/af_unix.c; measured on Linux 6.18 (scenarios/addresses).
#include <algorithm>

#include "sim/sim_kernel.h"

namespace fdlab::sim {

ReportedAddr SimKernel::address_of(const UnixSocket& sk) {
  ReportedAddr r;
  if (!sk.bound) return r;
  r.kind = sk.autobound ? ReportedAddr::Kind::autobind : ReportedAddr::Kind::named;
  if (!sk.autobound) r.addr = {sk.name, sk.abstract};
  return r;
}

// unix_autobind: an unbound socket gets an abstract name of five hex digits, a different one
// on every run; no scenario can name it, so the sim keeps no table entry for it.
void SimKernel::autobind(UnixSocket& sk) {
  if (sk.bound) return;
  sk.bound = true;
  sk.abstract = true;
  sk.autobound = true;
}

// A segment keeps its sender's address as it was at the send (the kernel reads skb->sk's
// address at the receive; the two differ only for a sender that binds in between).
int SimKernel::addr_key(const UnixSocket& sender) {
  const ReportedAddr a = address_of(sender);
  if (a.kind == ReportedAddr::Kind::unnamed) return -1;
  auto same = [&](const ReportedAddr& b) {
    return b.kind == a.kind && b.addr.name == a.addr.name && b.addr.abstract == a.addr.abstract;
  };
  auto it = std::find_if(addrs_.begin(), addrs_.end(), same);
  if (it != addrs_.end()) return static_cast<int>(it - addrs_.begin());
  addrs_.push_back(a);
  return static_cast<int>(addrs_.size() - 1);
}

ReportedAddr SimKernel::addr_of_key(int key) const {
  return key < 0 ? ReportedAddr{} : addrs_[static_cast<std::size_t>(key)];
}

// bind(sock, {AF_UNIX}, sizeof(sa_family_t)) -> unix_autobind, which returns 0 at once for a
// socket that already has an address (measured: a bound socket keeps its name).
Outcome SimKernel::op_autobind(ProcId p, const Call& c) {
  SocketAt at = socket_at(p, c.fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  autobind(*at.socket);
  return Outcome{};
}

Outcome SimKernel::op_getsockname(ProcId p, const Call& c) {
  SocketAt at = socket_at(p, c.fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  Outcome o;
  o.name = address_of(*at.socket);
  return o;
}

// unix_getname(peer): the peer's address, ENOTCONN without one (a listener has none; a
// stream socket keeps its dead peer, whose address it still reports).
Outcome SimKernel::op_getpeername(ProcId p, const Call& c) {
  SocketAt at = socket_at(p, c.fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  if (at.socket->peer == no_socket) return Outcome::failure(Errno::enotconn);
  Outcome o;
  o.name = address_of(*sockets_[at.socket->peer]);
  return o;
}

}  // namespace fdlab::sim
