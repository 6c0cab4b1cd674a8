// SimKernel's poll(2) of one fd with a timeout of 0, after fs/select.c (do_pollfd), fs/pipe.c
// (pipe_poll) and net/unix/af_unix.c (unix_poll, unix_dgram_poll) of Linux 6.18, checked with
// C probes (docs/rules/poll.json; scenarios/poll/).
#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

// DEFAULT_POLLMASK (include/linux/poll.h): what vfs_poll answers for a file without ->poll
// (/dev/null, a regular file, a memfd, a directory).
constexpr std::uint32_t kDefaultMask = pollev::in | pollev::out | pollev::rdnorm | pollev::wrnorm;
constexpr std::uint32_t kWritable = pollev::out | pollev::wrnorm | pollev::wrband;
constexpr std::uint32_t kReadable = pollev::in | pollev::rdnorm;

}  // namespace

// do_pollfd: a negative fd is skipped (revents 0, not counted); an fd that fdget does not find
// (closed, or O_PATH) is POLLNVAL whatever was asked; otherwise the file's mask, filtered by
// the events asked for plus POLLERR and POLLHUP. The return value counts fds with revents.
Outcome SimKernel::op_poll(ProcId p, const Call& c) {
  // do_sys_poll: more entries (here one) than RLIMIT_NOFILE allows is EINVAL, before any fd is
  // looked at (found by the fuzzer with a soft limit of 0).
  auto limit = nofile_.find(p);
  if (limit != nofile_.end() && limit->second < 1) {
    reached("poll.nval");
    return Outcome::failure(Errno::einval);
  }
  Outcome o;
  if (c.fd < 0) {
    reached("poll.nval");
    return o;
  }
  const OpenFile* f = file_at(p, c.fd);
  std::uint32_t revents = pollev::nval;
  if (f != nullptr && !f->path_only()) {
    reached("poll.filter");
    revents = poll_mask(*f, c.events) & (c.events | pollev::err | pollev::hup);
  } else {
    reached("poll.nval");
    if (f != nullptr) reached("files.o-path");
  }
  o.value = static_cast<long>(revents);
  o.ret = revents != 0 ? 1 : 0;
  return o;
}

std::uint32_t SimKernel::poll_mask(const OpenFile& f, std::uint32_t events) const {
  switch (f.kind) {
    case FileKind::dev_null:
    case FileKind::regular:
    case FileKind::memfd:
    case FileKind::directory:
      reached("poll.default-mask");
      if (f.kind == FileKind::dev_null)
        reached(f.id == 0 ? "process.stdio-dev-null" : "files.dev-null");
      return kDefaultMask;
    case FileKind::o_path:
      return pollev::nval;  // not reached: op_poll answers for it
    case FileKind::pidfd:
      return 0;  // pidfd_poll: POLLIN once the process exits, which scenario processes don't
    case FileKind::pipe_read: {
      reached("poll.pipe");
      // pipe_poll, read side: data, and POLLHUP once no writer is left.
      const Pipe& pipe = *pipes_[f.target];
      std::uint32_t m = pipe.unread_bytes() > 0 ? kReadable : 0;
      if (!pipe.writer_open) m |= pollev::hup;
      return m;
    }
    case FileKind::pipe_write: {
      reached("poll.pipe");
      // pipe_poll, write side: a free slot in the ring (pipe_full counts buffers, not bytes),
      // and POLLERR once no reader is left.
      const Pipe& pipe = *pipes_[f.target];
      std::uint32_t m = pipe.pages() < Pipe::max_pages ? (pollev::out | pollev::wrnorm) : 0;
      if (!pipe.reader_open) m |= pollev::err;
      return m;
    }
    case FileKind::unix_socket:
      return socket_poll_mask(unix_sock(f.target), events);
  }
  return 0;
}

// unix_poll (stream) and unix_dgram_poll (seqpacket and dgram). They differ where a scenario can
// tell: a stream socket in TCP_CLOSE is POLLHUP, and so is a seqpacket one; a dgram one is not;
// a dgram socket connected to a peer that is not connected back is not writable while that
// peer's queue is full (unix_recvq_full_lockless).
std::uint32_t SimKernel::socket_poll_mask(const UnixSocket& sk, std::uint32_t) const {
  std::uint32_t m = 0;
  if (sk.sk_err != Errno::ok) {
    reached("poll.pending-error");
    m |= pollev::err;
  }
  if (sk.shutdown == shutdown_mask) m |= pollev::hup;
  if (sk.shutdown & rcv_shutdown) m |= pollev::rdhup | kReadable;
  if (!sk.queue.empty() || sk.shutdown != 0) reached("poll.socket-readable");
  // A listener's queue holds one skb per connection not yet accepted.
  if (!sk.queue.empty() || !sk.pending.empty()) m |= kReadable;
  if (sk.queue.has_oob()) {
    reached("oob.mark");
    m |= pollev::pri;  // an out-of-band byte is waiting
  }
  if (sk.type != SockType::dgram && sk.state == SockState::unconnected) {
    reached("poll.unconnected-hup");
    m |= pollev::hup;
  }
  if (sk.state == SockState::listening) reached("poll.listener");
  // Neither a dgram peer's shutdown nor its close reaches us.
  if (sk.type == SockType::dgram && sk.peer != no_socket &&
      (unix_sock(sk.peer).dead || unix_sock(sk.peer).shutdown != 0))
    reached("poll.dgram-peer");
  // unix_writable: not listening, and sk_wmem_alloc * 4 <= sk_sndbuf, where sk_wmem_alloc is 1
  // (sk_alloc) plus the truesize of our skbs still queued.
  const std::size_t wmem = 1 + wmem_of(sk);
  bool writable = sk.state != SockState::listening && wmem * 4 <= sk.sndbuf;
  if (sk.state != SockState::listening) reached("poll.writable");
  if (writable && sk.type == SockType::dgram && sk.peer != no_socket) {
    const UnixSocket& other = unix_sock(sk.peer);
    const std::uint32_t self = sk.file != no_file ? files_[sk.file]->target : no_socket;
    if (other.peer != self && other.queue.segments() > kMaxDgramQlen) writable = false;
  }
  if (writable) m |= kWritable;
  return m;
}

}  // namespace fdlab::sim
