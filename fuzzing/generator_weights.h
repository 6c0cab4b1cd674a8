#pragma once
// What the generator does at each step, and how often: one weight per action, declared once
// here. `fdlab fuzz --weights FILE` (a JSON object of name: weight) overrides any of them, and
// docs/fuzzing.md's table is generated from this list.
#include <array>
#include <cstddef>
#include <string>

namespace fdlab {

// X(action, default weight, "what it generates")
#define FDLAB_GENERATOR_ACTIONS(X)                                                              \
  X(socketpair, 5, "a connected pair: stream, seqpacket or dgram, nonblocking")                 \
  X(socket, 3, "an unbound socket of any type")                                                 \
  X(bind, 3, "bind to a name of a small pool (paths and abstract names), or a bad one")         \
  X(autobind, 1, "autobind")                                                                    \
  X(listen, 3,                                                                                  \
    "listen with a backlog of -1..3 or 128, mostly on a socket bound to a name (a new "         \
    "socket bound first when there is none)")                                                   \
  X(connect, 4,                                                                                 \
    "connect to a name of the pool, or to one a socket listens at (often from a new "           \
    "socket of its type)")                                                                      \
  X(disconnect, 1, "connect to AF_UNSPEC")                                                      \
  X(accept, 3, "accept4, nonblocking, maybe close-on-exec")                                     \
  X(unlink, 1, "unlink a name of the pool")                                                     \
  X(sendmsg, 22,                                                                                \
    "data of every size class (0, small, near CMSG_SPACE, near the buffer, large), fds of any " \
    "kind (sockets too: cycles), 253/254 fds, a stated control buffer, a destination, flags")   \
  X(recvmsg, 20,                                                                                \
    "any length, every recv flag, control buffers of every size (none, NULL, 0..4, 253..255 "   \
    "fds, odd byte counts), room for credentials, msg_name")                                    \
  X(read, 2, "read(2) of any fd")                                                               \
  X(write, 2, "write(2) to any fd (pipes: bounded, so it never blocks)")                        \
  X(pipe, 2, "a pipe; its read end made nonblocking")                                           \
  X(open_temp, 2, "an unlinked temporary file")                                                 \
  X(open, 2, "the scenario's directory, O_PATH, /dev/null or a memfd")                          \
  X(lseek, 1, "lseek of any fd")                                                                \
  X(fcntl, 3, "F_GETFD, F_SETFD, F_GETFL, F_SETFL (never clearing O_NONBLOCK where it blocks)") \
  X(dup, 3, "dup of any fd")                                                                    \
  X(close, 5, "close a label, or a stale or invalid number")                                    \
  X(shutdown, 2, "SHUT_RD, SHUT_WR, SHUT_RDWR")                                                 \
  X(give, 4, "move an fd to another scenario process")                                          \
  X(setsockopt, 3, "small buffers, SO_PASSCRED, SO_PASSRIGHTS, SO_PEEK_OFF, SO_PASSPIDFD...")   \
  X(getsockopt, 2, "any option, SO_PEERPIDFD's new fd included")                                \
  X(getsockname, 1, "getsockname")                                                              \
  X(getpeername, 1, "getpeername")                                                              \
  X(setrlimit, 1, "RLIMIT_NOFILE down to a few fds")                                            \
  X(set_ids, 1, "drop to another uid/gid (saved ids stay 0)")                                   \
  X(collect, 1, "wait for the collector (also after a step the sim found garbage at)")          \
  X(count_fds, 1, "count the process's fds")                                                    \
  X(list_fds, 1, "list the process's fds")                                                      \
  X(poll, 2, "poll any fd for any events")                                                      \
  X(sequence, 2,                                                                                \
    "a few steps that reach what single draws seldom meet: 12 datagrams to a receiver not "     \
    "connected back, a listener in flight in its own embryo's queue, an option set on a "       \
    "listener before a connect, an unprivileged sender past its in-flight limit, an "           \
    "unprivileged sender at a root-owned socket file, fds on an out-of-band byte")

enum class GenAction : std::uint8_t {
#define FDLAB_GEN_ACTION_ENUM(name, weight, doc) name,
  FDLAB_GENERATOR_ACTIONS(FDLAB_GEN_ACTION_ENUM)
#undef FDLAB_GEN_ACTION_ENUM
};

constexpr std::size_t kGenActionCount = 0
#define FDLAB_GEN_ACTION_COUNT(name, weight, doc) +1
    FDLAB_GENERATOR_ACTIONS(FDLAB_GEN_ACTION_COUNT)
#undef FDLAB_GEN_ACTION_COUNT
    ;

struct GenActionSpec {
  GenAction action;
  const char* name;
  int default_weight;
  const char* doc;
};
const std::array<GenActionSpec, kGenActionCount>& gen_actions();

// The usocket level's actions (fuzzing/usocket_generator.cpp): one per usocket-level op, and
// write_burst (several steps).
// X(action, "op", default weight, "what it generates")
#define FDLAB_USOCKET_GENERATOR_ACTIONS(X)                                                       \
  X(userver, "userver", 3, "a UServer")                                                          \
  X(listen, "listen", 4,                                                                         \
    "listen on a path of a small pool (taken paths, stale socket files), a backlog (none, "      \
    "0..2, 16, 128), args or options form, a callback")                                          \
  X(pause, "pause", 2, "pause a server: connections wait in its backlog")                        \
  X(resume, "resume", 2, "resume a server")                                                      \
  X(server_close, "server_close", 2, "close a server (its socket file stays)")                   \
  X(usocket, "usocket", 6,                                                                       \
    "a USocket connecting to a path of the pool (string or options), adopting an fd ({fd}: a "   \
    "sys.socketpair end, a received socket, a pipe or a file), or waiting; a callback")          \
  X(connect, "connect", 3, "connect a USocket made without a target (or again: refused)")        \
  X(write, "write", 20,                                                                          \
    "write(buffer \\| string \\| [fds] \\| {data, fds, callback} \\| {}): data of every size "   \
    "class (0 to 400000 bytes), 0..4, 64, 65, 253 or 254 fds (repeats too), a callback")         \
  X(write_burst, "write_burst", 2,                                                               \
    "on a pair: a large write, 16 small ones behind it (false: the high-water mark), then "      \
    "read_until on the other end and run (drain); as often, a scenario that is a burst from "    \
    "its first step (a new pair), which fits in 20 steps")                                       \
  X(end, "end", 5, "end() or end(chunk) in any write form, a callback")                          \
  X(read, "read", 12,                                                                            \
    "read(), read(size), read(null), read(size, count), read(null, count), read(size, null), "   \
    "with labels for the fds")                                                                   \
  X(read_until, "read_until", 2, "read until that many bytes came, running the loop")            \
  X(unshift, "unshift", 3, "unshift(buffer, fds): bytes and fds back in front")                  \
  X(destroy, "destroy", 4, "destroy a USocket, before or after end, with data and fds unread")   \
  X(run, "run", 16,                                                                              \
    "run the event loop until idle, with labels for the connections it may accept")              \
  X(open_fds, "open_fds", 2, "the process's open fds, by label")                                 \
  X(sys_socketpair, "sys.socketpair", 3, "a stream pair, to adopt with {fd} or to pass")         \
  X(sys_pipe, "sys.pipe", 2, "a pipe, to pass")                                                  \
  X(sys_open_temp, "sys.open_temp", 4, "a temporary file, to pass")                              \
  X(sys_write, "sys.write", 3, "write(2) to a label (pipes and sockets: bounded, never blocks)") \
  X(sys_read, "sys.read", 3, "read(2) of a file, or of a pipe or socket known not to block")     \
  X(sys_lseek, "sys.lseek", 1, "lseek of a label (a received file shares the offset)")           \
  X(sys_close, "sys.close", 3, "close a label: a received fd, one passed already, a stale one")  \
  X(sys_give, "sys.give", 2, "move a label to another process")

enum class UGenAction : std::uint8_t {
#define FDLAB_UGEN_ACTION_ENUM(name, op, weight, doc) name,
  FDLAB_USOCKET_GENERATOR_ACTIONS(FDLAB_UGEN_ACTION_ENUM)
#undef FDLAB_UGEN_ACTION_ENUM
};

constexpr std::size_t kUGenActionCount = 0
#define FDLAB_UGEN_ACTION_COUNT(name, op, weight, doc) +1
    FDLAB_USOCKET_GENERATOR_ACTIONS(FDLAB_UGEN_ACTION_COUNT)
#undef FDLAB_UGEN_ACTION_COUNT
    ;

struct UGenActionSpec {
  UGenAction action;
  const char* name;  // the op it generates
  int default_weight;
  const char* doc;
};
const std::array<UGenActionSpec, kUGenActionCount>& usocket_gen_actions();

struct GeneratorWeights {
  std::array<int, kGenActionCount> weight;
  std::array<int, kUGenActionCount> usocket;
  GeneratorWeights();  // the defaults
  int& operator[](GenAction a) { return weight[static_cast<std::size_t>(a)]; }
  int operator[](GenAction a) const { return weight[static_cast<std::size_t>(a)]; }
  int& operator[](UGenAction a) { return usocket[static_cast<std::size_t>(a)]; }
  int operator[](UGenAction a) const { return usocket[static_cast<std::size_t>(a)]; }
};

// docs/fuzzing.md's tables of the actions, their default weights and what each generates.
std::string generator_actions_markdown();
std::string usocket_generator_actions_markdown();

// {"sendmsg": 30, ..., "usocket": {"write": 30, ...}}: the defaults with these changed (the
// usocket level's under "usocket"). Throws HarnessError naming `file` and the field (an
// unknown action, a weight outside 0..1000, all of a level's zero).
GeneratorWeights parse_generator_weights(const std::string& text, const std::string& file);

}  // namespace fdlab
