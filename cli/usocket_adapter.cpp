#include "cli/usocket_adapter.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/scratch_dir.h"
#include "core/usocket/usocket_replay.h"
#include "core/usocket/usocket_scenario.h"

namespace fdlab {

UsocketAdapter default_usocket_adapter() {
  UsocketAdapter a;
  a.script = std::string(FDLAB_SOURCE_DIR) + "/adapters/usocket/replay.js";
  return a;
}

namespace {

using Clock = std::chrono::steady_clock;

// replay.js's exit statuses (its header comment), and the shell's "could not exec".
constexpr int kScenarioRefused = 2;
constexpr int kNotInstalled = 4;
constexpr int kExecFailed = 127;

// The end of what node wrote to stderr: the package's assertion or node's last error is what
// explains a failure, and keeping only the end bounds memory whatever node prints.
class StderrTail {
 public:
  void append(const char* p, std::size_t n) {
    text_.append(p, n);
    if (text_.size() > 2 * kKeep) text_.erase(0, text_.size() - kKeep);
  }

  // One line, at most kKeep bytes and kLines lines, bytes outside printable ASCII escaped:
  // the text goes into failure messages, the terminal and the JSON report (which needs UTF-8).
  std::string shown() const {
    std::string t = text_.size() > kKeep ? text_.substr(text_.size() - kKeep) : text_;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    std::vector<std::string> lines;
    std::istringstream in(t);
    for (std::string l; std::getline(in, l);)
      if (!l.empty()) lines.push_back(l);
    if (lines.size() > kLines) lines.erase(lines.begin(), lines.end() - kLines);
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : " | ") + escaped(l);
    return out;
  }

 private:
  static std::string escaped(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (c >= 0x20 && c < 0x7f) {
        out += static_cast<char>(c);
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      }
    }
    return out;
  }
  static constexpr std::size_t kKeep = 2000;
  static constexpr std::size_t kLines = 12;
  std::string text_;
};

// Why node was stopped before it finished: a step past its limit (a hang), or the whole
// scenario past its --timeout budget (its own result, as on the other backends).
enum class Cut { none, step_limit, budget };

struct NodeRun {
  std::string out;  // the trace records, one per line
  StderrTail err;
  Cut cut = Cut::none;
  int status = 0;  // from waitpid
};

struct Deadlines {
  std::chrono::seconds step;
  std::optional<Clock::time_point> budget_end;

  // The earlier of the step's deadline (counted from `since`) and the budget's end.
  std::pair<Clock::time_point, Cut> next(Clock::time_point since) const {
    const auto step_end = since + step;
    if (budget_end && *budget_end < step_end) return {*budget_end, Cut::budget};
    return {step_end, Cut::step_limit};
  }
};

// Starts `node ARGS...` (`replay.js --dir DIR --variant V FILE`) in its own process group (so a
// kill reaches anything it started), stdin from /dev/null, stdout and stderr into the given pipe
// ends, none of fdlab's other fds. Its own group also keeps it from the terminal's Ctrl-C, so it is
// tied to fdlab's life instead: a node left looping in a hung step would otherwise spin on for
// ever.
pid_t spawn_node(const UsocketAdapter& a, std::vector<std::string> args, int out_fd, int err_fd) {
  // Built before fork: only async-signal-safe calls between fork and exec (fdlab has threads).
  args.insert(args.begin(), a.node);
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  // fdlab's own FDLAB_USOCKET_NODE_MODULES reaches node unless a patched copy replaces it.
  for (char** e = environ; *e != nullptr; ++e)
    if (a.node_modules.empty() || std::strncmp(*e, "FDLAB_USOCKET_NODE_MODULES=", 27) != 0)
      env_strings.emplace_back(*e);
  if (!a.node_modules.empty())
    env_strings.push_back("FDLAB_USOCKET_NODE_MODULES=" + a.node_modules);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(kExecFailed);  // fdlab died before the line above
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    close_range(3, ~0U, 0);
    execvpe(argv[0], argv.data(), envp.data());
    _exit(kExecFailed);
  }
  if (pid > 0) setpgid(pid, pid);  // also here, so a kill right after fork finds the group
  return pid;
}

// Reads node's stdout and stderr until both close or a step runs past its limit. Every
// complete record line moves the deadline: the limit is per step, counted from the last one
// that finished.
void collect_output(int out_fd, int err_fd, const Deadlines& limits, NodeRun& r) {
  auto [deadline, cut] = limits.next(Clock::now());
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      r.cut = cut;
      return;
    }
    if (::poll(fds, 2, static_cast<int>(left)) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (auto& p : fds) {
      if (p.fd < 0 || p.revents == 0) continue;
      const ssize_t got = ::read(p.fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        p.fd = -1;  // closed: poll ignores it from now on
        --open_fds;
      } else if (p.fd == out_fd) {
        r.out.append(buf, static_cast<std::size_t>(got));
        if (std::memchr(buf, '\n', static_cast<std::size_t>(got)))
          std::tie(deadline, cut) = limits.next(Clock::now());
      } else {
        r.err.append(buf, static_cast<std::size_t>(got));
      }
    }
  }
}

// Reaps node. Its pipes are closed, so it is exiting; should it linger past the step limit
// anyway, it is killed like a hang.
void reap(pid_t pid, const Deadlines& limits, NodeRun& r) {
  const auto [deadline, cut] = limits.next(Clock::now());
  if (r.cut != Cut::none) kill(-pid, SIGKILL);
  for (;;) {
    const pid_t w = waitpid(pid, &r.status, r.cut != Cut::none ? 0 : WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) return;
    if (w == 0 && Clock::now() >= deadline) {
      r.cut = cut;
      kill(-pid, SIGKILL);
    } else if (w == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

NodeRun run_node(const UsocketAdapter& a, const std::vector<std::string>& args,
                 int step_timeout_seconds) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("usocket backend: pipe failed");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    throw std::runtime_error("usocket backend: pipe failed");
  }
  Deadlines limits{std::chrono::seconds(step_timeout_seconds), std::nullopt};
  if (a.budget_seconds > 0)
    limits.budget_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(a.budget_seconds));
  const pid_t pid = spawn_node(a, args, out[1], err[1]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    throw std::runtime_error("usocket backend: fork failed");
  }
  NodeRun r;
  collect_output(out[0], err[0], limits, r);
  close(out[0]);
  close(err[0]);
  reap(pid, limits, r);
  return r;
}

// A backend that cannot run at all is found by the first scenario and remembered: every later
// one gets the same message saying what to run, without starting node again.
std::string& setup_problem() {
  static std::string problem;
  return problem;
}
std::mutex setup_mutex;

void throw_if_not_runnable(const UsocketAdapter& a, const NodeRun& r) {
  if (r.cut != Cut::none || !WIFEXITED(r.status)) return;
  std::string problem;
  if (WEXITSTATUS(r.status) == kNotInstalled)
    problem = "the usocket backend cannot run: " + r.err.shown();
  else if (WEXITSTATUS(r.status) == kExecFailed)
    problem = "the usocket backend cannot run: '" + a.node +
              "' could not be started (install nodejs; scripts/setup does)";
  if (problem.empty()) return;
  std::lock_guard<std::mutex> lock(setup_mutex);
  setup_problem() = problem;
  throw std::runtime_error(problem);
}

// "step 8 ('unshift')", for the step node was in when it stopped.
std::string step_named(const Scenario& sc, int step) {
  const auto& steps = sc.usocket->steps;
  if (step >= static_cast<int>(steps.size())) return "the end of the scenario";
  return "step " + std::to_string(step) + " ('" + usocket::uop_name(steps[step].op) + "')";
}

// Why node did not finish the scenario normally, or "" when it did. Starts with "node " (or
// "the adapter"): fdlab report recognises the package's run failing by that.
std::string run_failure(const UsocketAdapter& a, const NodeRun& r, const Scenario& sc, int step,
                        bool done) {
  // Running out of the budget is the run's timed_out_at, as on the other backends.
  if (r.cut == Cut::budget) return "";
  std::string why;
  if (r.cut == Cut::step_limit) {
    why = "node did not finish " + step_named(sc, step) + " within " +
          std::to_string(a.step_timeout_seconds) + " s of the step before (a hang); it was killed";
  } else if (WIFSIGNALED(r.status)) {
    why = "node was killed by signal " + std::to_string(WTERMSIG(r.status)) + " (" +
          strsignal(WTERMSIG(r.status)) + ") during " + step_named(sc, step) + " (a crash)";
  } else if (WEXITSTATUS(r.status) == kScenarioRefused) {
    why = "node refused the scenario";
  } else if (WEXITSTATUS(r.status) != 0) {
    why = "node exited with status " + std::to_string(WEXITSTATUS(r.status)) + " during " +
          step_named(sc, step);
  } else if (!done) {
    why = "the adapter stopped before the end of the scenario, at " + step_named(sc, step);
  }
  if (why.empty()) return why;
  const std::string tail = r.err.shown();
  return tail.empty() ? why : why + "; node's stderr ends: " + tail;
}

}  // namespace

NodeScriptResult run_node_script(const UsocketAdapter& adapter,
                                 const std::vector<std::string>& args, int timeout_seconds) {
  NodeRun run;
  {
    const ScratchDir dir("fdlab-usocket");
    std::vector<std::string> with_dir = args;
    with_dir.emplace_back(dir.path());
    run = run_node(adapter, with_dir, timeout_seconds);
  }
  NodeScriptResult r;
  r.out = run.out;
  r.err_tail = run.err.shown();
  r.timed_out = run.cut != Cut::none;
  r.exited = !r.timed_out && WIFEXITED(run.status);
  r.status = r.exited ? WEXITSTATUS(run.status) : -1;
  r.signal = !r.timed_out && WIFSIGNALED(run.status) ? WTERMSIG(run.status) : 0;
  return r;
}

ReplayReport replay_on_usocket(const Scenario& sc, const std::string& file,
                               const UsocketAdapter& adapter) {
  {
    std::lock_guard<std::mutex> lock(setup_mutex);
    if (!setup_problem().empty()) throw std::runtime_error(setup_problem());
  }
  ReplayReport report;
  report.backend = "usocket";
  NodeRun run;
  {
    // The scenario's private directory for the package's socket files: removed after node has
    // exited or been killed, so a crash or a hang leaves nothing.
    const ScratchDir dir("fdlab-usocket");
    run =
        run_node(adapter, {adapter.script, "--dir", dir.path(), "--variant", adapter.variant, file},
                 adapter.step_timeout_seconds);
  }
  throw_if_not_runnable(adapter, run);
  std::istringstream lines(run.out);
  std::string line;
  bool done = false;
  while (std::getline(lines, line)) {
    nlohmann::json rec = nlohmann::json::parse(line, nullptr, false);
    if (rec.is_discarded()) continue;
    if (rec.value("done", false)) {
      done = true;
      continue;
    }
    if (!rec.contains("step")) continue;  // the adapter's first line names it (protocol)
    report.trace.push_back(std::move(rec));
  }
  const auto& steps = sc.usocket->steps;
  for (const auto& rec : report.trace) {
    const int i = rec.value("step", -1);
    if (i < 0 || i >= static_cast<int>(steps.size()) || !steps[i].expect) continue;
    for (auto& m : usocket::match_usocket_expectation(*steps[i].expect, rec))
      report.failures.push_back({i, m});
  }
  // Records come in step order, one per finished step: the next one is where node stopped.
  const int stopped_at = report.trace.empty() ? 0 : report.trace.back().value("step", -1) + 1;
  const std::string why = run_failure(adapter, run, sc, stopped_at, done);
  if (run.cut == Cut::budget) report.timed_out_at = stopped_at;
  if (!why.empty()) report.failures.push_back({stopped_at, why});
  return report;
}

}  // namespace fdlab
