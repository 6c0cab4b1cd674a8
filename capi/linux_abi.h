#pragma once
// Linux's numbers for what the C boundary takes and gives (AF_*, SOCK_*, MSG_*, O_*, F_*,
// POLL*, SO_*), and their translation to and from the core's own names and bits. The numbers
// are Linux's on every target (musl under Emscripten uses them too), so this file states them
// rather than trusting the host's headers, whose errno numbers, for one, are not Linux's.
#include <sys/socket.h>

#include <cstdint>
#include <stdexcept>

#include "core/kernel.h"

namespace fdlab::capi {

// A value the model has no name for: the C boundary answers FDLAB_SIM_UNSUPPORTED.
class LinuxAbiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace linux_abi {

constexpr int af_unspec = 0;
constexpr int af_unix = 1;
constexpr int sock_nonblock = 04000;
constexpr int sock_cloexec = 02000000;
constexpr int o_cloexec = 02000000;
constexpr int f_dupfd = 0;

struct SocketArgs {
  Errno err = Errno::ok;
  SockType type = SockType::stream;
  bool nonblock = false;
  bool cloexec = false;
};
// socket(2)'s domain, type (with SOCK_NONBLOCK/SOCK_CLOEXEC) and protocol, as unix_create
// judges them. A domain other than AF_UNIX is LinuxAbiError: Linux serves it, the model not.
SocketArgs socket_args(int domain, int type, int protocol);

struct Address {
  Errno err = Errno::ok;
  bool unspec = false;       // AF_UNSPEC (connect: dissolve a dgram association)
  bool family_only = false;  // addrlen == sizeof(sa_family_t): autobind for bind
  SockAddr addr;
};
// A struct sockaddr_un as unix_validate_addr and unix_mkname_bsd read it.
Address address_of(const struct sockaddr* addr, socklen_t len);
// Writes `a` as accept/recvmsg/getsockname do: at most *len bytes, *len set to the full size.
void put_address(const ReportedAddr& a, struct sockaddr* out, socklen_t* len);

std::uint32_t msg_flags_in(int flags);  // LinuxAbiError for a bit the model has no name for
int msg_flags_out(std::uint32_t bits);

// msg_control as recvmsg fills it: each cmsg the model reports, at CMSG_SPACE steps of `abi`,
// the last one cut to what is left; msg_controllen set to what was used.
void put_cmsgs(const Outcome& o, const cmsg::CmsgAbi& abi, struct msghdr* msg);

struct FcntlArgs {
  FcntlCmd cmd = FcntlCmd::getfd;
  long arg = 0;  // core bits
};
FcntlArgs fcntl_args(int cmd, long arg);
long fcntl_result(FcntlCmd cmd, long core_value);  // F_GETFD/F_GETFL in Linux's bits

bool shut_how(int how, ShutHow& out);
SockOpt sock_opt(int level, int name);
long sock_opt_value(SockOpt opt, long core_value);  // SO_TYPE's SockType as SOCK_*

std::uint32_t poll_events_in(short events);
short poll_events_out(std::uint32_t bits);

}  // namespace linux_abi
}  // namespace fdlab::capi
