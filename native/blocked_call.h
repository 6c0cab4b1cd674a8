#pragma once
// Knowing early, and exactly, that a worker's call blocks: what /proc says about the worker
// thread, and the judgement over a few such looks. The watchdog (native/worker.h) stays the
// fallback for everything this cannot prove.
//
// A call is judged blocked when /proc shows, twice and at least a moment apart, the worker
// asleep interruptibly (state 'S') inside the very syscall the operation makes, on the very fd
// it names (/proc/<tid>/syscall: number and first argument), and the thread has not run in
// between (/proc/<tid>/schedstat unchanged: its run time and its count of times on a CPU).
// Steps run one at a time, so no other step can wake it; what else could (the AF_UNIX
// collector, a timeout, a transient sleep) is in docs/decisions.md, "Knowing that a call
// blocks", with why each is excluded.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fdlab::native {

// One look at a thread, from /proc/self/task/<tid>/.
struct TaskLook {
  bool ok = false;         // every file read and understood
  char state = '?';        // stat, field 3: 'R', 'S', 'D', ...
  long syscall = -1;       // syscall: the number it sleeps in; -1 when "running" (or in none)
  std::uint64_t arg0 = 0;  // syscall: its first argument
  std::string sched;       // schedstat verbatim: it changes whenever the thread runs
};

// The state letter of a stat line ("1234 (comm) S 1 ..."; comm may hold spaces and ')').
std::optional<char> parse_stat_state(std::string_view stat);
// A syscall line: "47 0x3 0x7ff..." (number, then six arguments, sp, pc) or "running"; a
// negative number (not in a syscall) is read as none. False when it is neither.
bool parse_syscall_line(std::string_view line, long& nr, std::uint64_t& arg0);

// Reads schedstat first, then stat and syscall: an unchanged schedstat in a later look then
// means the thread did not run between the two schedstat reads.
TaskLook look_at_task(pid_t tid);

// The call an operation makes and may block in: one or two syscall numbers, on one fd.
struct BlockingCall {
  long syscalls[2] = {-1, -1};
  long fd = -1;
  bool names(long nr) const { return nr >= 0 && (nr == syscalls[0] || nr == syscalls[1]); }
};

// Feeds on looks, in order; pure logic (tests/native_blocked_call_test.cpp).
class BlockJudge {
 public:
  enum class Verdict {
    not_asleep,   // not (or no longer) asleep in the call: keep waiting
    asleep_once,  // asleep in the call, first seen in this sleep: look again later
    blocked,      // asleep in the call, and the same sleep as at the first look
  };
  explicit BlockJudge(BlockingCall call) : call_(call) {}
  Verdict see(const TaskLook& look);

 private:
  BlockingCall call_;
  std::optional<std::string> first_;  // schedstat at the first look of the current sleep
};

}  // namespace fdlab::native
