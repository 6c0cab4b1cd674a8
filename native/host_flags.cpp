#include "native/host_flags.h"

#include <fcntl.h>
#include <sys/socket.h>

#include <array>
#include <utility>

namespace fdlab::native {
namespace {

constexpr std::array<std::pair<std::uint32_t, int>, 15> kMsg = {{
    {msg::peek, MSG_PEEK},
    {msg::dontwait, MSG_DONTWAIT},
    {msg::cmsg_cloexec, MSG_CMSG_CLOEXEC},
    {msg::nosignal, MSG_NOSIGNAL},
    {msg::waitall, MSG_WAITALL},
    {msg::trunc, MSG_TRUNC},
    {msg::ctrunc, MSG_CTRUNC},
    {msg::eor, MSG_EOR},
    {msg::dontroute, MSG_DONTROUTE},
    {msg::more, MSG_MORE},
    {msg::confirm, MSG_CONFIRM},
    {msg::errqueue, MSG_ERRQUEUE},
    {msg::fastopen, MSG_FASTOPEN},
    {msg::zerocopy, MSG_ZEROCOPY},
    {msg::oob, MSG_OOB},
}};

constexpr std::array<std::pair<SockType, int>, 3> kSockType = {{
    {SockType::stream, SOCK_STREAM},
    {SockType::seqpacket, SOCK_SEQPACKET},
    {SockType::dgram, SOCK_DGRAM},
}};

}  // namespace

int host_sock_flags(bool nonblock, bool cloexec) {
  return (nonblock ? SOCK_NONBLOCK : 0) | (cloexec ? SOCK_CLOEXEC : 0);
}

int host_sock_type(SockType type, bool nonblock, bool cloexec) {
  int t = SOCK_DGRAM;
  for (const auto& [core, host] : kSockType)
    if (core == type) t = host;
  return t | host_sock_flags(nonblock, cloexec);
}

std::optional<SockType> sock_type_from_host(int host_type) {
  for (const auto& [core, host] : kSockType)
    if (host == host_type) return core;
  return std::nullopt;
}

int host_msg_flags(std::uint32_t core_bits) {
  int out = 0;
  for (const auto& [core, host] : kMsg)
    if (core_bits & core) out |= host;
  return out;
}

std::uint32_t msg_flags_from_host(int host_flags) {
  std::uint32_t out = 0;
  for (const auto& [core, host] : kMsg)
    if (host_flags & host) out |= core;
  return out;
}

int host_status_flags(long core_bits) {
  int out = O_RDONLY;
  if (core_bits & fl::wronly) out |= O_WRONLY;
  if (core_bits & fl::rdwr) out |= O_RDWR;
  if (core_bits & fl::append) out |= O_APPEND;
  if (core_bits & fl::nonblock) out |= O_NONBLOCK;
  if (core_bits & fl::path) out |= O_PATH;
  return out;
}

long status_flags_from_host(int host_flags) {
  long out = fl::rdonly;
  switch (host_flags & O_ACCMODE) {
    case O_WRONLY:
      out |= fl::wronly;
      break;
    case O_RDWR:
      out |= fl::rdwr;
      break;
    default:
      break;
  }
  if (host_flags & O_APPEND) out |= fl::append;
  if (host_flags & O_NONBLOCK) out |= fl::nonblock;
  if (host_flags & O_PATH) out |= fl::path;
  return out;
}

// The core spells FD_CLOEXEC as bit 0 (core/flag_names.cpp), as Linux does; map it anyway so
// the core's value is a decision of the core, not an accident of the host.
int host_fd_flags(long core_bits) { return (core_bits & 1) ? FD_CLOEXEC : 0; }
long fd_flags_from_host(int host_flags) { return (host_flags & FD_CLOEXEC) ? 1 : 0; }

}  // namespace fdlab::native
