#pragma once
// Every kernel-level operation, declared once: its name, the arguments it takes (each an Arg,
// whose fields, checks and documentation live in core/step_args.h) and what it returns. The op
// enum, the step parser, the JSON Schema and the op table of docs/scenario-format.md all come
// from this list; `fdlab schema` fails when a generated file is stale.
//
// The backends' handlers are declared from this list too (FDLAB_DECLARE_OP_HANDLER in
// core/kernel.h) and the replay hands every op over as one Call, so adding an op is: a line
// here; its rule, `Outcome SimKernel::op_NAME(ProcId, const Call&)`, in sim/; its host call in
// native/host_*.cpp (declared in native/host_ops.h) and the one-line PosixKernel::op_NAME that
// runs it; a scenario. A new kind of argument also adds an Arg (core/step_args.h), its case in
// the parser and its field in Call.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/step_args.h"

namespace fdlab {

// X(op, (arguments...), "what it returns")
#define FDLAB_KERNEL_OPS(X)                                                                        \
  X(socketpair, (Arg::sock_type, Arg::nonblock, Arg::cloexec, Arg::two_labels),                    \
    "two fds, the ends fds[0] and fds[1]")                                                         \
  X(pipe, (Arg::cloexec, Arg::two_labels), "two fds: the read end, then the write end")            \
  X(open_temp, (Arg::cloexec, Arg::one_label), "a fresh unlinked regular file opened O_RDWR")      \
  X(sendmsg,                                                                                       \
    (Arg::sock, Arg::optional_data, Arg::fds, Arg::send_control, Arg::dest, Arg::msg_flags),       \
    "bytes sent")                                                                                  \
  X(recvmsg, (Arg::sock, Arg::len, Arg::msg_flags, Arg::control, Arg::msg_name, Arg::labels),      \
    "bytes, fds, msg_flags, msg_controllen and each cmsg (creds with SO_PASSCRED)")                \
  X(read, (Arg::fd, Arg::len), "bytes (no control data: queued fds are discarded)")                \
  X(write, (Arg::fd, Arg::data), "bytes written")                                                  \
  X(lseek, (Arg::fd, Arg::offset, Arg::whence), "the new offset")                                  \
  X(fcntl, (Arg::fd, Arg::fcntl_cmd), "flags (getters), 0 (setters)")                              \
  X(dup, (Arg::fd, Arg::labels), "a new fd for the same object")                                   \
  X(close, (Arg::fd), "0")                                                                         \
  X(shutdown, (Arg::sock, Arg::shut_how), "0")                                                     \
  X(give, (Arg::fd_label, Arg::to), "the fd's new number in `to`; the giver no longer has it")     \
  X(socket, (Arg::sock_type, Arg::nonblock, Arg::cloexec, Arg::one_label), "a new unbound socket") \
  X(bind, (Arg::sock, Arg::address), "0")                                                          \
  X(autobind, (Arg::sock), "0: bind with only the family (addrlen 2), the kernel names it")        \
  X(listen, (Arg::sock, Arg::backlog), "0")                                                        \
  X(connect, (Arg::sock, Arg::address), "0")                                                       \
  X(disconnect, (Arg::sock), "0: connect to AF_UNSPEC (dgram); EINVAL for stream and seqpacket")   \
  X(accept, (Arg::sock, Arg::nonblock, Arg::cloexec, Arg::one_label),                              \
    "the accepted socket, a new object (accept4's flags apply to the new fd only)")                \
  X(unlink, (Arg::file_path), "0")                                                                 \
  X(setsockopt, (Arg::sock, Arg::sockopt, Arg::sockopt_value), "0")                                \
  X(getsockopt, (Arg::sock, Arg::sockopt, Arg::labels),                                            \
    "0, and the option in `value` (SO_PEERPIDFD: a new fd, which `as` may name)")                  \
  X(setrlimit, (Arg::nofile), "0 (the hard limit is kept)")                                        \
  X(set_ids, (Arg::ids),                                                                           \
    "0: setresgid(gid, gid, 0), then setresuid(uid, uid, 0), for this process only")               \
  X(getsockname, (Arg::sock), "0, and the socket's address in `name`")                             \
  X(getpeername, (Arg::sock), "0, and the peer's address in `name`")                               \
  X(collect, (), "0, once the collector has freed every cycle that was garbage when it began")     \
  X(open, (Arg::open_kind, Arg::cloexec, Arg::one_label),                                          \
    "a new fd: the scenario's directory, an O_PATH fd, /dev/null or a memfd")                      \
  X(count_fds, (), "how many fds the process has open, 0, 1 and 2 included")                       \
  X(list_fds, (),                                                                                  \
    "how many fds the process has open, and each in `fds` (number, object, FD_CLOEXEC), in fd "    \
    "order")                                                                                       \
  X(poll, (Arg::fd, Arg::poll_events), "1 and the fd's revents, or 0 (timeout 0: never waits)")

enum class OpKind : std::uint8_t {
#define FDLAB_OP_ENUM(op, args, result) op,
  FDLAB_KERNEL_OPS(FDLAB_OP_ENUM)
#undef FDLAB_OP_ENUM
};

struct OpSpec {
  OpKind kind;
  const char* name;
  std::vector<Arg> args;
  const char* result;  // for people: the docs' "result" column
};

// Every op, in declaration order.
const std::vector<OpSpec>& kernel_ops();
const OpSpec& op_spec(OpKind op);
// By the name a scenario writes (aliases such as accept4 included); null when unknown.
const OpSpec* find_op(std::string_view name);
// Other names an op may be written with, as {alias, op}.
struct OpAlias {
  const char* alias;
  OpKind op;
};
const std::vector<OpAlias>& op_aliases();

const char* op_name(OpKind op);

}  // namespace fdlab
