#include "sim/unix_socket.h"

namespace fdlab::sim {

std::uint8_t shutdown_bits(ShutHow how) {
  switch (how) {
    case ShutHow::rd:
      return rcv_shutdown;
    case ShutHow::wr:
      return send_shutdown;
    case ShutHow::rdwr:
      return shutdown_mask;
  }
  return 0;
}

std::uint8_t peer_shutdown_bits(std::uint8_t bits) {
  std::uint8_t peer = 0;
  if (bits & rcv_shutdown) peer |= send_shutdown;
  if (bits & send_shutdown) peer |= rcv_shutdown;
  return peer;
}

}  // namespace fdlab::sim
