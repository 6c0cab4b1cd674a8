#include "cli/bench_command.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <vector>

#include "cli/backends.h"
#include "cli/growth_scenario.h"
#include "cli/output_file.h"
#include "cli/scratch_dir.h"

namespace fdlab {
namespace {

using Clock = std::chrono::steady_clock;

struct Point {
  const char* series;  // the knob that grows: steps, fds or bytes
  GrowthShape shape;
};

// Each series grows one knob from a small scenario; the others stay at 1.
std::vector<Point> bench_points(const std::string& series, bool quick) {
  std::vector<Point> out;
  const auto want = [&](const char* s) { return series == "all" || series == s; };
  if (want("steps")) {
    const std::vector<std::size_t> sizes =
        quick ? std::vector<std::size_t>{100, 10000, 100000}
              : std::vector<std::size_t>{100, 1000, 10000, 100000, 1000000};
    for (std::size_t n : sizes) out.push_back({"steps", {n, 1, 1}});
  }
  if (want("fds")) {  // the same number of messages, each carrying more
    const std::size_t rounds = quick ? 100 : 1000;
    const std::vector<int> counts =
        quick ? std::vector<int>{1, 253} : std::vector<int>{1, 4, 16, 64, 253};
    for (int k : counts)
      out.push_back({"fds", {kGrowthSetupSteps + rounds * growth_round_steps(k), k, 1}});
  }
  if (want("bytes")) {  // the same rounds, each writing, passing and reading back more
    const std::size_t rounds = 4;
    const std::vector<std::size_t> sizes =
        quick ? std::vector<std::size_t>{1, 1u << 20}
              : std::vector<std::size_t>{1, 256, 4096, 65536, 1u << 20, 16u << 20};
    for (std::size_t b : sizes)
      out.push_back({"bytes", {kGrowthSetupSteps + rounds * growth_round_steps(1), 1, b}});
  }
  return out;
}

struct Measured {
  int exit_code = -1;  // the replay's; -1 when a signal ended it
  int signal = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system
  long max_rss_kib = 0;
};

// One `fdlab replay -q` of `file` on `backend` in a process of its own (fork + exec). wait4()
// gives that child's own peak resident set and CPU time; RUSAGE_CHILDREN would give the largest
// of all children so far. The fork copies this process's resident pages into the child's count
// until the exec, so this process keeps nothing large (the scenario is written, not held).
Measured measure(const std::string& exe, const std::string& backend, const std::string& file) {
  std::vector<std::string> args{exe, "replay", "-q", "-b", backend, "--timeout", "0", file};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) throw std::runtime_error(std::string("wait4: ") + std::strerror(errno));
  Measured m;
  m.wall_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  m.cpu_seconds = seconds(ru.ru_utime) + seconds(ru.ru_stime);
  m.max_rss_kib = ru.ru_maxrss;  // kilobytes on Linux
  if (WIFEXITED(status)) m.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) m.signal = WTERMSIG(status);
  return m;
}

std::string this_executable() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find this program (/proc/self/exe): " + ec.message());
  return p.string();
}

}  // namespace

int run_bench(const BenchOptions& opt) {
  const std::string exe = opt.replayer.empty() ? this_executable() : opt.replayer;
  const auto backends = expand_backends(opt.backend);
  ScratchDir dir("fdlab-bench");
  nlohmann::json report{{"fdlab_bench", "growth"},
                        {"kernel", host_kernel_release()},
                        {"quick", opt.quick},
                        {"replayer", opt.replayer.empty() ? "this fdlab" : opt.replayer},
                        {"backends", backends}};
  auto& list = report["measurements"] = nlohmann::json::array();
  bool all_passed = true;
  for (const Point& p : bench_points(opt.series, opt.quick)) {
    const std::string file = dir.path() + "/growth.json";
    {
      std::ofstream out(file, std::ios::binary);
      write_growth_scenario(out, p.shape);
      if (!out.flush()) throw std::runtime_error(file + ": cannot be written");
    }
    const auto file_bytes = std::filesystem::file_size(file);
    for (const auto& b : backends) {
      const Measured m = measure(exe, b, file);
      all_passed = all_passed && m.exit_code == 0;
      list.push_back({{"series", p.series},
                      {"steps", p.shape.steps},
                      {"fds", p.shape.fds},
                      {"bytes", p.shape.bytes},
                      {"file_bytes", file_bytes},
                      {"backend", b},
                      {"exit", m.exit_code},
                      {"signal", m.signal},
                      {"wall_seconds", m.wall_seconds},
                      {"cpu_seconds", m.cpu_seconds},
                      {"max_rss_kib", m.max_rss_kib}});
      fmt::print(
          stderr,
          "{:<6} steps {:>8}  fds {:>3}  bytes {:>9}  {:<6} {:7.2f} s cpu {:7.2f} s wall {:8.1f} "
          "MiB{}\n",
          p.series, p.shape.steps, p.shape.fds, p.shape.bytes, b, m.cpu_seconds, m.wall_seconds,
          m.max_rss_kib / 1024.0,
          m.exit_code == 0 ? "" : fmt::format("  (exit {}, signal {})", m.exit_code, m.signal));
    }
    std::filesystem::remove(file);
  }
  write_output(opt.output, report.dump(1) + "\n");
  return all_passed ? 0 : 1;
}

}  // namespace fdlab
