// SimKernel's named sockets: socket, bind, listen, connect, accept, unlink, after
// net/unix/af_unix.c (unix_bind, unix_listen, unix_stream_connect, unix_accept,
// unix_find_other). The order of the checks is the kernel's; each errno case was measured with
// C probes and the native backend on Linux 6.18.
#include "core/harness_error.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

// unix_validate_addr: the address must fit struct sockaddr_un. The harness passes
// __sys_listen clamps the backlog to net.core.somaxconn (4096), as an unsigned compare, so a
// negative backlog becomes somaxconn.
constexpr int kSomaxconn = 4096;

}  // namespace

Outcome SimKernel::op_socket(ProcId p, const Call& c) {
  const SockType type = c.type;
  const bool nonblock = c.nonblock;
  const bool cloexec = c.cloexec;
  // sock_map_fd -> get_unused_fd_flags: EMFILE at the limit.
  if (at_fd_limit(p, 1)) return Outcome::failure(Errno::emfile);
  FileRef r = new_file(FileKind::unix_socket, fl::rdwr | (nonblock ? fl::nonblock : 0), true);
  std::uint32_t s = new_socket(type, r);
  file(r).target = s;
  unix_sock(s).state = SockState::unconnected;
  hold(r);
  Outcome o;
  o.fds.push_back(install(p, r, cloexec));
  o.ret = o.fds.back().fd;
  return o;
}

Outcome SimKernel::op_bind(ProcId p, const Call& c) {
  const int sock = c.fd;
  const SockAddr& a = *c.addr;
  SocketAt at = socket_at(p, sock);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket* sk = at.socket;
  if (!address_fits(a)) {
    reached("named.path-length");
    return Outcome::failure(Errno::einval);
  }
  std::uint32_t self = at.file->target;
  if (a.abstract) {
    // unix_bind_abstract: an already bound socket is EINVAL before the name is looked at.
    if (sk->bound) {
      reached("named.bind-once");
      return Outcome::failure(Errno::einval);
    }
    // unix_abstract_hash mixes the socket type into the bucket and the lookup only searches
    // that bucket, so each socket type has its own abstract namespace (measured on 6.18).
    reached("named.abstract");
    if (abstract_.count({sk->type, a.name})) return Outcome::failure(Errno::eaddrinuse);
    abstract_[{sk->type, a.name}] = self;
  } else {
    // unix_bind_bsd: mknod comes first, so an existing file (even of a dead socket) is
    // EADDRINUSE (-EEXIST) before the already-bound check.
    if (paths_.count(a.name)) {
      reached(sk->bound ? "named.bind-once" : "named.eaddrinuse");
      return Outcome::failure(Errno::eaddrinuse);
    }
    if (sk->bound) {
      reached("named.bind-once");
      return Outcome::failure(Errno::einval);
    }
    paths_[a.name] = self;
    path_owner_[a.name] = ids_[static_cast<std::size_t>(p)].uid;  // the inode's i_uid: fsuid
  }
  sk->bound = true;
  sk->abstract = a.abstract;
  sk->name = a.name;
  address_changed(*sk);
  return Outcome{};
}

Outcome SimKernel::op_listen(ProcId p, const Call& c) {
  const int sock = c.fd;
  const int backlog = c.backlog;
  SocketAt at = socket_at(p, sock);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket* sk = at.socket;
  // unix_listen: datagram sockets cannot listen; an unbound one or a connected one is EINVAL.
  if (sk->type == SockType::dgram || !sk->bound || sk->state == SockState::established) {
    reached("named.listen-errors");
    return Outcome::failure(sk->type == SockType::dgram ? Errno::eopnotsupp : Errno::einval);
  }
  if (backlog < 0 || backlog > kSomaxconn) reached("named.backlog");
  sk->backlog = (backlog < 0 || backlog > kSomaxconn) ? kSomaxconn : backlog;
  sk->state = SockState::listening;
  sk->peer_uid = ids(p).uid;  // init_peercred: the listener's own, for its clients
  sk->peer_gid = ids(p).gid;
  return Outcome{};
}

// unix_find_other: a path that is not there is ENOENT, a file whose socket is gone is
// ECONNREFUSED, a path bound by a socket of another type is EPROTOTYPE (unix_find_bsd); an
// abstract name is looked up among the sockets of the caller's type only
// (unix_find_abstract), so one that is not bound, or bound only by another type, is
// ECONNREFUSED.
BoundSocket SimKernel::find_other(const SockAddr& a, SockType type, ProcId caller) const {
  if (a.abstract) {
    auto it = abstract_.find({type, a.name});
    if (it == abstract_.end()) return {no_socket, Errno::econnrefused};
    return {it->second, Errno::ok};
  }
  const auto& names = paths_;
  auto it = names.find(a.name);
  if (it == names.end()) return {no_socket, Errno::enoent};
  // unix_find_bsd: path_permission(MAY_WRITE) before anything else is looked at. The file is
  // 0755 (the native workers' umask is 022), so only its owner, or root, may write to it.
  const ProcIds& ids = ids_[static_cast<std::size_t>(caller)];
  auto owner = path_owner_.find(a.name);
  if (!ids.privileged() && owner != path_owner_.end() && owner->second != ids.uid) {
    reached("unprivileged.socket-file");
    return {no_socket, Errno::eacces};
  }
  if (it->second == no_socket) return {no_socket, Errno::econnrefused};
  if (unix_sock(it->second).type != type) return {no_socket, Errno::eprototype};
  return {it->second, Errno::ok};
}

Outcome SimKernel::op_connect(ProcId p, const Call& c) {
  const int sock = c.fd;
  const SockAddr& a = *c.addr;
  SocketAt at = socket_at(p, sock);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket* sk = at.socket;
  if (!address_fits(a)) {
    reached("named.path-length");
    return Outcome::failure(Errno::einval);
  }
  if (sk->type == SockType::dgram) return dgram_connect(p, at.file->target, a);
  // unix_stream_connect: with SO_PASSCRED (or SO_PASSPIDFD) the client is autobound before the
  // other end is looked up, so even a connect that fails, or one on a connected socket, leaves
  // it named (found by the fuzzer).
  if (sk->may_passcred()) autobind(*sk);
  const BoundSocket other = find_other(a, sk->type, p);
  if (other.err != Errno::ok) return connect_failed(a, sk->type, other.err);
  UnixSocket& listener = unix_sock(other.index);
  // A listener shut down for reading refuses too (found by fdlab fuzz).
  if (listener.state != SockState::listening || (listener.shutdown & rcv_shutdown)) {
    reached("named.econnrefused");
    return Outcome::failure(Errno::econnrefused);
  }
  // unix_recvq_full_lockless: full when more than sk_max_ack_backlog connections wait, so
  // backlog + 1 connects get in. Checked before our own state (measured: connect on a
  // connected socket to a full listener is EAGAIN, not EISCONN).
  if (listener.pending.size() > static_cast<std::size_t>(listener.backlog)) {
    reached("named.backlog");
    if (sk->state == SockState::established) reached("named.reconnect");
    if (at.file->nonblocking()) return Outcome::failure(Errno::eagain);
    return Outcome::would_block();
  }
  if (sk->state == SockState::established) {
    reached("named.reconnect");
    return Outcome::failure(Errno::eisconn);
  }
  if (sk->state == SockState::listening) {
    reached("named.listen-errors");
    return Outcome::failure(Errno::einval);
  }
  std::uint32_t self = at.file->target;
  // The embryo (newsk) is connected at once: the client can send before it is accepted.
  std::uint32_t embryo = new_socket(sk->type, FileRef{no_file});
  unix_sock(embryo).file = no_file;
  set_peer(embryo, self);
  // newsk takes the listener's address (so the accepted socket's getsockname and the
  // client's getpeername name it).
  {
    const UnixSocket& l = unix_sock(other.index);
    UnixSocket& e = unix_sock(embryo);
    e.bound = l.bound;
    e.abstract = l.abstract;
    e.autobound = l.autobound;
    e.name = l.name;
    // newsk gets the connector's ids (init_peercred), the client the listener's
    // (copy_peercred).
    e.peer_uid = ids(p).uid;
    e.peer_gid = ids(p).gid;
    unix_sock(self).peer_uid = l.peer_uid;
    unix_sock(self).peer_gid = l.peer_gid;
  }
  // unix_stream_connect copies the listener's receive options to newsk when it is made (not
  // at accept: measured, an option the listener sets after the connect is not inherited).
  const UnixSocket& l = unix_sock(other.index);
  if (l.passcred || !l.passrights || l.passpidfd) reached("options.inherited-at-connect");
  unix_sock(embryo).passcred = unix_sock(other.index).passcred;
  unix_sock(embryo).passrights = unix_sock(other.index).passrights;
  unix_sock(embryo).passpidfd = unix_sock(other.index).passpidfd;
  UnixSocket& client = unix_sock(self);  // new_socket may have moved the vector
  set_peer(self, embryo);
  client.state = SockState::established;
  unix_sock(other.index).pending.push_back(embryo);
  return Outcome{};
}

// A connect's lookup failed (unix_find_other): which rule answered.
Outcome SimKernel::connect_failed(const SockAddr& a, SockType type, Errno err) const {
  if (err == Errno::enoent) reached("named.enoent");
  if (err == Errno::eprototype) reached("named.eprototype");
  if (err == Errno::econnrefused && !a.abstract) reached("named.econnrefused");
  if (err == Errno::econnrefused && a.abstract) {
    reached("named.abstract");
    // Bound only by a socket of another type: each type has its own abstract names.
    for (SockType t : {SockType::stream, SockType::seqpacket, SockType::dgram})
      if (t != type && abstract_.count({t, a.name})) reached("named.eprototype");
  }
  return Outcome::failure(err);
}

// unix_peer(sk) = other takes a reference (sock_hold); drop_peer gives it back, freeing a
// released socket that nobody points at any more.
void SimKernel::set_peer(std::uint32_t s, std::uint32_t other) {
  unix_sock(s).peer = other;
  if (other != no_socket) ++unix_sock(other).held_by;
}

void SimKernel::drop_peer(std::uint32_t s) {
  const std::uint32_t other = unix_sock(s).peer;
  if (other == no_socket) return;
  unix_sock(s).peer = no_socket;
  unhold(other);
}

void SimKernel::unhold(std::uint32_t s) {
  UnixSocket& o = unix_sock(s);
  if (--o.held_by == 0 && o.dead) free_socket(s);
}

// unix_dgram_connect's "if it was connected, reconnect": a new peer (or none, AF_UNSPEC);
// leaving the old one purges our queue (unix_dgram_disconnected) before its reference goes.
void SimKernel::change_dgram_peer(std::uint32_t self, std::uint32_t to) {
  const std::uint32_t old = unix_sock(self).peer;
  if (old == to) return;
  set_peer(self, to);
  if (old == no_socket) return;
  dgram_disconnected(self, old);
  unhold(old);
}

// unix_dgram_connect: with SO_PASSCRED an unbound socket is autobound first; the other end
// must be a dgram socket that is not connected to a third (unix_may_send: EPERM). Changing
// peers disconnects from the old one.
Outcome SimKernel::dgram_connect(ProcId p, std::uint32_t self, const SockAddr& a) {
  if (unix_sock(self).may_passcred()) autobind(unix_sock(self));
  const BoundSocket other = find_other(a, SockType::dgram, p);
  if (other.err != Errno::ok) return connect_failed(a, SockType::dgram, other.err);
  const UnixSocket& o = unix_sock(other.index);
  reached("addresses.dgram-connect");
  if (o.peer != no_socket && o.peer != self) return Outcome::failure(Errno::eperm);
  change_dgram_peer(self, other.index);
  return Outcome{};
}

// connect(sock, {AF_UNSPEC}): unix_stream_connect refuses any family but AF_UNIX (EINVAL);
// unix_dgram_connect "breaks the connected state" (1003.1g): the peer is forgotten, as a
// reconnect would.
Outcome SimKernel::op_disconnect(ProcId p, const Call& c) {
  SocketAt at = socket_at(p, c.fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  reached("addresses.dgram-connect");
  if (at.socket->type != SockType::dgram) return Outcome::failure(Errno::einval);
  change_dgram_peer(at.file->target, no_socket);
  return Outcome{};
}

// unix_dgram_disconnected: our own receive queue is purged, fds and all; a peer that was
// connected back to us and is alive learns it as ECONNRESET.
void SimKernel::dgram_disconnected(std::uint32_t self, std::uint32_t old_peer) {
  UnixSocket& sk = unix_sock(self);
  if (sk.queue.empty()) return;
  reached("addresses.dgram-connect");
  purge_queue(sk);
  UnixSocket& o = unix_sock(old_peer);
  if (!o.dead && o.peer == self) o.sk_err = Errno::econnreset;
}

Outcome SimKernel::op_accept(ProcId p, const Call& c) {
  const int sock = c.fd;
  const bool nonblock = c.nonblock;
  const bool cloexec = c.cloexec;
  SocketAt at = socket_at(p, sock);
  // __sys_accept4_file takes the new fd number before do_accept looks at the file: EMFILE
  // comes before ENOTSOCK (found by the fuzzer), only EBADF before it.
  if (at.err != Errno::ebadf && at_fd_limit(p, 1)) return Outcome::failure(Errno::emfile);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket* sk = at.socket;
  if (sk->type == SockType::dgram || sk->state != SockState::listening) {
    reached("named.listen-errors");
    return Outcome::failure(sk->type == SockType::dgram ? Errno::eopnotsupp : Errno::einval);
  }
  if (sk->pending.empty()) {
    // The listener's O_NONBLOCK decides; accept4's SOCK_NONBLOCK is for the new fd only.
    reached("named.accept-empty");
    if (at.file->nonblocking()) return Outcome::failure(Errno::eagain);
    return Outcome::would_block();
  }
  reached("named.connect-accept");
  if (nonblock || cloexec) reached("named.accept4-flags");
  std::uint32_t s = sk->pending.front();
  sk->pending.pop_front();
  FileRef r = new_file(FileKind::unix_socket, fl::rdwr | (nonblock ? fl::nonblock : 0), true);
  file(r).target = s;
  unix_sock(s).file = r.slot;
  hold(r);
  Outcome o;
  o.fds.push_back(install(p, r, cloexec));
  o.ret = o.fds.back().fd;
  return o;
}

Outcome SimKernel::op_unlink(ProcId p, const Call& c) {
  const std::string& path = c.addr->name;
  table(p);
  reached("named.unlink");
  // The lookup refuses an over-long component before it looks (fs/namei.c, hash_name).
  if (path.size() > kNameMax) return Outcome::failure(Errno::enametoolong);
  // The socket keeps its address; it just cannot be found by name any more.
  if (paths_.erase(path) == 0) return Outcome::failure(Errno::enoent);
  path_owner_.erase(path);
  return Outcome{};
}

// A released socket's file stays in the directory, refusing connections; an abstract name
// is freed with its socket (unix_release_sock -> unix_remove_socket).
void SimKernel::forget_name(std::uint32_t s) {
  UnixSocket& sk = unix_sock(s);
  if (!sk.bound) return;
  if (sk.abstract) {
    auto it = abstract_.find({sk.type, sk.name});
    if (it != abstract_.end() && it->second == s) {
      reached("named.abstract");  // free again
      abstract_.erase(it);
    }
    return;
  }
  auto it = paths_.find(sk.name);
  if (it == paths_.end() || it->second != s) return;
  it->second = no_socket;
}

// unix_release_sock on a listener: every connection not yet accepted is released as an
// embryo, and its client gets ECONNRESET whether or not it sent anything.
void SimKernel::release_pending(UnixSocket& listener) {
  std::deque<std::uint32_t> pending;
  pending.swap(listener.pending);
  if (!pending.empty()) reached("named.listener-close-resets");
  for (std::uint32_t e : pending) {
    std::uint32_t client = unix_sock(e).peer;
    release_socket(e);
    if (client != no_socket && sockets_[client] && !unix_sock(client).dead)
      unix_sock(client).sk_err = Errno::econnreset;
  }
}

}  // namespace fdlab::sim
