#pragma once
// One AF_UNIX socket endpoint (struct unix_sock): its peer, its receive queue, its shutdown
// state and pending error. Queue rules live in core/recv_queue; this is the endpoint's state.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "core/errno_name.h"
#include "core/kernel.h"
#include "core/recv_queue.h"
#include "core/send_buffer.h"

namespace fdlab::sim {

// sk_shutdown bits (include/net/sock.h).
constexpr std::uint8_t rcv_shutdown = 1;
constexpr std::uint8_t send_shutdown = 2;
constexpr std::uint8_t shutdown_mask = 3;

// SHUT_RD -> RCV_SHUTDOWN, SHUT_WR -> SEND_SHUTDOWN, SHUT_RDWR -> both (unix_shutdown).
std::uint8_t shutdown_bits(ShutHow how);
// What the peer gets when we shut down `bits`: our RCV is its SEND and vice versa.
std::uint8_t peer_shutdown_bits(std::uint8_t bits);

// SUN_LEN-style lengths (no NUL), so a 108-byte path fits and 109 does not; abstract names
// lose kAbstractTagLen bytes to the native backend's tag (core/kernel.h). unix_validate_addr
// says EINVAL otherwise.
inline bool address_fits(const SockAddr& a) {
  return a.abstract ? a.name.size() <= kMaxAbstractName : a.name.size() <= kSunPathLen;
}

// net.unix.max_dgram_qlen, the kernel's default (a sysctl: the machine the corpus was measured
// on keeps it): a dgram socket's sk_max_ack_backlog.
constexpr std::size_t kMaxDgramQlen = 10;

constexpr std::uint32_t no_socket = UINT32_MAX;
constexpr std::uint32_t no_file = UINT32_MAX;  // an embryo socket not yet accepted has no file

// sk_state, as far as the rules need it: TCP_ESTABLISHED (socketpair's sockets and both ends
// of an accepted connection), TCP_CLOSE (a new socket) and TCP_LISTEN.
enum class SockState : std::uint8_t { established, unconnected, listening };

struct UnixSocket {
  SockType type = SockType::stream;
  std::uint32_t file = 0;          // the FileRef slot of its open file description
  std::uint32_t peer = no_socket;  // unix_peer(sk); still set after the peer died
  // How many sockets have this one as their peer (sock_hold in unix_peer): a released socket
  // is freed when the last of them lets go (SimKernel::drop_peer).
  std::uint32_t held_by = 0;
  bool dead = false;          // SOCK_DEAD: released
  std::uint8_t shutdown = 0;  // sk_shutdown
  Errno sk_err = Errno::ok;   // reported once by sock_error(), then cleared
  std::size_t sndbuf = skb::default_sndbuf;
  std::size_t rcvbuf = skb::default_sndbuf;  // net.core.rmem_default, same value here
  SockState state = SockState::established;
  bool passcred = false;   // SO_PASSCRED
  bool passrights = true;  // SO_PASSRIGHTS: may be sent fds (6.16)
  bool passpidfd = false;  // SO_PASSPIDFD: SCM_PIDFD with every read (6.5)
  bool oobinline = false;  // SO_OOBINLINE (SOCK_URGINLINE): the out-of-band byte stays in line
  bool inq = false;        // SO_INQ: SCM_INQ with every stream read (6.17)
  long peek_off = -1;      // SO_PEEK_OFF: where MSG_PEEK starts; -1 off (sk_peek_off)
  // SO_PEERCRED (sk_peer_cred): the ids taken when the socket got its peer; -1: none yet.
  std::int64_t peer_uid = -1;
  std::int64_t peer_gid = -1;
  // Named sockets (sim/sim_named_ops.cpp): the address bound, and for a listener its backlog
  // and the embryo sockets of connections not yet accepted (unix_stream_connect).
  bool bound = false;
  bool abstract = false;
  int addr_key = -1;       // its entry in SimKernel::addrs_, made by its first send
  bool autobound = false;  // unix_autobind chose the (abstract) name: nobody can name it
  std::string name;
  int backlog = 0;  // sk_max_ack_backlog
  std::deque<std::uint32_t> pending;
  RecvQueue queue;

  // unix_may_passcred: SO_PASSCRED or SO_PASSPIDFD, either of which wants the sender's pid.
  bool may_passcred() const { return passcred || passpidfd; }

  // sock_error(): the pending error, cleared by reading it.
  Errno take_error() {
    Errno e = sk_err;
    sk_err = Errno::ok;
    return e;
  }
};

}  // namespace fdlab::sim
