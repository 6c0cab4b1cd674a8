#pragma once
// Control messages as data: what a scenario's sendmsg puts in msg_control, laid out as Linux
// lays it out on one ABI (x86-64 for scenarios; a C program's own, capi/), and the kernel's reading of it (__scm_send, net/core/scm.c). Pure: the
// backends give the numbers only they know (their own pid and ids, which fds are open).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/control_space.h"
#include "core/errno_name.h"
#include "core/rules_reached.h"

namespace fdlab {

namespace cmsg {
// Linux's numbers, the same on every architecture (include/linux/socket.h, asm-generic/socket.h).
constexpr int sol_socket = 1;
constexpr int scm_rights = 1;
constexpr int scm_credentials = 2;
constexpr int scm_pidfd = 4;
constexpr int scm_inq = 84;  // SO_INQ's cmsg (Linux 6.17)
// PID_MAX_LIMIT (include/linux/threads.h): no pid is above it, on any machine.
constexpr std::int64_t pid_max_limit = 4 * 1024 * 1024;
// The overflow uid/gid a receiver sees for "no credentials" (kernel.overflowuid default).
constexpr std::int64_t overflow_id = 65534;
}  // namespace cmsg

// A pid, uid or gid a scenario writes into SCM_CREDENTIALS: its sender's own, pid 1 (init, a
// process that exists everywhere and is not the sender), or a number. Only numbers no machine
// can hand out are allowed for pids (<= 0 or above PID_MAX_LIMIT), so that the answer (ESRCH)
// is the same everywhere.
struct CredArg {
  enum class Kind : std::uint8_t { own, init, number } kind = Kind::own;
  std::int64_t number = 0;
};

// One cmsghdr as a scenario sends it. rights and creds are the kernel's two SOL_SOCKET types
// written the easy way; raw is any level, type and payload. cmsg_len, when given, replaces
// CMSG_LEN(payload) in the header (the bytes stay where CMSG_SPACE(payload) puts them).
struct SendCmsg {
  enum class Kind : std::uint8_t { rights, creds, raw } kind = Kind::rights;
  std::vector<int> fds;   // rights: fd numbers in the sender
  CredArg pid, uid, gid;  // creds
  std::int64_t level = cmsg::sol_socket;
  std::int64_t type = cmsg::scm_rights;
  std::string payload;                    // raw
  std::optional<std::uint64_t> cmsg_len;  // overrides CMSG_LEN(payload)
};

// msg_control and msg_controllen of a sendmsg that states them. Absent (given false): the
// control buffer is built from SendArgs::fds alone, as a C caller would.
struct SendControl {
  bool given = false;
  bool null = false;                      // msg_control is NULL
  std::optional<std::size_t> controllen;  // default: the cmsgs' total CMSG_SPACE
  std::vector<SendCmsg> cmsgs;
  // The bytes of msg_control exactly as a C caller handed them (capi/), in the kernel's ABI;
  // when set, cmsgs and controllen are not used.
  std::optional<std::string> image;
};

// What a backend fills in for "own" and answers about its processes.
struct CredNumbers {
  std::int64_t pid = 0;  // the sender's tgid
  std::int64_t uid = 0;
  std::int64_t gid = 0;
};

// The bytes of msg_control: each cmsg at the next CMSG_SPACE boundary of its payload, then
// zeros (or cut) to msg_controllen.
std::string control_image(const SendControl& control, const CredNumbers& own,
                          const cmsg::CmsgAbi& abi = cmsg::lp64);
std::size_t control_length(const SendControl& control, const cmsg::CmsgAbi& abi = cmsg::lp64);

// Credentials as a message carries them (UNIXCB(skb).pid, uid, gid), in numbers.
struct WireCreds {
  std::int64_t pid = 0;
  std::int64_t uid = 0;
  std::int64_t gid = 0;
  friend bool operator==(const WireCreds& a, const WireCreds& b) {
    return a.pid == b.pid && a.uid == b.uid && a.gid == b.gid;
  }
};

// What __scm_send made of a control buffer.
struct ScmSend {
  Errno err = Errno::ok;
  std::vector<int> fds;            // SCM_RIGHTS of every cmsg, in order
  std::optional<WireCreds> creds;  // the last SCM_CREDENTIALS
};

// The questions __scm_send asks its kernel.
class ScmSendHost {
 public:
  virtual ~ScmSendHost() = default;
  virtual bool fd_open(int fd) const = 0;               // fget_raw
  virtual bool pid_exists(std::int64_t pid) const = 0;  // find_get_pid
  virtual std::int64_t own_pid() const = 0;             // task_tgid_vnr(current)
  // scm_check_creds: the caller's real, effective and saved ids, and whether it has the
  // capabilities that let it state any (CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID: root).
  virtual bool privileged() const { return true; }
  virtual std::vector<std::int64_t> uids() const { return {0}; }
  virtual std::vector<std::int64_t> gids() const { return {0}; }
};

// __scm_send over `image` (msg_controllen bytes; a NULL msg_control is EFAULT before this, in
// ____sys_sendmsg, and the caller answers it). scm_check_creds lets a privileged caller state
// any existing pid and any valid id; anyone else only its own pid and its own ids (EPERM).
// The rules it applies are marked in `rules` (core/rules_reached.h), when given.
ScmSend scm_send(std::string_view image, const ScmSendHost& host, RulesReached* rules = nullptr,
                 const cmsg::CmsgAbi& abi = cmsg::lp64);

}  // namespace fdlab
