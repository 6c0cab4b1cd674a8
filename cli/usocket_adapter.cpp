#include "cli/usocket_adapter.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>

#include "core/usocket/usocket_replay.h"
#include "core/usocket/usocket_scenario.h"

namespace fdlab {

UsocketAdapter default_usocket_adapter() {
  UsocketAdapter a;
  a.script = std::string(FDLAB_SOURCE_DIR) + "/adapters/usocket/replay.js";
  return a;
}

namespace {

struct ChildRun {
  std::string out;
  std::string error;  // "" when node exited 0 in time
};

// Runs `node script file`, collecting stdout, killing it at the deadline.
ChildRun run_node(const UsocketAdapter& a, const std::string& file) {
  ChildRun r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    r.error = "pipe failed";
    return r;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    r.error = "fork failed";
    return r;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    // Its own process group, so a timeout kills node and anything it started.
    setpgid(0, 0);
    execlp(a.node.c_str(), a.node.c_str(), a.script.c_str(), file.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.timeout_seconds);
  bool timed_out = false;
  char buf[65536];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    const ssize_t got = ::read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    r.out.append(buf, static_cast<std::size_t>(got));
  }
  close(fds[0]);
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    r.error = "node did not finish within " + std::to_string(a.timeout_seconds) + " s (a hang)";
  else if (WIFSIGNALED(status))
    r.error = "node was killed by signal " + std::to_string(WTERMSIG(status)) + " (a crash)";
  else if (WEXITSTATUS(status) == 127)
    r.error = "could not run node (is nodejs installed? see scripts/setup)";
  else if (WEXITSTATUS(status) != 0)
    r.error = "node exited with status " + std::to_string(WEXITSTATUS(status));
  return r;
}

}  // namespace

ReplayReport replay_on_usocket(const Scenario& sc, const std::string& file,
                               const UsocketAdapter& adapter) {
  ReplayReport report;
  report.backend = "usocket";
  const ChildRun run = run_node(adapter, file);
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
    report.trace.push_back(std::move(rec));
  }
  const auto& steps = sc.usocket->steps;
  for (const auto& rec : report.trace) {
    const int i = rec.value("step", -1);
    if (i < 0 || i >= static_cast<int>(steps.size()) || !steps[i].expect) continue;
    for (auto& m : usocket::match_usocket_expectation(*steps[i].expect, rec))
      report.failures.push_back({i, m});
  }
  if (!run.error.empty()) {
    report.failures.push_back({static_cast<int>(report.trace.size()), run.error});
  } else if (!done) {
    report.failures.push_back({static_cast<int>(report.trace.size()),
                               "the adapter stopped before the end of the scenario"});
  }
  return report;
}

}  // namespace fdlab
