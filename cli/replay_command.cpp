#include "cli/replay_command.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/backends.h"
#include "cli/expectations.h"
#include "cli/output_file.h"
#include "cli/replay_jobs.h"
#include "cli/result_formats.h"
#include "cli/run_results.h"
#include "cli/runner_kernel.h"
#include "cli/usocket_adapter.h"
#include "core/harness_error.h"
#include "core/level.h"
#include "core/replay.h"
#include "core/trace.h"
#include "corpus/scenario_files.h"

namespace fdlab {
namespace {

using Clock = std::chrono::steady_clock;

struct BackendRun {
  std::string skipped;  // reason, when skipped
  ReplayReport report;
  double seconds = 0;
};

struct FileResult {
  std::string file;
  std::string id;
  std::vector<std::string> rules;
  std::string parse_error;
  std::map<std::string, BackendRun> runs;
  Divergence divergence;  // between the first two backends that ran
  bool compared = false;
};

std::string status_of(const BackendRun& run) {
  if (!run.skipped.empty()) return "skipped";
  if (!run.report.error.empty()) return "error";
  if (run.report.timed_out()) return "timeout";
  return run.report.passed() ? "pass" : "FAIL";
}

// Runs `f` as part of `run`, timed; a backend that cannot start (or dies) fails this scenario,
// not the whole run: its report becomes that error alone. Returns false when it did.
template <typename F>
bool guarded(BackendRun& run, const std::string& backend, const std::string& file, F f) {
  const auto start = Clock::now();
  std::string error;
  try {
    f();
  } catch (const HarnessError& e) {
    error = e.located(file, -1).what();
  } catch (const std::exception& e) {
    error = file + ": " + backend + ": " + e.what();
  }
  if (!error.empty()) {
    run.report = ReplayReport{};
    run.report.error = error;
    run.report.backend = backend;
  }
  run.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  return error.empty();
}

// A job's kernels. The native one is kept from scenario to scenario, as `fdlab fuzz` keeps it:
// finish() leaves it ready for the next, and its threads cost more to make than a short
// scenario takes (docs/decisions.md, "A kernel keeps its workers"). The others are made afresh.
class Kernels {
 public:
  Kernel& take(const std::string& backend) {
    if (backend != "native") return *(fresh_[backend] = make_kernel(backend));
    if (!native_) native_ = make_kernel(backend);
    return *native_;
  }
  // The run on `backend` is over. One that ended by an exception may have left its kernel in
  // an unknown state, which the next scenario must not inherit.
  void done(const std::string& backend, bool died) {
    fresh_.erase(backend);
    if (died && backend == "native") native_.reset();
  }

 private:
  std::unique_ptr<Kernel> native_;
  std::map<std::string, std::unique_ptr<Kernel>> fresh_;
};

// One kernel backend's run of a scenario, a step at a time, so that two backends go side by
// side and their records are compared as they are made: a long scenario's traces are never
// kept whole (unless --trace prints them). Its time budget counts its own time only.
class SteppedRun {
 public:
  SteppedRun(const std::string& backend, const Scenario& sc, const std::string& file,
             const ReplayOptions& opt, bool keep_trace, Kernels& kernels, BackendRun& out)
      : backend_(backend), file_(file), keep_(keep_trace), kernels_(kernels), out_(out) {
    ReplayLimits limits;
    if (opt.timeout_seconds > 0)
      limits.out_of_time = [this, budget = opt.timeout_seconds] {
        return out_.seconds - started_ >= budget;
      };
    over_ = !guarded(out_, backend_, file_, [&] { kernel_ = &kernels_.take(backend_); });
    started_ = out_.seconds;  // the budget counts from the first step, as before
    if (!over_) {
      over_ = !guarded(out_, backend_, file_, [&] { run_ = start_replay(sc, *kernel_, limits); });
      died_ = over_;
    }
    if (over_) end();
  }

  // Runs the next step; false when the run is over (then its report is in `out`).
  bool next(nlohmann::json& record) {
    if (over_) return false;
    bool more = false;
    const bool ok = guarded(out_, backend_, file_, [&] {
      more = run_->next(record);
      if (!more) {
        std::vector<nlohmann::json> kept = std::move(out_.report.trace);
        out_.report = run_->finish();
        out_.report.trace = std::move(kept);
        end();
      }
    });
    if (!ok) {
      died_ = true;
      end();
      return false;
    }
    if (more && keep_) out_.report.trace.push_back(record);
    records_ += more;
    over_ = !more;
    return more;
  }

  // Whether it stopped by an exception: then it has no trace at all.
  bool died() const { return died_; }
  // What the runner backend could not do ("OP: why"), which stopped the run; "" otherwise.
  const std::string& unsupported() const { return unsupported_; }
  // How many records it made.
  std::size_t records() const { return records_; }
  const std::string& backend() const { return backend_; }

 private:
  void end() {
    over_ = true;
    run_.reset();
    if (const auto* r = dynamic_cast<const RunnerKernel*>(kernel_)) unsupported_ = r->unsupported();
    if (kernel_ != nullptr) kernels_.done(backend_, died_);
    kernel_ = nullptr;
    out_.report.backend = backend_;
  }

  std::string backend_;
  std::string file_;
  bool keep_;
  Kernels& kernels_;
  BackendRun& out_;
  Kernel* kernel_ = nullptr;
  std::unique_ptr<ReplayRun> run_;
  double started_ = 0;  // seconds spent before the run began
  bool over_ = false;
  bool died_ = false;
  std::string unsupported_;
  std::size_t records_ = 0;
};

// A runner that met what it cannot do (an op, flag or option its host lacks: docs/posix-runner.md)
// did not run the scenario: it is skipped there, with the reason, unless its trace differed
// from the other's before that step, which is a divergence like any other. Returns whether a
// compared run was skipped.
bool skip_unsupported(const std::vector<std::unique_ptr<SteppedRun>>& runs, const Divergence& d,
                      bool streamed, FileResult& r) {
  bool compared_skipped = false;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const SteppedRun& run = *runs[i];
    if (run.unsupported().empty()) continue;
    if (streamed && i < 2 && d.found && d.index < run.records()) continue;
    BackendRun& b = r.runs[run.backend()];
    b.skipped = "unsupported " + run.unsupported();
    b.report.error.clear();
    b.report.failures.clear();
    compared_skipped = compared_skipped || i < 2;
  }
  return compared_skipped;
}

// Steps every run in turn until all are over. The first two are compared record by record when
// `compare` (first_divergence's answer, keeping only the records of the step at hand).
Divergence run_side_by_side(std::vector<std::unique_ptr<SteppedRun>>& runs, bool compare) {
  Divergence d;
  std::vector<nlohmann::json> records(runs.size());
  nlohmann::json first[2];  // each side's first record, for one that dies later
  for (std::size_t i = 0;; ++i) {
    bool any = false;
    std::vector<bool> got(runs.size());
    for (std::size_t k = 0; k < runs.size(); ++k) {
      got[k] = runs[k]->next(records[k]);
      any = any || got[k];
    }
    if (!any) break;
    if (!compare) continue;
    for (int k = 0; k < 2; ++k)
      if (i == 0 && got[k]) first[k] = records[k];
    if (d.found) continue;
    const nlohmann::json l = got[0] ? std::move(records[0]) : nlohmann::json(nullptr);
    const nlohmann::json r = got[1] ? std::move(records[1]) : nlohmann::json(nullptr);
    if (l != r) d = Divergence{true, i, l, r};
  }
  // A run that died has no trace: the other's first record (if any) is where they differ.
  if (compare && (runs[0]->died() || runs[1]->died())) {
    const nlohmann::json l = runs[0]->died() ? nlohmann::json(nullptr) : first[0];
    const nlohmann::json r = runs[1]->died() ? nlohmann::json(nullptr) : first[1];
    d = l != r ? Divergence{true, 0, l, r} : Divergence{};
  }
  return d;
}

FileResult replay_file(const std::string& file, const std::vector<std::string>& backends,
                       const ReplayOptions& opt, Kernels& kernels, const Expectations& expectations,
                       const std::string& kernel) {
  FileResult r;
  r.file = file;
  Scenario sc;
  try {
    sc = parse_scenario_lazily(read_text_file(file), file);
  } catch (const std::bad_alloc&) {
    r.parse_error = file + ": out of memory while reading or parsing it";
    return r;
  } catch (const std::exception& e) {
    r.parse_error = e.what();
    return r;
  }
  r.id = sc.id;
  r.rules = sc.rules;
  std::vector<std::string> ran;  // the first two are compared
  for (const auto& b : backends) {
    BackendRun& run = r.runs[b];
    run.skipped = skip_reason(sc, b);
    if (const auto e = expectations.find(sc.id, b, kernel);
        run.skipped.empty() && e && e->status == "SKIP")
      run.skipped = "expected SKIP: " + e->reason;
    if (run.skipped.empty()) ran.push_back(b);
  }
  // The kernel backends run side by side; the usocket package (a node process that plays a
  // whole scenario at once) after them, its trace kept.
  const auto stepped = [](const std::string& b) { return b != "usocket"; };
  const bool streamed = ran.size() >= 2 && stepped(ran[0]) && stepped(ran[1]);
  std::vector<std::unique_ptr<SteppedRun>> runs;
  for (std::size_t i = 0; i < ran.size(); ++i) {
    if (!stepped(ran[i])) continue;
    const bool compared_whole = ran.size() >= 2 && !streamed && i < 2;
    const bool keep = opt.print_trace || compared_whole;
    runs.push_back(
        std::make_unique<SteppedRun>(ran[i], sc, file, opt, keep, kernels, r.runs[ran[i]]));
  }
  const Divergence side_by_side = run_side_by_side(runs, streamed);
  const bool skipped_mid_run = skip_unsupported(runs, side_by_side, streamed, r);
  for (const auto& b : ran) {
    if (stepped(b)) continue;
    BackendRun& run = r.runs[b];
    guarded(run, b, file, [&] {
      UsocketAdapter adapter = default_usocket_adapter();
      adapter.budget_seconds = opt.timeout_seconds;
      run.report = replay_on_usocket(sc, file, adapter);
    });
    run.report.backend = b;
  }
  // A run cut short by its time budget has no end to compare: its result says so instead.
  if (ran.size() >= 2 && !skipped_mid_run && !r.runs[ran[0]].report.timed_out() &&
      !r.runs[ran[1]].report.timed_out()) {
    r.compared = true;
    r.divergence = streamed
                       ? side_by_side
                       : first_divergence(r.runs[ran[0]].report.trace, r.runs[ran[1]].report.trace);
  }
  return r;
}

// A FileResult as a replay job sends it back (cli/replay_jobs.h): the traces replay_file kept
// (for --trace, or to compare with the usocket package's), the comparison as the job made it.
nlohmann::json to_json(const FileResult& r) {
  nlohmann::json runs = nlohmann::json::object();
  for (const auto& [name, run] : r.runs) {
    const ReplayReport& rep = run.report;
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : rep.failures) failures.push_back({f.step, f.message});
    runs[name] = {
        {"skipped", run.skipped},
        {"seconds", run.seconds},
        {"backend", rep.backend},
        {"trace", rep.trace},
        {"failures", failures},
        {"error", rep.error},
        {"timed_out_at", rep.timed_out_at},
        {"leftovers", {rep.leftovers.open_fds, rep.leftovers.leaked, rep.leftovers.detail}}};
  }
  nlohmann::json j{{"file", r.file},   {"id", r.id},
                   {"rules", r.rules}, {"parse_error", r.parse_error},
                   {"runs", runs},     {"compared", r.compared}};
  if (r.divergence.found)
    j["divergence"] = {r.divergence.index, r.divergence.left, r.divergence.right};
  return j;
}

FileResult from_json(const nlohmann::json& j) {
  FileResult r;
  r.file = j.at("file").get<std::string>();
  r.id = j.at("id").get<std::string>();
  r.rules = j.at("rules").get<std::vector<std::string>>();
  r.parse_error = j.at("parse_error").get<std::string>();
  for (const auto& [name, jr] : j.at("runs").items()) {
    BackendRun run;
    run.skipped = jr.at("skipped").get<std::string>();
    run.seconds = jr.at("seconds").get<double>();
    ReplayReport& rep = run.report;
    rep.backend = jr.at("backend").get<std::string>();
    rep.trace = jr.at("trace").get<std::vector<nlohmann::json>>();
    for (const auto& f : jr.at("failures"))
      rep.failures.push_back({f.at(0).get<int>(), f.at(1).get<std::string>()});
    rep.error = jr.at("error").get<std::string>();
    rep.timed_out_at = jr.at("timed_out_at").get<int>();
    const auto& left = jr.at("leftovers");
    rep.leftovers = {left.at(0).get<int>(), left.at(1).get<int>(), left.at(2).get<std::string>()};
    r.runs.emplace(name, std::move(run));
  }
  r.compared = j.at("compared").get<bool>();
  if (const auto d = j.find("divergence"); d != j.end())
    r.divergence = {true, d->at(0).get<std::size_t>(), d->at(1), d->at(2)};
  return r;
}

// Non-UTF-8 bytes (a file name, a quoted byte in a parse error) must not stop a report from
// being written: they are shown as U+FFFD.
std::string dump_json(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A job's result as the outputs read it, with what the expectations say of each backend.
ScenarioResult to_result(FileResult&& r, const std::vector<std::string>& backends,
                         const Expectations& expectations, const std::string& kernel,
                         bool keep_traces) {
  ScenarioResult s;
  s.file = std::move(r.file);
  s.id = std::move(r.id);
  s.rules = std::move(r.rules);
  s.error = std::move(r.parse_error);
  for (auto& [name, run] : r.runs) {
    CaseResult c;
    c.status = status_of(run);
    c.seconds = run.seconds;
    c.skipped = run.skipped;
    c.error = run.report.error;
    c.timed_out_before_step = run.report.timed_out_at;
    c.failures = std::move(run.report.failures);
    if (keep_traces) c.trace = std::move(run.report.trace);
    c.expected = expectations.find(s.id, name, kernel);
    s.backends.emplace(name, std::move(c));
  }
  s.compared = r.compared;
  for (const auto& b : backends)
    if (s.backends.count(b) && s.backends.at(b).skipped.empty() && s.between.size() < 2)
      s.between.push_back(b);
  s.divergence = std::move(r.divergence);
  return s;
}

// The table's cell for a backend: its status, or what an expectation made of it.
std::string cell_of(const ScenarioResult& s, const std::string& backend) {
  auto it = s.backends.find(backend);
  if (it == s.backends.end()) return "bad";
  const Verdict v = verdict_of(s, backend).verdict;
  if (v == Verdict::expected_fail) return "xfail";
  if (v == Verdict::unexpected_pass) return "XPASS";
  return it->second.status;
}

void print_details(std::FILE* out, const ScenarioResult& r,
                   const std::vector<std::string>& backends, const ReplayOptions& opt) {
  if (!r.error.empty()) {
    fmt::print(out, "    error: {}\n", r.error);
    return;
  }
  for (const auto& b : backends) {
    const CaseResult& run = r.backends.at(b);
    if (!run.error.empty()) fmt::print(out, "    {}: error: {}\n", b, run.error);
    if (run.timed_out_before_step >= 0)
      fmt::print(out, "    {}: timed out: the {} s budget ran out before step {} (--timeout)\n", b,
                 opt.timeout_seconds, run.timed_out_before_step);
    for (const auto& f : run.failures)
      fmt::print(out, "    {}: step {}: {}\n", b, f.step, f.message);
    const CaseVerdict v = verdict_of(r, b);
    if (v.verdict == Verdict::expected_fail || v.verdict == Verdict::unexpected_pass ||
        (v.verdict == Verdict::fail && run.expected))
      fmt::print(out, "    {}: {}: {}\n", b, verdict_name(v.verdict), v.message);
  }
  if (r.divergence.found) {
    fmt::print(out, "    traces differ at record {}:\n      {}: {}\n      {}: {}\n",
               r.divergence.index, r.between[0], dump_json(r.divergence.left), r.between[1],
               dump_json(r.divergence.right));
  }
}

}  // namespace

int run_replay(const ReplayOptions& opt) {
  const auto backends = expand_backends(opt.backend);
  if (!opt.runner_command.empty()) set_runner_command(opt.runner_command);
  if ((opt.json_path == "-") + (opt.junit_path == "-") + (opt.tap_path == "-") > 1)
    throw std::invalid_argument("only one of --json, --junit and --tap can be - (standard output)");
  const auto files = collect_scenario_files(opt.paths);
  const Expectations expectations = Expectations::read(opt.expectations);
  RunResults results;
  results.run = describe_this_run(backends, opt.label);
  const std::string& kernel = results.run.kernel;

  // Every result makes the same round trip through JSON, whether a forked job or this process
  // made it, so -j never changes what is printed.
  const int jobs = opt.jobs > 0 ? opt.jobs : default_replay_jobs();
  std::vector<std::optional<nlohmann::json>> made;
  // A usocket backend that cannot run is found by the first scenario and remembered in the
  // process (cli/usocket_adapter.cpp): the first file runs here, before the jobs fork, so that
  // they inherit what it found instead of each starting node to find it again. Its kernels go
  // before the fork: a forked child has none of their threads.
  const bool usocket = std::find(backends.begin(), backends.end(), "usocket") != backends.end();
  std::size_t first = 0;
  const auto replay = [&](const std::string& file, Kernels& k) {
    return to_json(replay_file(file, backends, opt, k, expectations, kernel));
  };
  if (usocket && jobs > 1 && files.size() > 1) {
    Kernels alone;
    made.push_back(replay(files[0], alone));
    first = 1;
  }
  Kernels kernels;
  for (auto& r : run_in_jobs(files.size() - first, jobs,
                             [&](std::size_t i) { return replay(files[first + i], kernels); }))
    made.push_back(std::move(r));
  std::size_t width = 8;
  for (std::size_t i = 0; i < files.size(); ++i) {
    FileResult r;
    if (made[i]) {
      r = from_json(*made[i]);
    } else {
      r.file = files[i];
      r.parse_error = files[i] + ": no result: the replay job running it died";
    }
    results.scenarios.push_back(
        to_result(std::move(r), backends, expectations, kernel, opt.print_trace));
    const ScenarioResult& s = results.scenarios.back();
    width = std::max(width, (s.id.empty() ? s.file : s.id).size());
  }

  bool any_bad = false, any_failed = false;
  std::map<std::string, int> passed, expected_failures, unexpected_passes;
  std::map<std::string, double> seconds;
  int agreed = 0, compared = 0;
  // With a report on standard output, the table goes to standard error, so that `--json -`
  // (or --junit -, --tap -) is that report and nothing else.
  const bool report_on_stdout =
      opt.json_path == "-" || opt.junit_path == "-" || opt.tap_path == "-";
  std::FILE* out = report_on_stdout ? stderr : stdout;
  if (!opt.quiet) {
    std::string header = fmt::format("{:<{}}", "scenario", width);
    for (const auto& b : backends) header += fmt::format("  {:<8}", b);
    if (backends.size() >= 2) header += "  traces";
    fmt::print(out, "{}\n{}\n", header, std::string(header.size(), '-'));
  }
  for (const auto& r : results.scenarios) {
    const bool ok = scenario_ok(r, backends);
    any_bad |= !r.error.empty();
    any_failed |= !ok;
    std::string line = fmt::format("{:<{}}", r.id.empty() ? r.file : r.id, width);
    for (const auto& b : backends) {
      const std::string cell = cell_of(r, b);
      if (cell == "pass") ++passed[b];
      if (cell == "xfail") ++expected_failures[b];
      if (cell == "XPASS") ++unexpected_passes[b];
      if (r.backends.count(b)) seconds[b] += r.backends.at(b).seconds;
      line += fmt::format("  {:<8}", cell);
    }
    if (r.compared) {
      ++compared;
      agreed += !r.divergence.found;
      line += r.divergence.found ? "  DIFFER" : "  same";
    } else if (backends.size() >= 2 && r.error.empty()) {
      line += "  -";
    }
    if (!opt.quiet || !ok) {
      fmt::print(out, "{}\n", line);
      if (!ok) print_details(out, r, backends, opt);
    }
    if (opt.print_trace) {
      for (const auto& [name, run] : r.backends)
        if (run.trace)
          for (const auto& rec : *run.trace) fmt::print(out, "  {} {}\n", name, dump_json(rec));
    }
  }

  std::string summary = fmt::format("{} scenarios", results.scenarios.size());
  for (const auto& b : backends) {
    summary += fmt::format("; {}: {} passed", b, passed[b]);
    if (expected_failures[b] > 0)
      summary += fmt::format(", {} failed as expected", expected_failures[b]);
    if (unexpected_passes[b] > 0)
      summary += fmt::format(", {} passed unexpectedly", unexpected_passes[b]);
    summary += fmt::format(" ({:.2f} s)", seconds[b]);
  }
  if (backends.size() >= 2)
    summary += fmt::format("; traces identical in {} of {}", agreed, compared);
  fmt::print(out, "{}\nkernel: Linux {}\n", summary, kernel);

  if (!opt.json_path.empty())
    write_output(opt.json_path, dump_json(report_json(results), 2) + "\n");
  if (!opt.junit_path.empty()) write_output(opt.junit_path, junit_xml(results));
  if (!opt.tap_path.empty()) write_output(opt.tap_path, tap_stream(results));
  if (any_bad) return 2;
  return any_failed ? 1 : 0;
}

}  // namespace fdlab
