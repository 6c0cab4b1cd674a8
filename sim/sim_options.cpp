// SimKernel's socket options and RLIMIT_NOFILE, after net/core/sock.c (sk_setsockopt,
// sk_getsockopt) and fs/file.c (alloc_fd). Values measured on Linux 6.18 (docs/rules/limits.json).
#include <algorithm>

#include "sim/sim_kernel.h"

namespace fdlab::sim {
namespace {

// SOCK_MIN_SNDBUF = 2 * (2048 + SKB_TRUESIZE(0)'s 256) and SOCK_MIN_RCVBUF = 2048 + 256
// (include/net/sock.h), measured: SO_SNDBUF 1 reads back 4608, SO_RCVBUF 1 reads 2304.
constexpr long kMinSndbuf = 4608;
constexpr long kMinRcvbuf = 2304;
// net.core.wmem_max / rmem_max on the machine the corpus was measured on (4194304; the
// kernel's own default is 212992). A scenario that reaches the cap depends on this sysctl.
constexpr unsigned long kWmemMax = 4194304;
constexpr unsigned long kRmemMax = 4194304;

// sk_setsockopt: "val = min_t(u32, val, sysctl_wmem_max)" — an unsigned compare, so a
// negative value is clamped to the maximum — then doubled, and at least the minimum.
long doubled_buffer(long value, unsigned long max, long min, RulesReached* rules) {
  const unsigned long v = std::min<unsigned long>(static_cast<std::uint32_t>(value), max);
  reached(rules, "limits.buffer-doubled");
  if (static_cast<long>(v * 2) < min) reached(rules, "limits.buffer-minimum");
  return std::max(static_cast<long>(v * 2), min);
}

}  // namespace

Outcome SimKernel::op_setsockopt(ProcId p, const Call& c) {
  const int sock = c.fd;
  const SockOpt opt = c.opt;
  const long value = c.value;
  SocketAt at = socket_at(p, sock);
  if (at.err != Errno::ok) {
    reached("limits.sockopt-errors");  // ENOTSOCK, EBADF
    return Outcome::failure(at.err);
  }
  UnixSocket* sk = at.socket;
  switch (opt) {
    case SockOpt::sndbuf:
      sk->sndbuf = static_cast<std::size_t>(doubled_buffer(value, kWmemMax, kMinSndbuf, rules_));
      break;
    case SockOpt::rcvbuf:
      // AF_UNIX stream accounting is on the sender's sndbuf; rcvbuf is only stored.
      sk->rcvbuf = static_cast<std::size_t>(doubled_buffer(value, kRmemMax, kMinRcvbuf, rules_));
      break;
    case SockOpt::passcred:
      sk->passcred = value != 0;
      break;
    case SockOpt::passrights:
      sk->passrights = value != 0;
      break;
    case SockOpt::inq:
      // unix_setsockopt: a stream socket's option, 0 or 1 only.
      reached("options.inq");
      if (sk->type != SockType::stream) return Outcome::failure(Errno::enoprotoopt);
      if (value != 0 && value != 1) return Outcome::failure(Errno::einval);
      sk->inq = value != 0;
      break;
    case SockOpt::passpidfd:
      sk->passpidfd = value != 0;
      break;
    case SockOpt::oobinline:
      sk->oobinline = value != 0;
      break;
    case SockOpt::peek_off:
      reached("options.peek-off");
      sk->peek_off = value;  // unix_set_peek_off: any value; a negative one turns it off
      break;
    case SockOpt::type:
    case SockOpt::peercred:
    case SockOpt::peerpidfd:
      reached(opt == SockOpt::type       ? "limits.sockopt-errors"
              : opt == SockOpt::peercred ? "options.peercred"
                                         : "options.passpidfd");
      return Outcome::failure(Errno::enoprotoopt);  // read-only
  }
  return Outcome{};
}

Outcome SimKernel::op_getsockopt(ProcId p, const Call& c) {
  const int sock = c.fd;
  const SockOpt opt = c.opt;
  SocketAt at = socket_at(p, sock);
  if (at.err != Errno::ok) {
    reached("limits.sockopt-errors");  // ENOTSOCK, EBADF
    return Outcome::failure(at.err);
  }
  const UnixSocket* sk = at.socket;
  Outcome o;
  switch (opt) {
    case SockOpt::sndbuf:
      reached("limits.buffer-doubled");
      o.value = static_cast<long>(sk->sndbuf);
      break;
    case SockOpt::rcvbuf:
      reached("limits.buffer-doubled");
      o.value = static_cast<long>(sk->rcvbuf);
      break;
    case SockOpt::passcred:
      reached("limits.sockopt-errors");  // 0 or 1, whatever was set
      o.value = sk->passcred ? 1 : 0;
      break;
    case SockOpt::type:
      reached("limits.sockopt-errors");
      o.value = static_cast<long>(sk->type);
      break;
    case SockOpt::passrights:
      o.value = sk->passrights ? 1 : 0;
      break;
    case SockOpt::inq:
      reached("options.inq");
      return Outcome::failure(Errno::enoprotoopt);  // measured: 6.18 has no getter for it
    case SockOpt::peek_off:
      reached("options.peek-off");
      o.value = sk->peek_off;
      break;
    case SockOpt::passpidfd:
      o.value = sk->passpidfd ? 1 : 0;
      break;
    case SockOpt::oobinline:
      o.value = sk->oobinline ? 1 : 0;
      break;
    case SockOpt::peerpidfd: {
      // sk_getsockopt: a new pidfd (O_CLOEXEC) of the peer's pid, taken with its credentials;
      // none yet is ENODATA.
      reached("options.passpidfd");
      reached("options.peercred");  // the process SO_PEERCRED names
      if (sk->peer_uid < 0) return Outcome::failure(Errno::enodata);
      if (at_fd_limit(p, 1)) return Outcome::failure(Errno::emfile);
      FileRef r = new_file(FileKind::pidfd, fl::rdwr, true);
      hold(r);
      o.fds.push_back(install(p, r, true));
      o.value = o.fds.back().fd;
      break;
    }
    case SockOpt::peercred:
      reached("options.peercred");
      // sk_peer_pid/sk_peer_cred: the creator's (socketpair), the listener's (the connecting
      // end), the connector's (an accepted end), the listener's own.
      o.creds = peer_creds(*sk);
      break;
  }
  return o;
}

Outcome SimKernel::op_setrlimit(ProcId p, const Call& c) {
  const long soft = c.value;
  table(p);
  // Lowering the limit below open fds is allowed; those fds stay usable (measured).
  nofile_[p] = soft;
  return Outcome{};
}

bool SimKernel::at_fd_limit(ProcId p, std::size_t wanted) {
  if (fd_room(p, wanted) >= wanted) return false;
  reached("limits.rlimit-emfile");
  return true;
}

std::size_t SimKernel::fd_room(ProcId p, std::size_t wanted) {
  auto it = nofile_.find(p);
  if (it == nofile_.end()) return wanted;
  const auto limit = static_cast<std::size_t>(it->second);
  const auto& entries = table(p).entries();
  std::size_t room = 0;
  for (std::size_t fd = 0; fd < limit && room < wanted; ++fd)
    if (fd >= entries.size() || !entries[fd].used) ++room;
  return room;
}

}  // namespace fdlab::sim
