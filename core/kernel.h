#pragma once
// The Kernel interface: every backend (sim, native) implements these operations with the
// same normalized results, so that a scenario's trace can be compared byte for byte.
//
// Conventions shared by every backend:
// - A scenario process is a ProcId (0, 1, ...) created by add_process(); it starts with exactly
//   fds 0, 1 and 2 open, so that "lowest free fd" numbering agrees across backends.
// - Every open file description gets an ObjectId when it is created (1, 2, 3, ... in creation
//   order; socketpair and pipe number their two ends in the order fds[0], fds[1]). A received
//   or duplicated fd reports the ObjectId of the description it refers to, never a new one.
//
// One error convention, for all of fdlab:
// - What the modelled kernel answers is an Outcome: a return value, or ret -1 with a symbolic
//   errno (Errno, never a host number: Emscripten's numbers differ from Linux's).
// - A call that would wait forever is Outcome::would_block(): blocked, with ret -1, a state of
//   its own that cannot read as success or as EOF. Outcome::succeeded() says "returned, no errno".
// - What goes wrong in the harness (a bad scenario, a backend that cannot do its job) is a
//   HarnessError (core/harness_error.h), never a modelled errno. It names the file, the step and
//   the field; one raised deep in a backend gets the file and step from the replay that called
//   it (HarnessError::located).
#include <cstdint>
#include <string>
#include <vector>

#include "core/control_message.h"
#include "core/control_space.h"
#include "core/errno_name.h"
#include "core/op_table.h"

namespace fdlab {

class RulesReached;  // core/rules_reached.h

using ProcId = int;
using ObjectId = int;

enum class SockType : std::uint8_t { stream, seqpacket, dgram };

// msg_flags and send/recv flags, as the core's own bits (not the host's MSG_* values).
namespace msg {
constexpr std::uint32_t peek = 1u << 0;          // MSG_PEEK
constexpr std::uint32_t dontwait = 1u << 1;      // MSG_DONTWAIT
constexpr std::uint32_t cmsg_cloexec = 1u << 2;  // MSG_CMSG_CLOEXEC
constexpr std::uint32_t nosignal = 1u << 3;      // MSG_NOSIGNAL
constexpr std::uint32_t waitall = 1u << 4;       // MSG_WAITALL
constexpr std::uint32_t trunc = 1u << 5;         // MSG_TRUNC (in and out)
constexpr std::uint32_t ctrunc = 1u << 6;        // MSG_CTRUNC (out)
constexpr std::uint32_t eor = 1u << 7;           // MSG_EOR
// Accepted by AF_UNIX and without effect there (measured on 6.18, scenarios/options): the
// model only has to pass them on.
constexpr std::uint32_t dontroute = 1u << 8;  // MSG_DONTROUTE
constexpr std::uint32_t more = 1u << 9;       // MSG_MORE
constexpr std::uint32_t confirm = 1u << 10;   // MSG_CONFIRM
constexpr std::uint32_t errqueue = 1u << 11;  // MSG_ERRQUEUE
constexpr std::uint32_t fastopen = 1u << 12;  // MSG_FASTOPEN
constexpr std::uint32_t zerocopy = 1u << 13;  // MSG_ZEROCOPY
constexpr std::uint32_t oob = 1u << 14;       // MSG_OOB (in and out)
}  // namespace msg

// A socket address as a scenario names it: a name inside the scenario's private directory (the
// sim's in-memory namespace; native: a file in its private temp dir), or an abstract name.
struct SockAddr {
  std::string name;
  bool abstract = false;
};

// An address as a socket reports it (getsockname, getpeername, recvfrom): none (unnamed, or no
// msg_name at all), a path or abstract name a scenario bound, or a name the kernel chose
// (autobind: five hex digits in the abstract namespace, different on every run).
struct ReportedAddr {
  enum class Kind : std::uint8_t { unnamed, named, autobind } kind = Kind::unnamed;
  SockAddr addr;
};

// sun_path is 108 bytes; a path may fill all of it (no NUL needed, measured). The native
// backend spends kAbstractTagLen bytes of an abstract name on a per-run tag (so parallel runs
// cannot collide), so the longest abstract name a scenario can bind is 107 - 16 = 91 bytes on
// every backend; one byte more is EINVAL (unix_validate_addr).
constexpr std::size_t kSunPathLen = 108;
constexpr std::size_t kAbstractTagLen = 16;
constexpr std::size_t kMaxAbstractName = kSunPathLen - 1 - kAbstractTagLen;
// NAME_MAX: a file name (one path component) longer than this is ENAMETOOLONG wherever the
// file system looks it up (unlink here; bind and connect stop earlier, at kSunPathLen).
constexpr std::size_t kNameMax = 255;

// SOL_SOCKET options a scenario can set or read. passrights (6.16) and inq (6.17) are newer than
// the others; their scenarios say min_kernel.
enum class SockOpt : std::uint8_t {
  sndbuf,
  rcvbuf,
  passcred,
  type,
  passrights,
  inq,
  peercred,
  peek_off,
  passpidfd,
  peerpidfd,
  oobinline
};

// The credentials of an SCM_CREDENTIALS message, symbolically: real pids differ between runs
// and backends (docs/decisions.md, "Credentials"). none is pid 0 (a segment sent without
// credentials, or a stream's EOF); scenario is the tgid of a scenario process (every one on
// native: they are threads of one process); init is pid 1, which a sender may name.
enum class CredPid : std::uint8_t { none, scenario, init };

// A uid or gid as received: the harness's own ("self"), or a number.
struct CredId {
  bool self = false;
  std::int64_t number = 0;
};

struct Creds {
  bool present = false;  // an SCM_CREDENTIALS cmsg came, whole or cut short
  int fields = 0;        // how many of pid, uid, gid it holds whole (3 unless MSG_CTRUNC cut it)
  CredPid pid = CredPid::none;
  CredId uid, gid;
  // The pid as a number, for capi/ which writes a real struct ucred; traces use `pid` only
  // (real pids differ between runs and backends).
  std::int64_t pid_number = 0;
};

// One fd that an operation created or installed in the calling process.
struct NewFd {
  int fd = -1;
  ObjectId object = 0;
  bool cloexec = false;
  friend bool operator==(const NewFd& a, const NewFd& b) {
    return a.fd == b.fd && a.object == b.object && a.cloexec == b.cloexec;
  }
};

// The normalized result of one operation.
struct Outcome {
  long ret = 0;  // the syscall's return value when err == ok
  Errno err = Errno::ok;
  std::string data;             // bytes read (read, recvmsg)
  std::vector<NewFd> fds;       // fds created (socketpair, pipe, open_temp, dup, give) or received
  std::uint32_t msg_flags = 0;  // recvmsg's msg_flags (msg:: bits)
  bool sigpipe = false;         // the operation raised SIGPIPE in the calling process
  bool blocked = false;         // the operation would block forever; nothing else is set
  long value = 0;  // getsockopt: the option's value (SO_TYPE: a SockType); poll: revents (pollev::)
  Creds creds;     // recvmsg: SCM_CREDENTIALS, when SO_PASSCRED is on
  std::size_t msg_controllen = 0;  // recvmsg: the control bytes it wrote (msg_controllen back)
  RecvCmsgs cmsgs;                 // recvmsg: each cmsghdr it wrote, in order
  ReportedAddr name;               // getsockname/getpeername; recvmsg's msg_name (sender)

  // The call would wait forever: steps run one at a time, so no later step can wake it. A
  // state of its own: ret is -1, so a blocked read can never pass for EOF (ret 0) in a check
  // that forgets to look at `blocked`.
  static Outcome would_block() {
    Outcome o;
    o.ret = -1;
    o.blocked = true;
    return o;
  }
  bool succeeded() const { return !blocked && err == Errno::ok; }

  static Outcome failure(Errno e) {
    Outcome o;
    o.ret = -1;
    o.err = e;
    return o;
  }
};

struct SendArgs {
  std::string data;
  std::vector<int> fds;     // fd numbers in the sender, as SCM_RIGHTS; empty: no control message
  std::uint32_t flags = 0;  // msg:: bits
  SendControl control;      // given: msg_control stated exactly (then fds is empty)
  const SockAddr* dest = nullptr;  // msg_name (sendto); null: none
};

struct RecvArgs {
  std::size_t len = 0;
  bool has_control = false;     // false: msg_control is NULL
  std::size_t control_len = 0;  // msg_controllen in bytes (NULL msg_control may have one too)
  std::uint32_t flags = 0;      // msg:: bits
  bool want_name = false;       // a msg_name buffer was given: report the sender's address
};

enum class Whence : std::uint8_t { set, cur, end };
enum class FcntlCmd : std::uint8_t { getfd, setfd, getfl, setfl };
enum class ShutHow : std::uint8_t { rd, wr, rdwr };

// Status flags reported by F_GETFL / taken by F_SETFL (core's bits).
namespace fl {
constexpr long nonblock = 1L << 0;  // O_NONBLOCK
constexpr long append = 1L << 1;    // O_APPEND
constexpr long rdonly = 0;
constexpr long wronly = 1L << 2;
constexpr long rdwr = 1L << 3;
constexpr long path = 1L << 4;  // O_PATH: what F_GETFL reports of an O_PATH fd (never settable)
}  // namespace fl

// What `open` opens (sim/sim_open_ops.cpp, native/host_open_ops.cpp).
enum class OpenKind : std::uint8_t { directory, o_path, dev_null, memfd };

// poll(2)'s events and revents, as the core's own bits (not the host's POLL* values).
namespace pollev {
constexpr std::uint32_t in = 1u << 0;      // POLLIN
constexpr std::uint32_t pri = 1u << 1;     // POLLPRI
constexpr std::uint32_t out = 1u << 2;     // POLLOUT
constexpr std::uint32_t err = 1u << 3;     // POLLERR (always reported)
constexpr std::uint32_t hup = 1u << 4;     // POLLHUP (always reported)
constexpr std::uint32_t nval = 1u << 5;    // POLLNVAL (not an open fd)
constexpr std::uint32_t rdnorm = 1u << 6;  // POLLRDNORM
constexpr std::uint32_t rdband = 1u << 7;  // POLLRDBAND
constexpr std::uint32_t wrnorm = 1u << 8;  // POLLWRNORM
constexpr std::uint32_t wrband = 1u << 9;  // POLLWRBAND
constexpr std::uint32_t rdhup = 1u << 10;  // POLLRDHUP
}  // namespace pollev

// Things left behind after a scenario, for the "nothing leaks" check.
struct Leftovers {
  int open_fds = 0;  // fds still open beyond 0, 1, 2 before cleanup (informational)
  int leaked = 0;    // fds, workers or files that cleanup could not release
  std::string detail;
};

// One operation's arguments with every fd resolved to its number: what the replay asks a backend
// to do. Which fields an op reads is declared in core/op_table.h.
struct Call {
  OpKind op = OpKind::close;
  int fd = -1;  // sock / fd
  SockType type = SockType::stream;
  bool nonblock = false;
  bool cloexec = false;
  // What an op sends is not copied into the Call: it points at its caller's (a replay step, a
  // typed call's arguments), which outlive the call.
  const SendArgs* send = nullptr;     // sendmsg
  const std::string* data = nullptr;  // write
  RecvArgs recv;                      // recvmsg; read uses recv.len
  long offset = 0;
  Whence whence = Whence::set;
  FcntlCmd cmd = FcntlCmd::getfd;
  long arg = 0;  // fcntl setters, in core bits
  ShutHow how = ShutHow::rdwr;
  ProcId to = 0;                   // give
  const SockAddr* addr = nullptr;  // bind, connect, unlink (its path in addr->name)
  int backlog = 0;
  SockOpt opt = SockOpt::sndbuf;
  long value = 0;  // setsockopt's value; setrlimit's soft limit; set_ids' uid
  long gid = 0;    // set_ids
  OpenKind open_kind = OpenKind::directory;  // open (o_path: addr->name, "" for the directory)
  std::uint32_t events = 0;                  // poll: pollev:: bits requested
};

// Declares a backend's handler of every op: Outcome op_socketpair(ProcId, const Call&); ...
// (a backend writes FDLAB_KERNEL_OPS(FDLAB_DECLARE_OP_HANDLER) in its class, and defines each
// handler next to the rule or the host call it runs).
#define FDLAB_DECLARE_OP_HANDLER(op, args, result) Outcome op_##op(ProcId p, const Call& c);

// The body of a backend's call(): a switch over the ops, each to its handler.
#define FDLAB_DISPATCH_OP_CASE(op, args, result) \
  case OpKind::op:                               \
    return op_##op(p, c);

class Kernel {
 public:
  virtual ~Kernel() = default;

  // A new scenario process with fds 0, 1, 2 open.
  virtual ProcId add_process() = 0;

  // Any op of core/op_table.h. give moves c.fd from p into process c.to (the lowest free
  // number there): not a syscall, the harness's way of setting up who holds what.
  virtual Outcome call(ProcId p, const Call& c) = 0;

  // Closes everything the scenario opened and reports what could not be released.
  virtual Leftovers finish() = 0;

  virtual const char* name() const = 0;

  // Where the code above this interface (the usocket model) marks the rules it applies
  // (core/rules_reached.h): the sim's sink when it has one; nullptr, the default, marks nothing.
  virtual RulesReached* rules_sink() { return nullptr; }

  // The same operations as typed calls, for C++ callers (the usocket model, tests,
  // benchmarks); each builds a Call (core/kernel_calls.cpp).
  Outcome socketpair(ProcId p, SockType type, bool nonblock, bool cloexec);
  Outcome pipe(ProcId p);
  Outcome open_temp(ProcId p);  // O_RDWR, a fresh unlinked regular file
  Outcome sendmsg(ProcId p, int sock, const SendArgs& args);
  Outcome recvmsg(ProcId p, int sock, const RecvArgs& args);
  Outcome read(ProcId p, int fd, std::size_t len);
  Outcome write(ProcId p, int fd, const std::string& data);
  Outcome lseek(ProcId p, int fd, long offset, Whence whence);
  Outcome fcntl(ProcId p, int fd, FcntlCmd cmd, long arg);
  Outcome dup(ProcId p, int fd);
  Outcome close(ProcId p, int fd);
  Outcome shutdown(ProcId p, int fd, ShutHow how);
  Outcome socket(ProcId p, SockType type, bool nonblock, bool cloexec);
  Outcome bind(ProcId p, int sock, const SockAddr& addr);
  Outcome listen(ProcId p, int sock, int backlog);
  Outcome connect(ProcId p, int sock, const SockAddr& addr);
  // accept4: nonblock/cloexec are SOCK_NONBLOCK/SOCK_CLOEXEC for the new fd only.
  Outcome accept(ProcId p, int sock, bool nonblock, bool cloexec);
  Outcome unlink(ProcId p, const std::string& path);
  // SOL_SOCKET options; getsockopt reports the value in Outcome::value.
  Outcome setsockopt(ProcId p, int sock, SockOpt opt, long value);
  Outcome getsockopt(ProcId p, int sock, SockOpt opt);
  // setrlimit(RLIMIT_NOFILE) of one scenario process: the soft limit (the hard one is kept).
  Outcome setrlimit_nofile(ProcId p, long soft);
  Outcome give(ProcId from, int fd, ProcId to);
  // Every open fd of p, in fd order, as Outcome::fds (number, object, FD_CLOEXEC).
  Outcome list_fds(ProcId p);
};

}  // namespace fdlab
