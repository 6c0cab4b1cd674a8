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
#include "cli/replay_jobs.h"
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

nlohmann::json run_json(const BackendRun& run, bool with_trace) {
  nlohmann::json j{{"status", status_of(run)}, {"seconds", run.seconds}};
  if (!run.skipped.empty()) {
    j["skipped"] = run.skipped;
    return j;
  }
  if (!run.report.error.empty()) j["error"] = run.report.error;
  if (run.report.timed_out()) j["timed_out_before_step"] = run.report.timed_out_at;
  auto& failures = j["failures"] = nlohmann::json::array();
  for (const auto& f : run.report.failures)
    failures.push_back({{"step", f.step}, {"message", f.message}});
  if (with_trace) j["trace"] = run.report.trace;
  return j;
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
    over_ = !more;
    return more;
  }

  // Whether it stopped by an exception: then it has no trace at all.
  bool died() const { return died_; }

 private:
  void end() {
    over_ = true;
    run_.reset();
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
};

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
                       const ReplayOptions& opt, Kernels& kernels) {
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
  std::vector<std::string> ran;  // the first two are compared
  for (const auto& b : backends) {
    BackendRun& run = r.runs[b];
    run.skipped = skip_reason(sc, b);
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
  if (ran.size() >= 2 && !r.runs[ran[0]].report.timed_out() && !r.runs[ran[1]].report.timed_out()) {
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
  nlohmann::json j{
      {"file", r.file}, {"id", r.id}, {"parse_error", r.parse_error}, {"runs", runs},
      {"compared", r.compared}};
  if (r.divergence.found)
    j["divergence"] = {r.divergence.index, r.divergence.left, r.divergence.right};
  return j;
}

FileResult from_json(const nlohmann::json& j) {
  FileResult r;
  r.file = j.at("file").get<std::string>();
  r.id = j.at("id").get<std::string>();
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

bool file_ok(const FileResult& r) {
  if (!r.parse_error.empty()) return false;
  for (const auto& [name, run] : r.runs)
    if (run.skipped.empty() && !run.report.passed()) return false;
  return !r.divergence.found;
}

// Non-UTF-8 bytes (a file name, a quoted byte in a parse error) must not stop a report from
// being written: they are shown as U+FFFD.
std::string dump_json(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_details(std::FILE* out, const FileResult& r, const std::vector<std::string>& backends,
                   const ReplayOptions& opt) {
  if (!r.parse_error.empty()) {
    fmt::print(out, "    error: {}\n", r.parse_error);
    return;
  }
  for (const auto& b : backends) {
    const auto& run = r.runs.at(b);
    if (!run.report.error.empty()) fmt::print(out, "    {}: error: {}\n", b, run.report.error);
    if (run.report.timed_out())
      fmt::print(out, "    {}: timed out: the {} s budget ran out before step {} (--timeout)\n", b,
                 opt.timeout_seconds, run.report.timed_out_at);
    for (const auto& f : run.report.failures)
      fmt::print(out, "    {}: step {}: {}\n", b, f.step, f.message);
  }
  if (r.divergence.found) {
    fmt::print(out, "    traces differ at record {}:\n      {}: {}\n      {}: {}\n",
               r.divergence.index, backends[0], dump_json(r.divergence.left), backends[1],
               dump_json(r.divergence.right));
  }
}

}  // namespace

int run_replay(const ReplayOptions& opt) {
  const auto backends = expand_backends(opt.backend);
  const auto files = collect_scenario_files(opt.paths);

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
  if (usocket && jobs > 1 && files.size() > 1) {
    Kernels alone;
    made.push_back(to_json(replay_file(files[0], backends, opt, alone)));
    first = 1;
  }
  Kernels kernels;
  for (auto& r : run_in_jobs(files.size() - first, jobs, [&](std::size_t i) {
         return to_json(replay_file(files[first + i], backends, opt, kernels));
       }))
    made.push_back(std::move(r));
  std::vector<FileResult> results;
  std::size_t width = 8;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (made[i]) {
      results.push_back(from_json(*made[i]));
    } else {
      FileResult lost;
      lost.file = files[i];
      lost.parse_error = files[i] + ": no result: the replay job running it died";
      results.push_back(std::move(lost));
    }
    width = std::max(width, (results.back().id.empty() ? files[i] : results.back().id).size());
  }

  bool any_bad = false, any_failed = false;
  std::map<std::string, int> passed;
  std::map<std::string, double> seconds;
  int agreed = 0, compared = 0;
  // With the JSON report on standard output, the table goes to standard error, so that
  // `--json -` is JSON and nothing else.
  std::FILE* out = opt.json_path == "-" ? stderr : stdout;
  if (!opt.quiet) {
    std::string header = fmt::format("{:<{}}", "scenario", width);
    for (const auto& b : backends) header += fmt::format("  {:<8}", b);
    if (backends.size() >= 2) header += "  traces";
    fmt::print(out, "{}\n{}\n", header, std::string(header.size(), '-'));
  }
  for (const auto& r : results) {
    any_bad |= !r.parse_error.empty();
    any_failed |= !file_ok(r);
    std::string line = fmt::format("{:<{}}", r.id.empty() ? r.file : r.id, width);
    for (const auto& b : backends) {
      auto it = r.runs.find(b);
      const std::string s = it == r.runs.end() ? "bad" : status_of(it->second);
      if (s == "pass") ++passed[b];
      if (it != r.runs.end()) seconds[b] += it->second.seconds;
      line += fmt::format("  {:<8}", s);
    }
    if (r.compared) {
      ++compared;
      agreed += !r.divergence.found;
      line += r.divergence.found ? "  DIFFER" : "  same";
    } else if (backends.size() >= 2 && r.parse_error.empty()) {
      line += "  -";
    }
    if (!opt.quiet || !file_ok(r)) {
      fmt::print(out, "{}\n", line);
      if (!file_ok(r)) print_details(out, r, backends, opt);
    }
    if (opt.print_trace) {
      for (const auto& [name, run] : r.runs)
        for (const auto& rec : run.report.trace) fmt::print(out, "  {} {}\n", name, dump_json(rec));
    }
  }

  std::string summary = fmt::format("{} scenarios", results.size());
  for (const auto& b : backends)
    summary += fmt::format("; {}: {} passed ({:.2f} s)", b, passed[b], seconds[b]);
  if (backends.size() >= 2)
    summary += fmt::format("; traces identical in {} of {}", agreed, compared);
  fmt::print(out, "{}\nkernel: Linux {}\n", summary, host_kernel_release());

  if (!opt.json_path.empty()) {
    nlohmann::json report{{"kernel", host_kernel_release()}, {"backends", backends}};
    auto& list = report["scenarios"] = nlohmann::json::array();
    for (const auto& r : results) {
      nlohmann::json j{{"file", r.file}, {"id", r.id}, {"ok", file_ok(r)}};
      if (!r.parse_error.empty()) j["error"] = r.parse_error;
      for (const auto& [name, run] : r.runs) j["backends"][name] = run_json(run, opt.print_trace);
      if (r.compared) {
        j["traces_identical"] = !r.divergence.found;
        if (r.divergence.found)
          j["divergence"] = {{"index", r.divergence.index},
                             {backends[0], r.divergence.left},
                             {backends[1], r.divergence.right}};
      }
      list.push_back(j);
    }
    const std::string text = dump_json(report, 2) + "\n";
    if (opt.json_path == "-") {
      std::cout << text << std::flush;
    } else {
      std::ofstream file(opt.json_path, std::ios::binary);
      file << text;
      if (!file.flush()) throw std::runtime_error(opt.json_path + ": cannot be written");
    }
  }
  if (any_bad) return 2;
  return any_failed ? 1 : 0;
}

}  // namespace fdlab
