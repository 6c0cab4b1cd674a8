#include "native/blocked_call.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace fdlab::native {
namespace {

// The whole of a small /proc file, or nullopt. One read: these files are made at once.
std::optional<std::string> read_small(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[512];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

bool parse_number(std::string_view s, int base, long long& out) {
  if (s.empty()) return false;
  std::string text(s);
  char* end = nullptr;
  errno = 0;
  out = std::strtoll(text.c_str(), &end, base);
  return errno == 0 && end == text.c_str() + text.size();
}

bool parse_unsigned(std::string_view s, std::uint64_t& out) {
  if (s.substr(0, 2) != "0x") return false;
  std::string text(s.substr(2));
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(text.c_str(), &end, 16);
  return errno == 0 && end == text.c_str() + text.size();
}

}  // namespace

std::optional<char> parse_stat_state(std::string_view stat) {
  // comm is in parentheses and may itself hold ") ": the state follows the last ')'.
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || close + 2 >= stat.size() || stat[close + 1] != ' ')
    return std::nullopt;
  const char state = stat[close + 2];
  if (close + 3 < stat.size() && stat[close + 3] != ' ') return std::nullopt;
  return state;
}

bool parse_syscall_line(std::string_view line, long& nr, std::uint64_t& arg0) {
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
  nr = -1;
  arg0 = 0;
  if (line == "running") return true;
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  long long n = 0;
  if (!parse_number(line.substr(0, sp), 10, n)) return false;
  if (n < 0) return true;  // "-1 sp pc": blocked, but not in a syscall
  std::string_view rest = line.substr(sp + 1);
  const auto sp2 = rest.find(' ');
  if (sp2 == std::string_view::npos) return false;  // a syscall line has eight more fields
  if (!parse_unsigned(rest.substr(0, sp2), arg0)) return false;
  nr = static_cast<long>(n);
  return true;
}

TaskLook look_at_task(pid_t tid) {
  TaskLook look;
  const std::string dir = "/proc/self/task/" + std::to_string(tid) + "/";
  auto sched = read_small(dir + "schedstat");
  if (!sched) return look;
  auto stat = read_small(dir + "stat");
  if (!stat) return look;
  auto state = parse_stat_state(*stat);
  if (!state) return look;
  auto sys = read_small(dir + "syscall");
  if (!sys || !parse_syscall_line(*sys, look.syscall, look.arg0)) return look;
  // Without CONFIG_SCHED_INFO every task reads "0 0 0", which would hide that it ran.
  if (sched->rfind("0 0 0", 0) == 0) return look;
  look.state = *state;
  look.sched = std::move(*sched);
  look.ok = true;
  return look;
}

BlockJudge::Verdict BlockJudge::see(const TaskLook& look) {
  // 'S' is an interruptible sleep: a lock or an allocation sleeps in 'D'. Its first argument
  // is the fd for every call judged here (recvmsg, sendmsg, read, write, connect, accept4).
  const bool asleep_in_call = look.ok && look.state == 'S' && call_.names(look.syscall) &&
                              call_.fd >= 0 && look.arg0 == static_cast<std::uint64_t>(call_.fd);
  if (!asleep_in_call) {
    first_.reset();
    return Verdict::not_asleep;
  }
  if (!first_ || *first_ != look.sched) {
    first_ = look.sched;  // a new sleep (or the thread ran since): start again from here
    return Verdict::asleep_once;
  }
  return Verdict::blocked;
}

}  // namespace fdlab::native
