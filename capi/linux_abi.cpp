#include "capi/linux_abi.h"

#include <poll.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "core/control_message.h"

namespace fdlab::capi::linux_abi {
namespace {

struct Bit {
  int linux_value;
  std::uint32_t core;
};

// include/linux/socket.h
constexpr std::array<Bit, 15> kMsgBits = {{{0x1, msg::oob},
                                           {0x2, msg::peek},
                                           {0x4, msg::dontroute},
                                           {0x8, msg::ctrunc},
                                           {0x20, msg::trunc},
                                           {0x40, msg::dontwait},
                                           {0x80, msg::eor},
                                           {0x100, msg::waitall},
                                           {0x800, msg::confirm},
                                           {0x2000, msg::errqueue},
                                           {0x4000, msg::nosignal},
                                           {0x8000, msg::more},
                                           {0x4000000, msg::zerocopy},
                                           {0x20000000, msg::fastopen},
                                           {0x40000000, msg::cmsg_cloexec}}};

// include/uapi/asm-generic/poll.h
constexpr std::array<Bit, 11> kPollBits = {{{0x1, pollev::in},
                                            {0x2, pollev::pri},
                                            {0x4, pollev::out},
                                            {0x8, pollev::err},
                                            {0x10, pollev::hup},
                                            {0x20, pollev::nval},
                                            {0x40, pollev::rdnorm},
                                            {0x80, pollev::rdband},
                                            {0x100, pollev::wrnorm},
                                            {0x200, pollev::wrband},
                                            {0x2000, pollev::rdhup}}};

// include/uapi/asm-generic/fcntl.h: the status flags F_GETFL reports and F_SETFL takes.
constexpr std::array<Bit, 5> kStatusBits = {{{04000, static_cast<std::uint32_t>(fl::nonblock)},
                                             {02000, static_cast<std::uint32_t>(fl::append)},
                                             {01, static_cast<std::uint32_t>(fl::wronly)},
                                             {02, static_cast<std::uint32_t>(fl::rdwr)},
                                             {010000000, static_cast<std::uint32_t>(fl::path)}}};

template <std::size_t N>
std::uint32_t to_core(const std::array<Bit, N>& table, long value, const char* what) {
  std::uint32_t bits = 0;
  long known = 0;
  for (const Bit& b : table) {
    if (value & b.linux_value) bits |= b.core;
    known |= b.linux_value;
  }
  if ((value & ~known) != 0) throw LinuxAbiError(what);
  return bits;
}

template <std::size_t N>
long to_linux(const std::array<Bit, N>& table, std::uint32_t bits) {
  long value = 0;
  for (const Bit& b : table)
    if (bits & b.core) value |= b.linux_value;
  return value;
}

void put_int(char* at, std::size_t room, std::int64_t v, std::size_t size) {
  // Little-endian, as on every target fdlab builds for (x86-64, arm64, wasm32).
  for (std::size_t i = 0; i < size && i < room; ++i)
    at[i] = static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff);
}

// The payload of one cmsg the model reported, whole; put_cmsgs cuts it to the cmsg's len.
std::string payload_of(const RecvCmsg& c, const Outcome& o, const cmsg::CmsgAbi& abi,
                       std::size_t& next_fd) {
  std::string p;
  auto add = [&p](std::int64_t v) {
    char b[4];
    put_int(b, 4, v, 4);
    p.append(b, 4);
  };
  switch (c.type) {
    case cmsg::scm_rights: {
      // The installed fds, in order; a pidfd, when there is one, comes after them.
      const std::size_t n = (c.len - std::min(c.len, abi.header_size)) / cmsg::fd_size;
      for (std::size_t i = 0; i < n && next_fd < o.fds.size(); ++i) add(o.fds[next_fd++].fd);
      break;
    }
    case cmsg::scm_credentials:
      add(o.creds.pid_number);
      add(o.creds.uid.number);
      add(o.creds.gid.number);
      break;
    case cmsg::scm_pidfd:
    case cmsg::scm_inq:
      add(c.value);
      break;
    default:
      throw LinuxAbiError("a cmsg type capi cannot write");
  }
  return p;
}

}  // namespace

SocketArgs socket_args(int domain, int type, int protocol) {
  SocketArgs a;
  if (domain != af_unix) throw LinuxAbiError("a domain other than AF_UNIX");
  a.nonblock = (type & sock_nonblock) != 0;
  a.cloexec = (type & sock_cloexec) != 0;
  switch (type & ~(sock_nonblock | sock_cloexec)) {
    case 1:
      a.type = SockType::stream;
      break;
    case 2:
      a.type = SockType::dgram;
      break;
    case 5:
      a.type = SockType::seqpacket;
      break;
    default:
      // unix_create: SOCK_RAW is turned into SOCK_DGRAM, others are ESOCKTNOSUPPORT, which
      // the model has no name for.
      throw LinuxAbiError("a socket type other than stream, dgram and seqpacket");
  }
  // unix_create: protocol 0 or PF_UNIX.
  if (protocol != 0 && protocol != af_unix) a.err = Errno::eprotonosupport;
  return a;
}

Address address_of(const struct sockaddr* addr, socklen_t len) {
  Address a;
  constexpr socklen_t family = sizeof(sa_family_t);
  if (addr == nullptr) {
    a.err = Errno::efault;
    return a;
  }
  // unix_validate_addr: at least the family, at most a whole sockaddr_un, the right family.
  if (len < family || len > sizeof(struct sockaddr_un)) {
    a.err = Errno::einval;
    return a;
  }
  if (addr->sa_family == af_unspec) {
    a.unspec = true;
    return a;
  }
  if (addr->sa_family != af_unix) {
    a.err = Errno::einval;
    return a;
  }
  if (len == family) {
    a.family_only = true;
    return a;
  }
  const auto* un = reinterpret_cast<const struct sockaddr_un*>(addr);
  const std::size_t n = len - family;
  if (un->sun_path[0] == '\0') {
    a.addr.abstract = true;
    a.addr.name.assign(un->sun_path + 1, n - 1);
    // The native backend spends kAbstractTagLen bytes of every abstract name on its run tag;
    // the model refuses what would not fit there too (core/kernel.h).
    if (a.addr.name.size() > kMaxAbstractName)
      throw LinuxAbiError("an abstract name longer than fdlab's 91 bytes");
  } else {
    // unix_mkname_bsd: the path ends at the first NUL or at addrlen.
    a.addr.name.assign(un->sun_path, strnlen(un->sun_path, n));
  }
  return a;
}

void put_address(const ReportedAddr& a, struct sockaddr* out, socklen_t* len) {
  struct sockaddr_un un;
  std::memset(&un, 0, sizeof un);
  un.sun_family = af_unix;
  socklen_t full = sizeof(sa_family_t);
  switch (a.kind) {
    case ReportedAddr::Kind::unnamed:
      break;
    case ReportedAddr::Kind::named:
      if (a.addr.abstract) {
        std::memcpy(un.sun_path + 1, a.addr.name.data(), a.addr.name.size());
        full += static_cast<socklen_t>(1 + a.addr.name.size());
      } else {
        std::memcpy(un.sun_path, a.addr.name.data(), a.addr.name.size());
        // unix_getname reports the path with its NUL when it fits.
        full += static_cast<socklen_t>(a.addr.name.size() + 1);
      }
      break;
    case ReportedAddr::Kind::autobind:
      // Five hex digits in the abstract namespace; the model does not keep which.
      throw LinuxAbiError("an autobound address (the model does not keep its digits)");
  }
  full = std::min<socklen_t>(full, sizeof un);
  std::memcpy(out, &un, std::min(*len, full));
  *len = full;
}

std::uint32_t msg_flags_in(int flags) { return to_core(kMsgBits, flags, "a MSG_ flag"); }
int msg_flags_out(std::uint32_t bits) { return static_cast<int>(to_linux(kMsgBits, bits)); }

void put_cmsgs(const Outcome& o, const cmsg::CmsgAbi& abi, struct msghdr* msg) {
  char* control = static_cast<char*>(msg->msg_control);
  const std::size_t room = control == nullptr ? 0 : static_cast<std::size_t>(msg->msg_controllen);
  std::size_t at = 0;
  std::size_t next_fd = 0;
  for (const RecvCmsg& c : o.cmsgs) {
    if (at + abi.header_size > room) break;  // put_cmsg writes no header it cannot write whole
    const std::string payload = payload_of(c, o, abi, next_fd);
    put_int(control + at, room - at, static_cast<std::int64_t>(c.len), abi.len_size);
    put_int(control + at + abi.len_size, room - at - abi.len_size, cmsg::sol_socket, 4);
    put_int(control + at + abi.len_size + 4, room - at - abi.len_size - 4, c.type, 4);
    const std::size_t body = std::min(c.len - abi.header_size, room - at - abi.header_size);
    std::memcpy(control + at + abi.header_size, payload.data(), std::min(body, payload.size()));
    at += std::min(abi.space(c.len - abi.header_size), room - at);
  }
  msg->msg_controllen = static_cast<decltype(msg->msg_controllen)>(o.msg_controllen);
}

FcntlArgs fcntl_args(int cmd, long arg) {
  FcntlArgs a;
  switch (cmd) {
    case 1:  // F_GETFD
      a.cmd = FcntlCmd::getfd;
      break;
    case 2:  // F_SETFD: FD_CLOEXEC is the only fd flag
      a.cmd = FcntlCmd::setfd;
      a.arg = (arg & 1) != 0 ? 1 : 0;
      break;
    case 3:  // F_GETFL
      a.cmd = FcntlCmd::getfl;
      break;
    case 4: {  // F_SETFL: setfl() ignores the access mode and creation bits
      a.cmd = FcntlCmd::setfl;
      a.arg = static_cast<long>(to_core(kStatusBits, arg & (04000 | 02000), "an F_SETFL flag"));
      if ((arg & ~(04000L | 02000L | 03L | 0700L | 01000L)) != 0)
        throw LinuxAbiError("an F_SETFL flag the model does not have (O_ASYNC, O_DIRECT, ...)");
      break;
    }
    default:
      throw LinuxAbiError("an fcntl command other than F_GETFD, F_SETFD, F_GETFL, F_SETFL");
  }
  return a;
}

long fcntl_result(FcntlCmd cmd, long core_value) {
  if (cmd == FcntlCmd::getfl) return to_linux(kStatusBits, static_cast<std::uint32_t>(core_value));
  return core_value;  // F_GETFD: FD_CLOEXEC is 1 in both; setters return 0
}

bool shut_how(int how, ShutHow& out) {
  switch (how) {
    case 0:
      out = ShutHow::rd;
      return true;
    case 1:
      out = ShutHow::wr;
      return true;
    case 2:
      out = ShutHow::rdwr;
      return true;
    default:
      return false;
  }
}

SockOpt sock_opt(int level, int name) {
  if (level != 1) throw LinuxAbiError("a socket option level other than SOL_SOCKET");
  switch (name) {  // include/uapi/asm-generic/socket.h
    case 3:
      return SockOpt::type;
    case 7:
      return SockOpt::sndbuf;
    case 8:
      return SockOpt::rcvbuf;
    case 10:
      return SockOpt::oobinline;
    case 16:
      return SockOpt::passcred;
    case 42:
      return SockOpt::peek_off;
    case 76:
      return SockOpt::passpidfd;
    case 83:
      return SockOpt::passrights;
    case 84:
      return SockOpt::inq;
    default:
      // SO_PEERCRED (a struct) and SO_PEERPIDFD (an fd) do not fit an int's API.
      throw LinuxAbiError("a socket option capi does not serve");
  }
}

long sock_opt_value(SockOpt opt, long core_value) {
  if (opt != SockOpt::type) return core_value;
  switch (static_cast<SockType>(core_value)) {
    case SockType::stream:
      return 1;
    case SockType::dgram:
      return 2;
    case SockType::seqpacket:
      return 5;
  }
  return core_value;
}

std::uint32_t poll_events_in(short events) {
  return to_core(kPollBits, static_cast<unsigned short>(events), "a poll event");
}

short poll_events_out(std::uint32_t bits) { return static_cast<short>(to_linux(kPollBits, bits)); }

}  // namespace fdlab::capi::linux_abi
