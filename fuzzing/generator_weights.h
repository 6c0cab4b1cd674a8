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
  X(poll, 2, "poll any fd for any events")

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

struct GeneratorWeights {
  std::array<int, kGenActionCount> weight;
  GeneratorWeights();  // the defaults
  int& operator[](GenAction a) { return weight[static_cast<std::size_t>(a)]; }
  int operator[](GenAction a) const { return weight[static_cast<std::size_t>(a)]; }
};

// {"sendmsg": 30, ...}: the defaults with these changed. Throws HarnessError naming `file` and
// the field (an unknown action, a weight outside 0..1000, all zero).
// docs/fuzzing.md's table of the actions, their default weights and what each generates.
std::string generator_actions_markdown();

GeneratorWeights parse_generator_weights(const std::string& text, const std::string& file);

}  // namespace fdlab
