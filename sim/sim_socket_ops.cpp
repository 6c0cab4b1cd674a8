// SimKernel's AF_UNIX operations, after net/unix/af_unix.c and net/core/scm.c. The order of
// the checks is the kernel's and was confirmed with C probes on Linux 6.18.
#include <algorithm>

#include "core/control_space.h"
#include "core/send_buffer.h"
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

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
  if (fd_room(p, 2) < 2) return Outcome::failure(Errno::emfile);  // get_unused_fd_flags
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
  if (a.fds.size() > cmsg::scm_max_fd) return Outcome::failure(Errno::einval);
  for (int fd : a.fds)
    if (!file_at(send.proc, fd)) return Outcome::failure(Errno::ebadf);
  return Outcome{};
}

// The queue takes a reference to each file sent (fget_raw in scm_fp_copy); check_send_fds
// already made sure that every fd is open.
void SimKernel::queue_fds(UnixSocket& to, const std::vector<int>& fds, const SendCall& send,
                          std::string_view bytes, std::uint32_t truesize, bool oob) {
  std::vector<FileRef> refs;
  refs.reserve(fds.size());
  const std::int64_t user = ids(send.proc).uid;  // unix_add_edges: fpl->user->unix_inflight
  for (int fd : fds) {
    const FdEntry* e = table(send.proc).find(fd);
    if (!e) broken("fd " + std::to_string(fd) + " queued without being open");
    FileRef r = e->file;
    hold(r);
    ++file(r).inflight;
    r.charged = user;
    ++inflight_by_uid_[user];  // entries stay once made: no allocation per send
    if (file(r).kind == FileKind::unix_socket) ++inflight_sockets_;
    refs.push_back(r);
  }
  to.queue.push(bytes, refs.data(), refs.size(), truesize, send.creds,
                addr_key(unix_sock(send.self)), oob);
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
  if (at.err != Errno::ok) return Outcome::failure(at.err);
  UnixSocket& sk = *at.socket;
  // ____sys_sendmsg copies msg_control in before the protocol sees the call: a NULL pointer
  // with a length is EFAULT, even on a socket that is not connected (found by the fuzzer).
  if (a.control.given && a.control.null && control_length(a.control) > 0)
    return Outcome::failure(Errno::efault);
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
  if (oob && a.data.empty()) return Outcome::failure(Errno::eopnotsupp);
  const std::size_t normal = a.data.size() - (oob ? 1 : 0);
  // A stream socket takes no address: EISCONN connected, EOPNOTSUPP not.
  if (a.dest)
    return Outcome::failure(sk.state == SockState::established ? Errno::eisconn
                                                               : Errno::eopnotsupp);
  if (sk.peer == no_socket) return Outcome::failure(Errno::enotconn);
  // The peer's close or SHUT_RD set our SEND_SHUTDOWN; a pending sk_err (ECONNRESET) is not
  // looked at here, so it stays for the next recv.
  if (sk.shutdown & send_shutdown) return epipe(a.flags);
  UnixSocket& other = unix_sock(sk.peer);
  if (!send.stated_creds) send.creds = sends_creds_to(sk, other) ? own_creds(send.proc) : -1;
  std::size_t sent = 0;
  // Zero bytes: the loop never runs and the fds are dropped; success with 0.
  while (sent < normal) {
    // sock_alloc_send_pskb: our wmem is what our skbs in the peer's queue are charged.
    if (!skb::may_allocate(other.queue.truesize(), sk.sndbuf)) {
      if (!send.nonblock) return Outcome::would_block();
      break;
    }
    // unix_attach_fds, when the skb is made: ETOOMANYREFS past the user's in-flight limit.
    if (sent == 0 && !send.fds->empty() && too_many_inflight(send.proc))
      return Outcome::failure(Errno::etoomanyrefs);
    // SO_PASSRIGHTS off on the receiver: the skb that carries the fds is refused, after the
    // allocation and the peer's shutdown (measured: EAGAIN and EPIPE come first); a send of
    // no bytes makes no skb and drops its fds without an error.
    if (sent == 0 && !send.fds->empty() && !other.passrights) return Outcome::failure(Errno::eperm);
    std::size_t size = skb::stream_chunk(normal - sent, sk.sndbuf);
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
    if (!skb::may_allocate(other.queue.truesize(), sk.sndbuf)) {
      if (!send.nonblock) return Outcome::would_block();
      o = stop(Errno::eagain);
    } else if (!fds.empty() && too_many_inflight(send.proc)) {
      o = stop(Errno::etoomanyrefs);
    } else if (!fds.empty() && !other.passrights) {
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
  if (sk.type == SockType::seqpacket) {
    Errno e = sk.take_error();
    if (e != Errno::ok) return Outcome::failure(e);
    if (sk.state != SockState::established) return Outcome::failure(Errno::enotconn);
  }
  std::vector<int> stated;
  Outcome o = check_send_fds(send, stated);
  if (o.err != Errno::ok) return o;
  if (a.flags & msg::oob) return Outcome::failure(Errno::eopnotsupp);  // stream sockets only
  const bool to_address = a.dest != nullptr && sk.type == SockType::dgram;
  if (to_address && !address_fits(*a.dest)) return Outcome::failure(Errno::einval);
  // With SO_PASSCRED an unbound sender is autobound, so that the receiver can tell who it is
  // (seqpacket too: its sendmsg is the dgram one; found by the fuzzer).
  if (sk.may_passcred()) autobind(sk);
  if (a.data.size() + 32 > sk.sndbuf) return Outcome::failure(Errno::emsgsize);
  // sock_alloc_send_pskb checks the error, our SEND_SHUTDOWN and our wmem.
  Errno e = sk.take_error();
  if (e != Errno::ok) return Outcome::failure(e);
  if (sk.shutdown & send_shutdown) return Outcome::failure(Errno::epipe);
  const std::uint32_t in_flight_to = to_address ? no_socket : sk.peer;
  const std::size_t charged =
      in_flight_to != no_socket ? unix_sock(in_flight_to).queue.truesize() : 0;
  if (!skb::may_allocate(charged, sk.sndbuf))
    return send.nonblock ? Outcome::failure(Errno::eagain) : Outcome::would_block();
  // unix_scm_to_skb -> unix_attach_fds, before the receiver is looked at.
  if (!send.fds->empty() && too_many_inflight(send.proc))
    return Outcome::failure(Errno::etoomanyrefs);
  // The peer is looked up only now, after the skb is made: sk_err, SEND_SHUTDOWN, EMSGSIZE
  // and EAGAIN come before ENOTCONN (found by the fuzzer; Linux 6.18).
  if (!to_address && sk.peer == no_socket) return Outcome::failure(Errno::enotconn);
  std::uint32_t to = sk.peer;
  if (to_address) {
    const BoundSocket b = find_other(*a.dest, sk.type, send.proc);
    if (b.err != Errno::ok) return Outcome::failure(b.err);
    to = b.index;
  }
  UnixSocket& other = unix_sock(to);
  // unix_maybe_add_creds asks about the receiver this message goes to.
  if (!send.stated_creds) send.creds = sends_creds_to(sk, other) ? own_creds(send.proc) : -1;
  // unix_may_send: a receiver connected to a third socket takes nothing from us.
  if (other.peer != no_socket && other.peer != send.self) return Outcome::failure(Errno::eperm);
  if (other.dead) {
    if (sk.type == SockType::seqpacket) return Outcome::failure(Errno::epipe);
    // unix_dgram_sendmsg: the sender forgets its dead peer, which can then be freed, and
    // unix_dgram_disconnected purges our own receive queue with the fds queued in it
    // (measured on Linux 6.18: the messages are gone and a queued pipe end is closed).
    drop_peer(send.self);
    purge_queue(sk);
    return Outcome::failure(Errno::econnrefused);
  }
  if (other.shutdown & rcv_shutdown) return Outcome::failure(Errno::epipe);
  // SO_PASSRIGHTS off on the receiver: any message with fds, even an empty one.
  if (!send.fds->empty() && !other.passrights) return Outcome::failure(Errno::eperm);
  // unix_recvq_full_lockless: a receiver that is not connected back to us takes at most
  // max_dgram_qlen + 1 messages (a socketpair's ends, connected both ways, are never full).
  if (to != send.self && other.peer != send.self && other.queue.segments() > kMaxDgramQlen)
    return send.nonblock ? Outcome::failure(Errno::eagain) : Outcome::would_block();
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
  if (sk.state != SockState::established && sk.type != SockType::dgram)
    return Outcome::failure(sk.type == SockType::stream ? Errno::einval : Errno::enotconn);
  const bool nonblock = (a.flags & msg::dontwait) || at.file->nonblocking();
  const bool peek = (a.flags & msg::peek) != 0;
  if (a.flags & msg::oob) {
    // unix_stream_recv_urg: the out-of-band byte and MSG_OOB, nothing else (no control data);
    // EINVAL without one or with SO_OOBINLINE; dgram and seqpacket have none (EOPNOTSUPP).
    if (sk.type != SockType::stream) return Outcome::failure(Errno::eopnotsupp);
    const OobRead r = sk.queue.read_oob(peek, sk.oobinline);
    if (!r.got) return Outcome::failure(Errno::einval);
    for (FileRef d : r.dropped) {
      unqueue(d);
      put(d);
    }
    Outcome o;
    o.data.assign(1, r.byte);
    o.ret = 1;
    o.msg_flags = msg::oob | (a.flags & msg::cmsg_cloexec);
    return o;
  }
  RecvCall recv{p, a, nonblock, peek, {}, {}};
  Outcome o = sk.type == SockType::stream ? stream_recv(sk, recv) : message_recv(sk, recv);
  // scm_recv_unix runs for every read that returned, a stream's EOF included, but not for a
  // seqpacket's EOF (no skb).
  if (o.err == Errno::ok && !o.blocked && recv.creds) deliver(o, recv, sk);
  // unix_copy_addr: msg_name gets the sender's address of what was read (unnamed at EOF).
  if (o.err == Errno::ok && !o.blocked && a.want_name) o.name = addr_of_key(recv.from);
  // ____sys_recvmsg copies MSG_CMSG_CLOEXEC from the call's flags into msg_flags on every
  // successful return, EOF included (measured; found by fdlab fuzz).
  if (o.err == Errno::ok && !o.blocked && (a.flags & msg::cmsg_cloexec))
    o.msg_flags |= msg::cmsg_cloexec;
  return o;
}

// unix_stream_read_generic.
Outcome SimKernel::stream_recv(UnixSocket& sk, RecvCall& recv) {
  const RecvArgs& a = recv.args;
  Outcome o;
  // sk_peek_offset: a peek starts at SO_PEEK_OFF when it is set.
  const std::size_t skip = recv.peek && sk.peek_off > 0 ? static_cast<std::size_t>(sk.peek_off) : 0;
  QueueRead r = sk.queue.read_stream(a.len, recv.peek, o.data, recv.taken, sk.may_passcred(), skip,
                                     sk.oobinline);
  // An out-of-band byte the read went past is dropped, with whatever it carried.
  for (FileRef d : r.dropped) {
    unqueue(d);
    put(d);
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
    // The queue ran dry: "POSIX 1003.1g mandates this order": error, then EOF, then wait.
    Errno e = sk.take_error();
    if (e == Errno::ok && !(sk.shutdown & rcv_shutdown)) {
      if (!recv.nonblock) return Outcome::would_block();
      e = Errno::eagain;
    }
    if (r.copied == 0) return e == Errno::ok ? o : Outcome::failure(e);
  }
  o.ret = static_cast<long>(r.copied);
  return o;
}

// __unix_dgram_recvmsg (seqpacket adds a state check that a socketpair always passes).
Outcome SimKernel::message_recv(UnixSocket& sk, RecvCall& recv) {
  const RecvArgs& a = recv.args;
  // __skb_try_recv_datagram looks at sk_err before the queue.
  Errno e = sk.take_error();
  if (e != Errno::ok) return Outcome::failure(e);
  Outcome o;
  QueueRead r = sk.queue.read_message(a.len, recv.peek, o.data, recv.taken, sk.peek_off);
  // A peek moves SO_PEEK_OFF on by what it copied; a read takes the whole message off it.
  if (r.got_message && sk.peek_off >= 0)
    sk.peek_off = recv.peek ? sk.peek_off + static_cast<long>(r.copied)
                            : std::max(0L, sk.peek_off - static_cast<long>(r.message_len));
  if (!r.got_message) {
    if (sk.shutdown & rcv_shutdown) {
      // A nonblocking dgram read still says EAGAIN; seqpacket turns it into EOF.
      if (recv.nonblock && sk.type == SockType::dgram) return Outcome::failure(Errno::eagain);
      return o;
    }
    return recv.nonblock ? Outcome::failure(Errno::eagain) : Outcome::would_block();
  }
  recv.creds = r.creds;
  recv.from = r.from;
  if (r.copied < r.message_len) o.msg_flags |= msg::trunc;
  o.ret = static_cast<long>((a.flags & msg::trunc) ? r.message_len : r.copied);
  return o;
}

// scm_recv_unix: msg_control filled in the kernel's order, SCM_CREDENTIALS (with SO_PASSCRED)
// then the taken fds (scm_detach_fds: the ones that fit are installed, the rest closed).
void SimKernel::deliver(Outcome& o, const RecvCall& recv, const UnixSocket& sk) {
  const bool passcred = sk.passcred;
  const RecvArgs& a = recv.args;
  const ProcId p = recv.proc;
  const bool cloexec = (a.flags & msg::cmsg_cloexec) != 0;
  ControlWriter control(a.has_control, a.control_len);
  std::size_t installed = 0;
  if (!a.has_control) {
    // __scm_recv_common: no buffer at all; MSG_CTRUNC when something was meant for it.
    if (passcred || sk.passpidfd || !recv.taken.empty()) control.truncate();
  } else {
    if (passcred) report_creds(o, control, *recv.creds);
    // scm_detach_fds stops at the first fd it cannot install (EMFILE at RLIMIT_NOFILE): the
    // rest are closed and MSG_CTRUNC is set; the data is delivered all the same.
    installed = std::min(control.fd_room(), recv.taken.size());
    installed = fd_room(p, installed);
    if (!recv.taken.empty()) control.put_fds(installed, recv.taken.size());
  }
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
    if (control.left() < cmsg::len(cmsg::fd_size)) {
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
  if (sk.peer != no_socket && sk.type != SockType::dgram)
    unix_sock(sk.peer).shutdown |= peer_shutdown_bits(bits);
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
    if (leaves_unread_data(sk.queue)) peer.sk_err = Errno::econnreset;
  }
  purge_queue(sk);
  // A socket still pointing here keeps the index; the slot is reused only when no socket
  // refers to it.
  // A dgram socket connected to its own name holds itself: dropping that peer may free it.
  drop_peer(s);
  if (sockets_[s] && unix_sock(s).held_by == 0) free_socket(s);
}

}  // namespace fdlab::sim
