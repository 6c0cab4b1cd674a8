// SimKernel's socket addresses as sockets report them: getsockname and getpeername
// (unix_getname), the sender's address in msg_name (unix_copy_addr), and autobind
// (unix_autobind), after net/unix/af_unix.c; measured on Linux 6.18 (scenarios/addresses).

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
  reached("addresses.autobind");
  sk.bound = true;
  sk.abstract = true;
  sk.autobound = true;
  address_changed(sk);
}

void SimKernel::address_changed(const UnixSocket& sk) {
  if (sk.addr_key >= 0) addrs_[static_cast<std::size_t>(sk.addr_key)] = address_of(sk);
}

// A segment names its sender's entry, not an address: the kernel reads skb->sk's address at
// the receive, so a sender that binds after sending is reported by its new name (found by the
// fuzzer). The entry outlives the socket, as skb->sk does until the skb is freed; a socket
// binds at most once, so an entry changes only from unnamed to named.
int SimKernel::addr_key(UnixSocket& sender) {
  if (sender.addr_key < 0) {
    sender.addr_key = static_cast<int>(addrs_.size());
    addrs_.push_back(address_of(sender));
  }
  return sender.addr_key;
}

ReportedAddr SimKernel::addr_of_key(int key) const {
  return key < 0 ? ReportedAddr{} : addrs_[static_cast<std::size_t>(key)];
}

// bind(sock, {AF_UNIX}, sizeof(sa_family_t)) -> unix_autobind, which returns 0 at once for a
// socket that already has an address (measured: a bound socket keeps its name).
Outcome SimKernel::op_autobind(ProcId p, const Call& c) {
  SocketAt at = socket_at(p, c.fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  reached("addresses.autobind");  // a bound socket keeps its name
  autobind(*at.socket);
  return Outcome{};
}

Outcome SimKernel::op_getsockname(ProcId p, const Call& c) {
  SocketAt at = socket_at(p, c.fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  reached("addresses.getname");
  Outcome o;
  o.name = address_of(*at.socket);
  return o;
}

// unix_getname(peer): the peer's address, ENOTCONN without one (a listener has none; a
// stream socket keeps its dead peer, whose address it still reports).
Outcome SimKernel::op_getpeername(ProcId p, const Call& c) {
  SocketAt at = socket_at(p, c.fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  reached("addresses.getname");
  if (at.socket->peer == no_socket) return Outcome::failure(Errno::enotconn);
  Outcome o;
  o.name = address_of(unix_sock(at.socket->peer));
  return o;
}

}  // namespace fdlab::sim
