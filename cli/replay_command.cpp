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

ReplayLimits time_budget(double seconds) {
  ReplayLimits limits;
  if (seconds <= 0) return limits;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(seconds));
  limits.out_of_time = [deadline] { return Clock::now() >= deadline; };
  return limits;
}

// A job's kernels. The native one is kept from scenario to scenario, as `fdlab fuzz` keeps it:
// finish() leaves it ready for the next, and its threads cost more to make than a short
// scenario takes (docs/decisions.md, "A kernel keeps its workers"). The sim is made afresh.
class Kernels {
 public:
  ReplayReport replay_on(const std::string& backend, const Scenario& sc, const std::string& file,
                         const ReplayOptions& opt) {
    if (backend == "usocket") {
      UsocketAdapter adapter = default_usocket_adapter();
      adapter.budget_seconds = opt.timeout_seconds;
      return replay_on_usocket(sc, file, adapter);
    }
    std::unique_ptr<Kernel> fresh;
    Kernel* kernel = nullptr;
    if (backend == "native") {
      if (!native_) native_ = make_kernel(backend);
      kernel = native_.get();
    } else {
      fresh = make_kernel(backend);
      kernel = fresh.get();
    }
    try {
      return replay(sc, *kernel, time_budget(opt.timeout_seconds));
    } catch (...) {
      // replay() ends every run it can with finish(); one that escaped it leaves a kernel in
      // an unknown state, which the next scenario must not inherit.
      if (kernel == native_.get()) native_.reset();
      throw;
    }
  }

 private:
  std::unique_ptr<Kernel> native_;
};

FileResult replay_file(const std::string& file, const std::vector<std::string>& backends,
                       const ReplayOptions& opt, Kernels& kernels) {
  FileResult r;
  r.file = file;
  Scenario sc;
  try {
    sc = parse_scenario(read_text_file(file), file);
  } catch (const std::bad_alloc&) {
    r.parse_error = file + ": out of memory while reading or parsing it";
    return r;
  } catch (const std::exception& e) {
    r.parse_error = e.what();
    return r;
  }
  r.id = sc.id;
  for (const auto& b : backends) {
    BackendRun run;
    run.skipped = skip_reason(sc, b);
    if (run.skipped.empty()) {
      const auto start = Clock::now();
      // A backend that cannot start (or dies) fails this scenario, not the whole run.
      try {
        run.report = kernels.replay_on(b, sc, file, opt);
      } catch (const HarnessError& e) {
        run.report.error = e.located(file, -1).what();
      } catch (const std::exception& e) {
        run.report.error = file + ": " + b + ": " + e.what();
      }
      run.report.backend = b;
      run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    r.runs.emplace(b, std::move(run));
  }
  return r;
}

// The traces of the first two backends that ran, compared.
void compare(FileResult& r, const std::vector<std::string>& backends) {
  if (!r.parse_error.empty()) return;
  std::vector<const BackendRun*> ran;
  for (const auto& b : backends)
    if (r.runs[b].skipped.empty()) ran.push_back(&r.runs[b]);
  // A run cut short by its time budget has no end to compare: its result says so instead.
  if (ran.size() >= 2 && !ran[0]->report.timed_out() && !ran[1]->report.timed_out()) {
    r.compared = true;
    r.divergence = first_divergence(ran[0]->report.trace, ran[1]->report.trace);
  }
}

// A FileResult as a replay job sends it back (cli/replay_jobs.h); the comparison is made by
// the parent.
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
  return {{"file", r.file}, {"id", r.id}, {"parse_error", r.parse_error}, {"runs", runs}};
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
    compare(results.back(), backends);
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
