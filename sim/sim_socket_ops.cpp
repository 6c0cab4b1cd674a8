// SimKernel's AF_UNIX operations, after net/unix/af_unix.c and net/core/scm.c. The order of
// the checks is the kernel's and was confirmed with C probes on Linux 6.18.
#include <algorithm>
#include <utility>

#include "core/control_space.h"
#include "core/send_buffer.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

// Flags other families use, which AF_UNIX takes and ignores (MSG_CTRUNC has a rule of its own).
constexpr std::uint32_t kIgnoredFlags =
    msg::dontroute | msg::more | msg::confirm | msg::fastopen | msg::zerocopy | msg::errqueue;

// Whether a queue holds fds, which its release closes.
bool holds_fds(const RecvQueue& q) {
  for (std::size_t i = 0; i < q.segments(); ++i)
    if (!q.segment(i).fds.empty()) return true;
  return false;
}

Outcome epipe(std::uint32_t flags) {
  Outcome o = Outcome::failure(Errno::epipe);
  o.sigpipe = (flags & msg::nosignal) == 0;
  return o;
}

}  // namespace

std::uint32_t SimKernel::new_socket(SockType type, FileRef file) {
  auto s = std::make_unique<UnixSocket>();
  s->type = type;
  s->file = file.slot;
  s->queue.set_rules_sink(rules_);
  std::uint32_t i;
  if (!free_sockets_.empty()) {
    i = free_sockets_.back();
    free_sockets_.pop_back();
    sockets_[i] = std::move(s);
  } else {
    i = static_cast<std::uint32_t>(sockets_.size());
    sockets_.push_back(std::move(s));
  }
  return i;
}

void SimKernel::free_socket(std::uint32_t s) {
  unix_sock(s);  // freeing a freed socket is a broken invariant
  sockets_[s].reset();
  free_sockets_.push_back(s);
}

Outcome SimKernel::op_socketpair(ProcId p, const Call& c) {
  const SockType type = c.type;
  const bool nonblock = c.nonblock;
  const bool cloexec = c.cloexec;
  table(p);
  if (at_fd_limit(p, 2)) return Outcome::failure(Errno::emfile);  // get_unused_fd_flags
  FileRef a = new_file(FileKind::unix_socket, fl::rdwr | (nonblock ? fl::nonblock : 0), true);
  FileRef b = new_file(FileKind::unix_socket, fl::rdwr | (nonblock ? fl::nonblock : 0), true);
  std::uint32_t sa = new_socket(type, a);
  std::uint32_t sb = new_socket(type, b);
  file(a).target = sa;
  file(b).target = sb;
  set_peer(sa, sb);
  set_peer(sb, sa);
  // init_peercred on both ends: the creator's ids.
  for (std::uint32_t s : {sa, sb}) {
    unix_sock(s).peer_uid = ids(p).uid;
    unix_sock(s).peer_gid = ids(p).gid;
  }
  Outcome o;
  for (FileRef r : {a, b}) {
    hold(r);
    o.fds.push_back(install(p, r, cloexec));
  }
  return o;
}

// scm_send (net/core/scm.c), where the send path asks for it. fds only (no stated
// msg_control): scm_fp_copy says EINVAL for more than SCM_MAX_FD before any fd is looked at,
// then EBADF for the first fd that is not open. A stated msg_control is read cmsg by cmsg
// (read_control); its fds go to `stated`. Either way send.fds is what the message carries.
Outcome SimKernel::check_send_fds(SendCall& send, std::vector<int>& stated) {
  const SendArgs& a = send.args;
  if (a.control.given) {
    send.fds = &stated;
    return read_control(send, stated);
  }
  send.fds = &a.fds;
  const auto type = [&] { return unix_sock(send.self).type; };
  // SCM_MAX_FD: 253 go, 254 are EINVAL.
  if (a.fds.size() >= cmsg::scm_max_fd)
    reached(per_type(type(), "stream.max-fds", "seqpacket.scm-limits", "dgram.scm-limits"));
  if (a.fds.size() > cmsg::scm_max_fd) return Outcome::failure(Errno::einval);
  for (int fd : a.fds) {
    if (!file_at(send.proc, fd)) {
      reached(
          per_type(type(), "stream.ebadf-fd-array", "seqpacket.scm-limits", "dgram.scm-limits"));
      return Outcome::failure(Errno::ebadf);
    }
  }
  return Outcome{};
}

// The queue takes a reference to each file sent (fget_raw in scm_fp_copy); check_send_fds
// already made sure that every fd is open.
void SimKernel::queue_fds(UnixSocket& to, const std::vector<int>& fds, const SendCall& send,
                          std::string_view bytes, std::uint32_t truesize, bool oob) {
  std::vector<FileRef>& refs = sending_refs_;
  refs.clear();
  const std::int64_t user = ids(send.proc).uid;  // unix_add_edges: fpl->user->unix_inflight
  for (int fd : fds) {
    const FdEntry* e = table(send.proc).find(fd);
    if (!e) broken("fd " + std::to_string(fd) + " queued without being open");
    FileRef r = e->file;
    if (rules_ != nullptr) mark_sent_file(to, send, r);
    hold(r);
    ++file(r).inflight;
    r.charged = user;
    ++inflight_by_uid_[user];  // entries stay once made: no allocation per send
    if (file(r).kind == FileKind::unix_socket) ++inflight_sockets_;
    refs.push_back(r);
  }
  if (to.file == no_file) reached("named.send-before-accept");  // not accepted yet
  to.queue.push(bytes, refs.data(), refs.size(), truesize, send.creds,
                addr_key(unix_sock(send.self)), oob);
}

std::size_t SimKernel::wmem_of(const UnixSocket& sk) const {
  // A stream or seqpacket socket's skbs are only ever in its peer's queue, which holds no one
  // else's.
  if (sk.type != SockType::dgram)
    return sk.peer != no_socket ? unix_sock(sk.peer).queue.truesize() : 0;
  if (sk.addr_key < 0) return 0;  // it never sent
  std::size_t wmem = 0;
  for (const auto& other : sockets_) {
    if (!other) continue;
    const RecvQueue& q = other->queue;
    for (std::size_t i = 0; i < q.segments(); ++i)
      if (q.segment(i).from == sk.addr_key) wmem += q.segment(i).truesize;
  }
  return wmem;
}

void SimKernel::mark_sent_file(const UnixSocket& to, const SendCall& send, FileRef r) const {
  // A socket sent over its own connection.
  if (r.slot == to.file || r.slot == unix_sock(send.self).file) reached("stream.self-send");
  // scm_fp_copy takes any file (fget_raw), O_PATH ones included.
  const FileKind kind = file(r).kind;
  if (kind != FileKind::unix_socket && kind != FileKind::pipe_read && kind != FileKind::pipe_write)
    reached("files.pass-any-file");
}

void SimKernel::unqueue(FileRef r) {
  if (--file(r).inflight < 0) broken("more references left a queue than were queued");
  if (r.charged >= 0) --inflight_by_uid_[r.charged];
  if (file(r).kind == FileKind::unix_socket) --inflight_sockets_;
}

// The queue's references go with it, closing what they alone kept open (unix_release_sock and
// unix_dgram_disconnected purge sk_receive_queue the same way).
void SimKernel::purge_queue(UnixSocket& sk) {
  std::vector<FileRef> queued;
  sk.queue.clear(queued);
  for (FileRef r : queued) {
    unqueue(r);
    put(r);
  }
}

Outcome SimKernel::op_sendmsg(ProcId p, const Call& c) {
  const int sock = c.fd;
  const SendArgs& a = *c.send;
  SocketAt at = socket_at(p, sock);
  if (at.err == Errno::ebadf && !at.file) reached("stream.ebadf-closed-socket");
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket& sk = *at.socket;
  // ____sys_sendmsg copies msg_control in before the protocol sees the call: a NULL pointer
  // with a length is EFAULT, even on a socket that is not connected (found by the fuzzer).
  if (a.control.given && a.control.null && control_length(a.control, cmsg_abi_) > 0) {
    reached("control.null-control");
    return Outcome::failure(Errno::efault);
  }
  if (a.flags & msg::ctrunc) reached("control.ctrunc-input-ignored");
  if (a.flags & kIgnoredFlags) reached("options.ignored-flags");
  // ____sys_sendmsg: O_NONBLOCK on the file acts as MSG_DONTWAIT.
  // The credentials are decided once the receiver is known (stream_send, message_send).
  SendCall send{p, a, (a.flags & msg::dontwait) || at.file->nonblocking(), -1};
  send.self = at.file->target;
  if (sk.type == SockType::stream) return stream_send(sk, send);
  return message_send(sk, send);
}

// unix_stream_sendmsg.
Outcome SimKernel::stream_send(UnixSocket& sk, SendCall& send) {
  const SendArgs& a = send.args;
  std::vector<int> stated;
  Outcome o = check_send_fds(send, stated);
  if (o.err != Errno::ok) return o;
  // MSG_OOB: the last byte goes out of band (queue_oob), the rest as usual; no byte at all is
  // EOPNOTSUPP.
  const bool oob = (a.flags & msg::oob) != 0;
  if (oob && a.data.empty()) {
    reached("oob.mark");
    return Outcome::failure(Errno::eopnotsupp);
  }
  const std::size_t normal = a.data.size() - (oob ? 1 : 0);
  // A stream socket takes no address: EISCONN connected, EOPNOTSUPP not.
  if (a.dest) {
    reached("addresses.sendto");
    return Outcome::failure(sk.state == SockState::established ? Errno::eisconn
                                                               : Errno::eopnotsupp);
  }
  if (sk.peer == no_socket) {
    reached("named.unconnected");
    return Outcome::failure(Errno::enotconn);
  }
  // The peer's close or SHUT_RD set our SEND_SHUTDOWN; a pending sk_err (ECONNRESET) is not
  // looked at here, so it stays for the next recv.
  if (sk.shutdown & send_shutdown) {
    reached("stream.epipe");
    // Before SO_PASSRIGHTS, which is checked at the receiver.
    if (!send.fds->empty() && !unix_sock(sk.peer).passrights) reached("options.passrights");
    return epipe(a.flags);
  }
  UnixSocket& other = unix_sock(sk.peer);
  if (!send.stated_creds) send.creds = sends_creds_to(sk, other) ? own_creds(send.proc) : -1;
  std::size_t sent = 0;
  // Zero bytes: the loop never runs and the fds are dropped; success with 0.
  if (normal == 0 && !oob && !send.fds->empty()) {
    reached("stream.zero-byte-fds-dropped");
    if (!other.passrights) reached("options.passrights");
  }
  while (sent < normal) {
    // sock_alloc_send_pskb: our wmem is what our skbs in the peer's queue are charged.
    if (!skb::may_allocate(other.queue.truesize(), sk.sndbuf)) {
      if (!send.nonblock) return Outcome::would_block();
      // What fits is sent (the fds with the first chunk); nothing fits: EAGAIN.
      reached("stream.dontwait-partial-write");
      reached("limits.sndbuf-send");
      if (sent == 0 && !send.fds->empty() && !other.passrights) reached("options.passrights");
      break;
    }
    // unix_attach_fds, when the skb is made: ETOOMANYREFS past the user's in-flight limit.
    if (sent == 0 && !send.fds->empty() && too_many_inflight(send.proc))
      return Outcome::failure(Errno::etoomanyrefs);
    // SO_PASSRIGHTS off on the receiver: the skb that carries the fds is refused, after the
    // allocation and the peer's shutdown (measured: EAGAIN and EPIPE come first); a send of
    // no bytes makes no skb and drops its fds without an error.
    if (sent == 0 && !send.fds->empty() && !other.passrights) {
      reached("options.passrights");
      return Outcome::failure(Errno::eperm);
    }
    std::size_t size = skb::stream_chunk(normal - sent, sk.sndbuf);
    if (size < normal - sent) reached("limits.sndbuf-send");  // cut into chunks
    std::string_view chunk(a.data.data() + sent, size);
    // Only the first skb carries the fds.
    queue_fds(other, sent == 0 ? *send.fds : no_fds(), send, chunk, skb::stream_truesize(size));
    sent += size;
  }
  if (oob && sent == normal) {
    // queue_oob: a 1-byte skb, with the fds if no skb took them yet; its errors come back
    // only when nothing was sent before it.
    const auto stop = [&](Errno e) {
      if (sent > 0) return Outcome{};
      return Outcome::failure(e);
    };
    const std::vector<int>& fds = normal == 0 ? *send.fds : no_fds();
    reached("oob.mark");
    if (!fds.empty()) reached("oob.fds");  // they ride on the out-of-band skb
    if (!skb::may_allocate(other.queue.truesize(), sk.sndbuf)) {
      if (!send.nonblock) return Outcome::would_block();
      o = stop(Errno::eagain);
    } else if (!fds.empty() && too_many_inflight(send.proc)) {
      o = stop(Errno::etoomanyrefs);
    } else if (!fds.empty() && !other.passrights) {
      reached("options.passrights");
      o = stop(Errno::eperm);
    } else {
      queue_fds(other, fds, send, std::string_view(a.data.data() + normal, 1),
                skb::stream_truesize(1), true);
      sent += 1;
    }
    if (o.err != Errno::ok) return o;
  }
  if (sent == 0 && !a.data.empty()) return Outcome::failure(Errno::eagain);
  o.ret = static_cast<long>(sent);
  return o;
}

const std::vector<int>& SimKernel::no_fds() {
  static const std::vector<int> none;
  return none;
}

// unix_seqpacket_sendmsg / unix_dgram_sendmsg: to the peer, or (dgram) to the socket bound at
// msg_name; seqpacket ignores msg_name.
Outcome SimKernel::message_send(UnixSocket& sk, SendCall& send) {
  const SendArgs& a = send.args;
  // unix_seqpacket_sendmsg: the pending error, then "not connected", before the control
  // messages or the flags are looked at (measured: ENOTCONN beats EBADF, EINVAL, EOPNOTSUPP).
  const bool dgram = sk.type == SockType::dgram;
  if (!dgram) {
    Errno e = sk.take_error();
    if (e == Errno::econnreset) {
      reached("seqpacket.econnreset");
      reached("lifetimes.seqpacket-reset");
    }
    if (e != Errno::ok) return Outcome::failure(e);
    if (sk.state != SockState::established) {
      reached("named.unconnected");
      return Outcome::failure(Errno::enotconn);
    }
  }
  std::vector<int> stated;
  Outcome o = check_send_fds(send, stated);
  if (o.err != Errno::ok) return o;
  if (a.flags & msg::oob) {
    reached("oob.mark");
    return Outcome::failure(Errno::eopnotsupp);  // stream sockets only
  }
  const bool to_address = a.dest != nullptr && dgram;
  if (a.dest != nullptr && !dgram) reached("addresses.sendto");  // seqpacket ignores it
  if (to_address && !address_fits(*a.dest)) {
    reached("named.path-length");
    return Outcome::failure(Errno::einval);
  }
  // With SO_PASSCRED an unbound sender is autobound, so that the receiver can tell who it is
  // (seqpacket too: its sendmsg is the dgram one; found by the fuzzer).
  if (sk.may_passcred()) autobind(sk);
  // An unconnected dgram socket without msg_name: these errors come before its ENOTCONN.
  const bool unconnected = !to_address && sk.peer == no_socket;
  if (a.data.size() + 32 > sk.sndbuf) {
    reached(dgram ? "dgram.sndbuf-limit" : "seqpacket.sndbuf-limit");
    if (unconnected) reached("addresses.sendto");
    return Outcome::failure(Errno::emsgsize);
  }
  // sock_alloc_send_pskb checks the error, our SEND_SHUTDOWN and our wmem.
  Errno e = sk.take_error();
  if (e == Errno::econnreset) reached(dgram ? "addresses.dgram-connect" : "seqpacket.econnreset");
  if (e != Errno::ok && unconnected) reached("addresses.sendto");
  if (e != Errno::ok) return Outcome::failure(e);
  // SO_PASSRIGHTS is checked at the receiver, after our shutdown and our buffer.
  const std::uint32_t in_flight_to = to_address ? no_socket : sk.peer;
  const auto refuses_fds = [&] {
    return !send.fds->empty() && in_flight_to != no_socket && !unix_sock(in_flight_to).passrights;
  };
  if (sk.shutdown & send_shutdown) {
    reached(dgram ? "dgram.shutdown" : "seqpacket.epipe-no-sigpipe");
    if (unconnected) reached("addresses.sendto");
    if (refuses_fds()) reached("options.passrights");
    return Outcome::failure(Errno::epipe);
  }
  if (!skb::may_allocate(wmem_of(sk), sk.sndbuf)) {
    reached(dgram ? "dgram.sndbuf-limit" : "seqpacket.sndbuf-limit");
    if (refuses_fds()) reached("options.passrights");
    return send.nonblock ? Outcome::failure(Errno::eagain) : Outcome::would_block();
  }
  // unix_scm_to_skb -> unix_attach_fds, before the receiver is looked at.
  if (!send.fds->empty() && too_many_inflight(send.proc))
    return Outcome::failure(Errno::etoomanyrefs);
  // The peer is looked up only now, after the skb is made: sk_err, SEND_SHUTDOWN, EMSGSIZE
  // and EAGAIN come before ENOTCONN (found by the fuzzer; Linux 6.18).
  if (!to_address && sk.peer == no_socket) {
    reached("addresses.sendto");
    return Outcome::failure(Errno::enotconn);
  }
  std::uint32_t to = sk.peer;
  if (to_address) {
    reached("addresses.sendto");
    const BoundSocket b = find_other(*a.dest, sk.type, send.proc);
    if (b.err != Errno::ok) return Outcome::failure(b.err);
    to = b.index;
  }
  UnixSocket& other = unix_sock(to);
  // unix_maybe_add_creds asks about the receiver this message goes to.
  if (!send.stated_creds) send.creds = sends_creds_to(sk, other) ? own_creds(send.proc) : -1;
  // unix_may_send: a receiver connected to a third socket takes nothing from us.
  if (other.peer != no_socket && other.peer != send.self) {
    reached("addresses.dgram-connect");
    return Outcome::failure(Errno::eperm);
  }
  if (other.dead) {
    if (!dgram) {
      reached("seqpacket.epipe-no-sigpipe");
      return Outcome::failure(Errno::epipe);
    }
    // unix_dgram_sendmsg: the sender forgets its dead peer, which can then be freed, and
    // unix_dgram_disconnected purges our own receive queue with the fds queued in it
    // (measured on Linux 6.18: the messages are gone and a queued pipe end is closed).
    reached("dgram.econnrefused");
    if (!sk.queue.empty()) reached("dgram.disconnect-purges-queue");
    drop_peer(send.self);
    purge_queue(sk);
    return Outcome::failure(Errno::econnrefused);
  }
  if (other.shutdown & rcv_shutdown) {
    // The receiver's own SHUT_RD (our SHUT_WR was answered above): EPIPE, no SIGPIPE.
    reached(dgram ? "dgram.shutdown" : "seqpacket.epipe-no-sigpipe");
    if (!dgram) reached("seqpacket.shutdown");
    if (!send.fds->empty() && !other.passrights) reached("options.passrights");
    return Outcome::failure(Errno::epipe);
  }
  // SO_PASSRIGHTS off on the receiver: any message with fds, even an empty one.
  if (!send.fds->empty() && !other.passrights) {
    reached("options.passrights");
    return Outcome::failure(Errno::eperm);
  }
  // unix_recvq_full_lockless: a receiver that is not connected back to us takes at most
  // max_dgram_qlen + 1 messages (a socketpair's ends, connected both ways, are never full).
  if (to != send.self && other.peer != send.self && other.queue.segments() > kMaxDgramQlen) {
    reached("addresses.dgram-queue-limit");
    return send.nonblock ? Outcome::failure(Errno::eagain) : Outcome::would_block();
  }
  if (a.data.empty()) reached(dgram ? "dgram.zero-byte-message" : "seqpacket.zero-byte-message");
  queue_fds(other, *send.fds, send, a.data, skb::dgram_truesize(a.data.size()));
  o.ret = static_cast<long>(a.data.size());
  return o;
}

Outcome SimKernel::op_recvmsg(ProcId p, const Call& c) {
  const int sock = c.fd;
  const RecvArgs& a = c.recv;
  SocketAt at = socket_at(p, sock);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket& sk = *at.socket;
  // A socket that never connected (or listens): unix_stream_read_generic says EINVAL,
  // unix_seqpacket_recvmsg ENOTCONN.
  if (sk.state != SockState::established && sk.type != SockType::dgram) {
    if (sk.state == SockState::unconnected && sk.type == SockType::stream)
      reached("named.unconnected");
    return Outcome::failure(sk.type == SockType::stream ? Errno::einval : Errno::enotconn);
  }
  if (a.flags & msg::ctrunc) reached("control.ctrunc-input-ignored");
  if (a.flags & kIgnoredFlags) reached("options.ignored-flags");
  const bool nonblock = (a.flags & msg::dontwait) || at.file->nonblocking();
  const bool peek = (a.flags & msg::peek) != 0;
  if (a.flags & msg::oob) {
    // unix_stream_recv_urg: the out-of-band byte and MSG_OOB, nothing else (no control data);
    // EINVAL without one or with SO_OOBINLINE; dgram and seqpacket have none (EOPNOTSUPP).
    if (sk.type != SockType::stream) {
      reached("oob.mark");
      return Outcome::failure(Errno::eopnotsupp);
    }
    const OobRead r = sk.queue.read_oob(peek, sk.oobinline);
    if (!r.got) {
      reached("oob.mark");
      return Outcome::failure(Errno::einval);
    }
    for (FileRef d : r.dropped) {
      unqueue(d);
      put(d);
    }
    Outcome o;
    // unix_stream_recv_urg returns 1 even when the buffer has no room: skb_copy_datagram_msg
    // succeeds once the iovec is exhausted (a short copy into nothing is not a fault; found by
    // the libFuzzer differential target).
    if (a.len > 0) o.data.assign(1, r.byte);
    o.ret = 1;
    o.msg_flags = msg::oob | (a.flags & msg::cmsg_cloexec);
    return o;
  }
  // The taken fds go into the buffer the last call left (cleared: after a call that threw it
  // is a moved-from vector), and back to it when this one is done.
  RecvCall recv{p, a, nonblock, peek, std::move(spare_taken_), {}};
  recv.taken.clear();
  Outcome o = sk.type == SockType::stream ? stream_recv(sk, recv) : message_recv(sk, recv);
  // scm_recv_unix runs for every read that returned, a stream's EOF included, but not for a
  // seqpacket's EOF (no skb).
  if (o.err == Errno::ok && !o.blocked && recv.creds) deliver(o, recv, sk);
  // unix_copy_addr: msg_name gets the sender's address of what was read (unnamed at EOF).
  if (o.err == Errno::ok && !o.blocked && a.want_name) {
    reached("addresses.sendto");
    o.name = addr_of_key(recv.from);
  }
  // ____sys_recvmsg copies MSG_CMSG_CLOEXEC from the call's flags into msg_flags on every
  // successful return, EOF included (measured; found by fdlab fuzz).
  if (o.err == Errno::ok && !o.blocked && (a.flags & msg::cmsg_cloexec))
    o.msg_flags |= msg::cmsg_cloexec;
  spare_taken_ = std::move(recv.taken);
  return o;
}

// unix_stream_read_generic.
Outcome SimKernel::stream_recv(UnixSocket& sk, RecvCall& recv) {
  std::vector<FileRef> dropped;
  Outcome o = stream_read(sk, recv, dropped);
  // An out-of-band byte the read went past is dropped with whatever it carried, but the files
  // are let go only as the call returns (fput defers the last release to task work): a read
  // that drops the last reference to its own peer does not see that peer close (found by
  // fdlab fuzz: the kernel blocks where the sim said EOF).
  for (FileRef d : dropped) put(d);
  return o;
}

Outcome SimKernel::stream_read(UnixSocket& sk, RecvCall& recv, std::vector<FileRef>& dropped) {
  const RecvArgs& a = recv.args;
  Outcome o;
  // sk_peek_offset: a peek starts at SO_PEEK_OFF when it is set.
  const std::size_t skip = recv.peek && sk.peek_off > 0 ? static_cast<std::size_t>(sk.peek_off) : 0;
  if (sk.peek_off >= 0) reached("options.peek-off");
  QueueRead r = sk.queue.read_stream(a.len, recv.peek, o.data, recv.taken, sk.may_passcred(), skip,
                                     sk.oobinline);
  for (FileRef d : r.dropped) {
    unqueue(d);  // no longer in flight now; the reference goes when the call returns
    dropped.push_back(d);
  }
  // sk_peek_offset_fwd / _bwd: a peek moves the offset on by what it copied, a read back.
  if (sk.peek_off >= 0)
    sk.peek_off = recv.peek ? sk.peek_off + static_cast<long>(r.copied)
                            : std::max(0L, sk.peek_off - static_cast<long>(r.copied));
  recv.from = r.from;
  // Even at EOF scm_recv_unix runs, with a zeroed cookie.
  recv.creds = r.copied == 0 && r.ran_out ? kEofCreds : r.creds;
  // sock_rcvlowat: the read is satisfied by one byte, or by all of them with MSG_WAITALL.
  std::size_t target = (a.flags & msg::waitall) ? std::max<std::size_t>(a.len, 1) : 1;
  if (r.ran_out && r.copied < target) {
    // Short of len with bytes read: only MSG_WAITALL keeps it from returning them.
    if (r.copied > 0) reached("stream.waitall");
    // The queue ran dry: "POSIX 1003.1g mandates this order": error, then EOF, then wait.
    Errno e = sk.take_error();
    if (e == Errno::econnreset) reached("stream.econnreset");
    if (e == Errno::ok && !(sk.shutdown & rcv_shutdown)) {
      reached("stream.eagain");
      if (!recv.nonblock) return Outcome::would_block();
      e = Errno::eagain;
    } else if (e == Errno::ok && r.copied == 0) {
      reached("stream.eof");
    }
    if (r.copied == 0) return e == Errno::ok ? o : Outcome::failure(e);
  }
  o.ret = static_cast<long>(r.copied);
  return o;
}

// __unix_dgram_recvmsg (seqpacket adds a state check that a socketpair always passes).
Outcome SimKernel::message_recv(UnixSocket& sk, RecvCall& recv) {
  const RecvArgs& a = recv.args;
  const bool dgram = sk.type == SockType::dgram;
  // __skb_try_recv_datagram looks at sk_err before the queue.
  Errno e = sk.take_error();
  if (e == Errno::econnreset) {
    reached(dgram ? "addresses.dgram-connect" : "seqpacket.econnreset");
    if (!dgram) reached("lifetimes.seqpacket-reset");
  }
  if (e != Errno::ok) return Outcome::failure(e);
  Outcome o;
  QueueRead r = sk.queue.read_message(a.len, recv.peek, o.data, recv.taken, sk.peek_off);
  // A peek moves SO_PEEK_OFF on by what it copied; a read takes the whole message off it.
  if (r.got_message && sk.peek_off >= 0) {
    reached("options.peek-off");
    sk.peek_off = recv.peek ? sk.peek_off + static_cast<long>(r.copied)
                            : std::max(0L, sk.peek_off - static_cast<long>(r.message_len));
  }
  if (!r.got_message) {
    if (sk.shutdown & rcv_shutdown) {
      // A nonblocking dgram read still says EAGAIN; seqpacket turns it into EOF.
      reached(dgram ? "dgram.shutdown" : "seqpacket.eof");
      if (recv.nonblock && dgram) return Outcome::failure(Errno::eagain);
      return o;
    }
    // A dead dgram peer is no EOF: nothing to read is EAGAIN, or the read waits.
    if (dgram && sk.peer != no_socket && unix_sock(sk.peer).dead) reached("dgram.no-eof");
    return recv.nonblock ? Outcome::failure(Errno::eagain) : Outcome::would_block();
  }
  recv.creds = r.creds;
  recv.from = r.from;
  mark_message_read(sk, recv, r);
  if (r.copied < r.message_len) o.msg_flags |= msg::trunc;
  o.ret = static_cast<long>((a.flags & msg::trunc) ? r.message_len : r.copied);
  return o;
}

// The message rules a dgram or seqpacket read applied, having read `r`.
void SimKernel::mark_message_read(const UnixSocket& sk, const RecvCall& recv, const QueueRead& r) {
  if (rules_ == nullptr) return;
  const bool dgram = sk.type == SockType::dgram;
  // Another message is queued behind, and there was room for more: not joined.
  const std::size_t behind = sk.queue.segments() - (recv.peek ? 1 : 0);
  if (behind > 0 && recv.args.len > r.copied)
    reached(dgram ? "dgram.message-boundaries" : "seqpacket.message-boundaries");
  if (r.copied < r.message_len) reached(dgram ? "dgram.truncate" : "seqpacket.truncate");
  if (r.copied < r.message_len && recv.peek)
    reached(dgram ? "dgram.peek-dup-fds" : "seqpacket.peek-dup-fds");  // a short peek: MSG_TRUNC
  // Without SO_PEEK_OFF a peek returns the head message, an empty one too.
  if (recv.peek) reached("options.peek-off");
  if (recv.args.flags & msg::trunc)
    reached(dgram ? "dgram.msg-trunc-real-length" : "seqpacket.msg-trunc-real-length");
  if (r.message_len == 0)
    reached(dgram ? "dgram.zero-byte-message" : "seqpacket.zero-byte-message");
  if (!recv.taken.empty()) reached(dgram ? "dgram.per-message-fds" : "seqpacket.per-message-fds");
}

// The rules that decided what a read's control buffer got: `room` fds fit in it, `installed`
// were installed (deliver).
void SimKernel::mark_delivery(const UnixSocket& sk, const RecvCall& recv, std::size_t room,
                              std::size_t installed) const {
  const RecvArgs& a = recv.args;
  const bool fds = !recv.taken.empty();
  if (!a.has_control) {
    if (a.control_len > 0) reached("control.null-control");
    if (fds) reached(per_type(sk.type, "stream.ctrunc", "seqpacket.ctrunc", "dgram.ctrunc"));
    if (fds && sk.type == SockType::stream) reached("stream.no-control-discards");
  } else if (fds) {
    // (msg_controllen - 16) / 4 fds fit; the buffer holds them all, or just the first ones.
    reached("stream.cmsg-space-rounding");
    if (room <= recv.taken.size())
      reached(per_type(sk.type, "stream.ctrunc", "seqpacket.ctrunc", "dgram.ctrunc"));
    if (installed < std::min(room, recv.taken.size())) reached("limits.rlimit-receiver");
  }
  // SCM_CREDENTIALS first and its CMSG_SPACE(12), or MSG_CTRUNC; none without SO_PASSCRED.
  if (sk.passcred) reached("credentials.control-space");
  if (!sk.passcred && *recv.creds >= 0) reached("credentials.scm-credentials");
  if (installed > 0) {
    // New numbers, lowest free first, for the descriptions that were sent; FD_CLOEXEC from
    // MSG_CMSG_CLOEXEC alone.
    reached("stream.lowest-free-fd");
    reached("stream.shared-description");
    reached("stream.cmsg-cloexec");
    if (installed > 1) reached("stream.many-fds-order");
  }
  if (recv.peek && fds)
    reached(
        per_type(sk.type, "stream.peek-dup-fds", "seqpacket.peek-dup-fds", "dgram.peek-dup-fds"));
  if (sk.passpidfd) reached("options.passpidfd");
  if (sk.inq && sk.type == SockType::stream) reached("options.inq");
}

// scm_recv_unix: msg_control filled in the kernel's order, SCM_CREDENTIALS (with SO_PASSCRED)
// then the taken fds (scm_detach_fds: the ones that fit are installed, the rest closed).
void SimKernel::deliver(Outcome& o, const RecvCall& recv, const UnixSocket& sk) {
  const bool passcred = sk.passcred;
  const RecvArgs& a = recv.args;
  const ProcId p = recv.proc;
  const bool cloexec = (a.flags & msg::cmsg_cloexec) != 0;
  ControlWriter control(a.has_control, a.control_len, cmsg_abi_);
  std::size_t room = 0;  // how many fds the buffer holds
  std::size_t installed = 0;
  if (!a.has_control) {
    // __scm_recv_common: no buffer at all; MSG_CTRUNC when something was meant for it.
    if (passcred || sk.passpidfd || !recv.taken.empty()) control.truncate();
  } else {
    if (passcred) report_creds(o, control, *recv.creds);
    // scm_detach_fds stops at the first fd it cannot install (EMFILE at RLIMIT_NOFILE): the
    // rest are closed and MSG_CTRUNC is set; the data is delivered all the same.
    room = control.fd_room();
    installed = fd_room(p, std::min(room, recv.taken.size()));
    if (!recv.taken.empty()) control.put_fds(installed, recv.taken.size());
  }
  if (rules_ != nullptr) mark_delivery(sk, recv, room, installed);
  for (std::size_t i = 0; i < recv.taken.size(); ++i) {
    FileRef r = recv.taken[i];
    if (recv.peek) {
      // unix_peek_fds duplicated the references; installed ones keep theirs.
      if (i < installed) {
        hold(r);
        o.fds.push_back(install(p, r, cloexec));
      }
      continue;
    }
    unqueue(r);
    if (i < installed) {
      o.fds.push_back(install(p, r, cloexec));  // the queue's reference moves to the fd
    } else {
      put(r);
    }
  }
  // scm_pidfd_recv (SO_PASSPIDFD), after the fds: room for a whole cmsg of one int or
  // MSG_CTRUNC (even when no pid came); then, when the message carries a pid, a new pidfd of
  // it, always O_CLOEXEC.
  if (a.has_control && sk.passpidfd) {
    if (control.left() < cmsg_abi_.len(cmsg::fd_size)) {
      control.truncate();
    } else if (creds_of(*recv.creds).pid != 0) {
      // pidfd_prepare at RLIMIT_NOFILE fails, and put_cmsg writes its error as the "fd".
      long value = -24;  // -EMFILE
      if (fd_room(p, 1) == 1) {
        FileRef r = new_file(FileKind::pidfd, fl::rdwr, true);
        hold(r);
        o.fds.push_back(install(p, r, true));
        value = o.fds.back().fd;
      }
      control.put(cmsg::scm_pidfd, cmsg::fd_size);
      control.cmsgs().back().value = value;
    }
  }
  // unix_stream_read_generic then adds SCM_INQ (SO_INQ): the bytes still queued after this
  // read, a NULL buffer making it MSG_CTRUNC like any put_cmsg.
  if (sk.inq && sk.type == SockType::stream) {
    control.put(cmsg::scm_inq, sizeof(std::int32_t));
    if (!control.cmsgs().empty() && control.cmsgs().back().type == cmsg::scm_inq)
      control.cmsgs().back().value = static_cast<long>(sk.queue.inq_len());
  }
  if (control.ctrunc()) o.msg_flags |= msg::ctrunc;
  // Each cmsg in the kernel's order at CMSG_SPACE steps, the last one cut to what is left.
  if (a.has_control && (control.used() > 0 || control.ctrunc())) reached("control.recv-layout");
  o.msg_controllen = control.used();
  o.cmsgs = control.cmsgs();
}

Outcome SimKernel::op_shutdown(ProcId p, const Call& c) {
  const int fd = c.fd;
  const ShutHow how = c.how;
  SocketAt at = socket_at(p, fd);
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket& sk = *at.socket;
  std::uint8_t bits = shutdown_bits(how);
  sk.shutdown |= bits;
  if (sk.type == SockType::dgram) reached("dgram.shutdown");  // the peer is not told
  if (sk.type == SockType::stream && sk.state == SockState::unconnected)
    reached("named.unconnected");
  if (sk.peer != no_socket && sk.type != SockType::dgram) {
    if (sk.type == SockType::seqpacket) reached("seqpacket.shutdown");
    unix_sock(sk.peer).shutdown |= peer_shutdown_bits(bits);
  }
  return Outcome{};
}

// unix_release_sock (Linux 6.18): a head skb with nothing left to read (a zero-byte seqpacket
// message, a stream's consumed out-of-band byte) is skipped; the one after it counts, whatever
// its length. Found by the fuzzer: a lone zero-byte message does not reset the peer.
static bool leaves_unread_data(const RecvQueue& q) {
  return !q.empty() && (q.segment(0).unread() != 0 || q.segments() > 1);
}

// unix_release_sock: a stream/seqpacket peer can no longer send or receive more, and gets
// ECONNRESET if we die with unread data; our queued fds are released.
void SimKernel::release_socket(std::uint32_t s) {
  UnixSocket& sk = unix_sock(s);
  forget_name(s);
  release_pending(sk);
  sk.dead = true;
  sk.shutdown = shutdown_mask;
  if (sk.peer != no_socket && sk.type != SockType::dgram) {
    UnixSocket& peer = unix_sock(sk.peer);
    peer.shutdown = shutdown_mask;
    // Reset or plain EOF, as our queue was left.
    reached(sk.type == SockType::stream ? "stream.econnreset" : "seqpacket.econnreset");
    if (sk.type == SockType::seqpacket) reached("lifetimes.seqpacket-reset");
    if (leaves_unread_data(sk.queue)) peer.sk_err = Errno::econnreset;
  }
  if (rules_ != nullptr && holds_fds(sk.queue)) reached("stream.close-releases-queued");
  // unix_release_sock queues the collector when fds are in flight (unix_gc); it runs later.
  if (has_inflight_sockets()) reached("collector.async");
  purge_queue(sk);
  // A socket still pointing here keeps the index; the slot is reused only when no socket
  // refers to it.
  // A dgram socket connected to its own name holds itself: dropping that peer may free it.
  drop_peer(s);
  if (sockets_[s] && unix_sock(s).held_by == 0) free_socket(s);
}

}  // namespace fdlab::sim
