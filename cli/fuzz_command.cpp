#include "cli/fuzz_command.h"

#include <fcntl.h>
#include <sched.h>
#include <fmt/core.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <new>
#include <sstream>
#include <thread>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/rules_catalogue.h"
#include "core/rules_reached.h"
#include "fuzzing/coverage.h"
#include "fuzzing/differential.h"
#include "fuzzing/scenario_generator.h"
#include "fuzzing/shrinker.h"
#include "fuzzing/usocket_generator.h"
#include "native/posix_kernel.h"
#include "sim/sim_kernel.h"

namespace fdlab {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw HarnessError(path, -1, "", "cannot read the file");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The rule ids of the catalogue that the summary lists for a run at `level`: the level's own,
// both catalogues' for `both`. A usocket run reaches some kernel rules too (its model calls the
// sim) and they are counted, but most are out of its reach (it makes stream sockets only), so
// listing them as never reached would say nothing.
std::vector<std::string> level_rule_ids(const std::string& dir, const std::string& level) {
  std::vector<std::string> ids;
  if (!fs::is_directory(dir)) return ids;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const bool usocket = e.path().stem() == "usocket";  // docs/rules/usocket.json
    if (e.path().extension() == ".json" && (level == "both" || usocket == (level == "usocket")))
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    for (const Rule& r : parse_rules_catalogue(read_file(f.string()), f.string()))
      ids.push_back(r.id);
  return ids;
}

struct Totals {
  long scenarios = 0, diverged = 0, stopped_early = 0, generator_errors = 0;
  long harness_failures = 0;  // an exception that is no HarnessError escaped a replay: a bug
  std::map<std::string, long> harness_errors;  // by kind, both backends alike
  Coverage coverage;

  void merge(const Totals& o) {
    scenarios += o.scenarios;
    diverged += o.diverged;
    stopped_early += o.stopped_early;
    generator_errors += o.generator_errors;
    harness_failures += o.harness_failures;
    for (const auto& [k, n] : o.harness_errors) harness_errors[k] += n;
    coverage.merge(o.coverage);
  }

  // A job's share, sent to the parent through a pipe.
  nlohmann::json to_json() const {
    return {{"scenarios", scenarios},           {"diverged", diverged},
            {"stopped_early", stopped_early},   {"generator_errors", generator_errors},
            {"harness_errors", harness_errors}, {"harness_failures", harness_failures},
            {"coverage", coverage.to_json({})}};
  }
  static Totals from_json(const nlohmann::json& j) {
    Totals t;
    t.scenarios = j.at("scenarios");
    t.diverged = j.at("diverged");
    t.stopped_early = j.at("stopped_early");
    t.generator_errors = j.at("generator_errors");
    t.harness_errors = j.at("harness_errors").get<std::map<std::string, long>>();
    t.harness_failures = j.at("harness_failures");
    t.coverage = Coverage::from_json(j.at("coverage"));
    return t;
  }
};

// What the jobs share: the next seed to take and how many are done. In memory shared across
// fork(), because each job is a process of its own: RLIMIT_NOFILE, the working directory and
// the umask that the native backend sets around a call belong to the whole process, so two
// jobs as threads would see each other's (measured: a soft limit of 0 left behind by two
// overlapping windows made every later socketpair EMFILE).
struct SharedCounters {
  std::atomic<std::uint64_t> next;
  std::atomic<long> done;
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "shared across processes");

// Job `index` and every thread it starts on one core of those this process may use, round
// robin: its driver and its scenario processes' workers then hand each call over on one core
// (a yield; no wake-up across cores, no spinning while the other side waits for the core), and
// jobs do not take each other's cores (docs/performance.md, "Fuzzing").
void pin_to_one_cpu(int index) {
  cpu_set_t allowed;
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  if (cpus.size() < 2) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpus[static_cast<std::size_t>(index) % cpus.size()], &one);
  ::sched_setaffinity(0, sizeof one, &one);  // a hint: unpinned, the job is only slower
}

SharedCounters* map_shared() {
  void* m = ::mmap(nullptr, sizeof(SharedCounters), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw HarnessError("", -1, "", "fuzz: mmap failed");
  return new (m) SharedCounters{};
}

class FuzzRun {
 public:
  FuzzRun(const FuzzOptions& opt, const GeneratorOptions& gen) : opt_(opt), gen_(gen) {
    shared_->next = opt.seed;
    shared_->done = 0;
  }
  FuzzRun(const FuzzRun&) = delete;
  FuzzRun& operator=(const FuzzRun&) = delete;

  ~FuzzRun() { ::munmap(shared_, sizeof(SharedCounters)); }

  void run() {
    start_ = Clock::now();
    if (opt_.minutes > 0)
      deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double, std::ratio<60>>(opt_.minutes));
    if (opt_.jobs == 1) {
      std::thread progress([this] { report_progress(); });
      totals_ = work();
      done_ = true;
      progress.join();
      return;
    }
    std::vector<Job> jobs;
    for (int j = 0; j < opt_.jobs; ++j) jobs.push_back(start_job(j));
    std::thread progress([this] { report_progress(); });
    for (Job& job : jobs) collect(job);
    done_ = true;
    progress.join();
  }

  const Totals& totals() const { return totals_; }
  int job_failures() const { return job_failures_; }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  struct Job {
    pid_t pid;
    int from;  // the read end of the pipe its totals come through
  };

  // A child process that runs work() and writes its totals as JSON; exit status 0 once written.
  Job start_job(int index) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw HarnessError("", -1, "", "fuzz: pipe failed");
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw HarnessError("", -1, "", "fuzz: fork failed");
    if (pid == 0) {
      ::close(fds[0]);
      if (opt_.pin) pin_to_one_cpu(index);
      int status = 0;
      try {
        const std::string out = work().to_json().dump();
        for (std::size_t at = 0; at < out.size();) {
          const ssize_t n = ::write(fds[1], out.data() + at, out.size() - at);
          if (n <= 0) break;
          at += static_cast<std::size_t>(n);
        }
      } catch (const std::exception& e) {
        fmt::print(stderr, "fuzz: a job failed: {}\n", e.what());
        status = 2;
      }
      std::fflush(nullptr);
      ::_exit(status);
    }
    ::close(fds[1]);
    return {pid, fds[0]};
  }

  void collect(Job& job) {
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = ::read(job.from, buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(job.from);
    int status = 0;
    while (::waitpid(job.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || text.empty()) {
      ++job_failures_;
      return;
    }
    totals_.merge(Totals::from_json(nlohmann::json::parse(text)));
  }

  bool take(std::uint64_t& seed) {
    if (deadline_ != Clock::time_point{} && Clock::now() >= deadline_) return false;
    seed = shared_->next.fetch_add(1);
    return seed - opt_.seed < static_cast<std::uint64_t>(opt_.count);
  }

  Totals work() {
    PosixKernel native;  // reused: finish() leaves it ready for the next scenario
    Totals mine;
    std::uint64_t seed = 0;
    while (take(seed)) {
      one(seed, native, mine);
      shared_->done.fetch_add(1, std::memory_order_relaxed);
    }
    return mine;
  }

  void one(std::uint64_t seed, PosixKernel& native, Totals& t) {
    const std::string id = "fuzz/" + std::to_string(seed);
    ++t.scenarios;
    GeneratedScenario g;
    Scenario sc;
    const bool usocket = opt_.level == "usocket" || (opt_.level == "both" && seed % 2 == 1);
    try {
      SeededChoices choices(seed);
      g = usocket ? generate_usocket_scenario(choices, gen_, id)
                  : generate_scenario(choices, gen_, id);
      sc = parse_scenario(g.scenario.dump(), id);
    } catch (const GeneratorBug& e) {
      ++t.generator_errors;
      print_locked(fmt::format("seed {}: the generator failed: {}\n{}", seed, e.what(),
                               save("generated", seed, e.partial())));
      return;
    } catch (const std::exception& e) {
      ++t.generator_errors;
      print_locked(fmt::format("seed {}: the generator failed: {}\n", seed, e.what()));
      return;
    }
    t.stopped_early += g.stopped_early;
    SimKernel sim;
    RulesReached rules;  // what the sim applied: docs/rules.md's rules this scenario reached
    sim.set_rules_sink(&rules);
    DifferentialRun run;
    try {
      run = run_differential(sc, sim, native);
    } catch (const std::exception& e) {
      // Not a divergence and not the scenario's fault: the harness broke (found by a 30-minute
      // run under heavy load: a watchdog called a socket() blocked, and code that trusted it
      // threw). Said with its seed; the job goes on once the native kernel is cleaned up.
      ++t.harness_failures;
      print_locked(fmt::format("seed {}: the harness failed: {}\n{}", seed, e.what(),
                               save("", seed, g.scenario)));
      native.finish();
      return;
    }
    t.coverage.add_scenario();
    for (const auto& rule : rules.counts()) t.coverage.add_rule(std::string(rule.first));
    const auto& steps = g.scenario["steps"];
    for (std::size_t i = 0; i < run.sim.trace.size() && i < steps.size(); ++i)
      if (usocket)
        t.coverage.add_usocket_step(steps[i], run.sim.trace[i], g.target_kinds[i]);
      else
        t.coverage.add_step(steps[i], run.sim.trace[i], g.target_kinds[i]);
    if (!run.sim.error.empty()) ++t.harness_errors[harness_error_kind(run.sim.error, id)];
    if (run.verdict == Verdict::agree) return;
    ++t.diverged;
    found(seed, g.scenario, run, native);
  }

  void found(std::uint64_t seed, const nlohmann::json& scenario, const DifferentialRun& run,
             PosixKernel& native) {
    std::string out = fmt::format("seed {}: {}\n", seed, run.difference);
    out += save("", seed, scenario);
    if (!opt_.save_dir.empty() && opt_.shrink) out += shrink_and_save(seed, scenario, native);
    print_locked(out);
  }

  // Writes fuzz-<seed>[-what].json into --save's folder, if one was given; says where.
  std::string save(const std::string& what, std::uint64_t seed, const nlohmann::json& scenario) {
    if (opt_.save_dir.empty()) return "";
    fs::create_directories(opt_.save_dir);
    const auto path =
        fmt::format("{}/fuzz-{}{}.json", opt_.save_dir, seed, what.empty() ? "" : "-" + what);
    std::ofstream(path) << scenario.dump(1) << "\n";
    return fmt::format("  saved {}\n", path);
  }

  std::string shrink_and_save(std::uint64_t seed, const nlohmann::json& scenario,
                              PosixKernel& native) {
    const auto differs = [&](const nlohmann::json& candidate) {
      try {
        const Scenario sc = parse_scenario(candidate.dump(), candidate.value("id", "shrink"));
        SimKernel sim;
        return run_differential(sc, sim, native).verdict == Verdict::diverged;
      } catch (const std::exception&) {
        return false;  // not a scenario any more
      }
    };
    const ShrinkResult r = shrink_scenario(scenario, differs);
    nlohmann::json shrunk = r.scenario;
    // Measured on the kernel: each step's expectation is what the kernel did.
    const Scenario sc = parse_scenario(shrunk.dump(), "shrunk");
    SimKernel sim;
    const DifferentialRun run = run_differential(sc, sim, native);
    for (std::size_t i = 0; i < run.native.trace.size() && i < shrunk["steps"].size(); ++i)
      shrunk["steps"][i]["expect"] = expectation_from_record(run.native.trace[i]);
    shrunk["description"] = fmt::format(
        "Shrunk by fdlab fuzz from seed {} ({} tries); the expectations are the kernel's. {}", seed,
        r.tries, run.difference);
    shrunk["rules"] = nlohmann::json::array();
    return fmt::format("  shrunk from {} to {} steps in {} tries\n{}  {}\n",
                       scenario["steps"].size(), shrunk["steps"].size(), r.tries,
                       save("shrunk", seed, shrunk), run.difference);
  }

  void print_locked(const std::string& s) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tty_) fmt::print(stderr, "\r\033[K");
    fmt::print("{}", s);
    std::fflush(stdout);
  }

  // On a terminal, one line rewritten four times a second; otherwise a line every 30 s.
  void report_progress() {
    const auto every = tty_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(30000);
    auto last = Clock::now();
    while (!done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (done_ || Clock::now() - last < every) continue;
      last = Clock::now();
      const long n = shared_->done.load();
      const double s = seconds();
      std::lock_guard<std::mutex> lock(mutex_);
      fmt::print(stderr, "{}fuzz: {} scenarios in {:.0f} s, {:.0f}/s{}", tty_ ? "\r\033[K" : "", n,
                 s, n / s, tty_ ? "" : "\n");
    }
    if (tty_) fmt::print(stderr, "\r\033[K");
  }

  const FuzzOptions& opt_;
  GeneratorOptions gen_;
  SharedCounters* shared_ = map_shared();
  std::atomic<bool> done_{false};
  int job_failures_ = 0;
  Clock::time_point start_, deadline_{};
  std::mutex mutex_;
  Totals totals_;
  const bool tty_ = ::isatty(STDERR_FILENO) != 0;
};

}  // namespace

int run_fuzz(const FuzzOptions& opt) {
  GeneratorOptions gen;
  gen.steps = opt.steps;
  gen.processes = opt.processes;
  std::vector<std::string> rules;
  try {
    if (!opt.weights.empty())
      gen.weights = parse_generator_weights(read_file(opt.weights), opt.weights);
    rules = level_rule_ids(opt.rules, opt.level);
  } catch (const HarnessError& e) {
    fmt::print(stderr, "fdlab fuzz: {}\n", e.what());
    return 2;
  }
  FuzzRun run(opt, gen);
  run.run();
  const Totals& t = run.totals();
  const double s = run.seconds();
  fmt::print(
      "{} generated scenarios of up to {} steps, {} processes, seeds {}..{}, on sim and native "
      "with {} job{} in {:.1f} s: {:.0f} scenarios/s\n",
      t.scenarios, opt.steps, opt.processes, opt.seed, opt.seed + t.scenarios - 1, opt.jobs,
      opt.jobs == 1 ? "" : "s", s, t.scenarios / s);
  fmt::print("  diverged: {}; generator failures: {}; ended early by the generator: {}\n",
             t.diverged, t.generator_errors, t.stopped_early);
  long errors = 0;
  for (const auto& [k, n] : t.harness_errors) errors += n;
  fmt::print("  stopped by the same harness error on both: {}\n", errors);
  for (const auto& [k, n] : t.harness_errors) fmt::print("    {:6}  {}\n", n, k);
  if (t.harness_failures > 0)
    fmt::print("  harness failures (a bug in fdlab, seeds above): {}\n", t.harness_failures);
  if (run.job_failures() > 0)
    fmt::print("  jobs that died before reporting: {}\n", run.job_failures());
  fmt::print("{}", t.coverage.summary(rules));
  if (!opt.coverage.empty()) {
    std::ofstream(opt.coverage) << t.coverage.to_json(rules).dump(1) << "\n";
    fmt::print("coverage written to {}\n", opt.coverage);
  }
  return t.diverged == 0 && t.generator_errors == 0 && t.harness_failures == 0 &&
                 run.job_failures() == 0
             ? 0
             : 1;
}

}  // namespace fdlab
