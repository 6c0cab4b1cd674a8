#pragma once
// One AF_UNIX socket endpoint (struct unix_sock): its peer, its receive queue, its shutdown
// state and pending error. Queue rules live in core/recv_queue; this is the endpoint's state.
#include <cstddef>
#include <cstdint>

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

constexpr std::uint32_t no_socket = UINT32_MAX;

struct UnixSocket {
  SockType type = SockType::stream;
  std::uint32_t file = 0;          // the FileRef slot of its open file description
  std::uint32_t peer = no_socket;  // unix_peer(sk); still set after the peer died
  bool dead = false;               // SOCK_DEAD: released
  std::uint8_t shutdown = 0;       // sk_shutdown
  Errno sk_err = Errno::ok;        // reported once by sock_error(), then cleared
  std::size_t sndbuf = skb::default_sndbuf;
  RecvQueue queue;

  // sock_error(): the pending error, cleared by reading it.
  Errno take_error() {
    Errno e = sk_err;
    sk_err = Errno::ok;
    return e;
  }
};

}  // namespace fdlab::sim
