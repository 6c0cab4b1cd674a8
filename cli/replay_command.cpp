#include "cli/replay_command.h"

#include <fmt/core.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/backends.h"
#include "cli/usocket_adapter.h"
#include "core/harness_error.h"
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
  return run.report.passed() ? "pass" : "FAIL";
}

nlohmann::json run_json(const BackendRun& run, bool with_trace) {
  nlohmann::json j{{"status", status_of(run)}, {"seconds", run.seconds}};
  if (!run.skipped.empty()) {
    j["skipped"] = run.skipped;
    return j;
  }
  if (!run.report.error.empty()) j["error"] = run.report.error;
  auto& failures = j["failures"] = nlohmann::json::array();
  for (const auto& f : run.report.failures)
    failures.push_back({{"step", f.step}, {"message", f.message}});
  if (with_trace) j["trace"] = run.report.trace;
  return j;
}

FileResult replay_file(const std::string& file, const std::vector<std::string>& backends) {
  FileResult r;
  r.file = file;
  Scenario sc;
  try {
    sc = parse_scenario(read_text_file(file), file);
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
      if (b == "usocket") {
        run.report = replay_on_usocket(sc, file, default_usocket_adapter());
      } else {
        auto kernel = make_kernel(b);
        run.report = replay(sc, *kernel);
        kernel.reset();
      }
      run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    }
    r.runs.emplace(b, std::move(run));
  }
  std::vector<const BackendRun*> ran;
  for (const auto& b : backends)
    if (r.runs[b].skipped.empty()) ran.push_back(&r.runs[b]);
  if (ran.size() >= 2) {
    r.compared = true;
    r.divergence = first_divergence(ran[0]->report.trace, ran[1]->report.trace);
  }
  return r;
}

bool file_ok(const FileResult& r) {
  if (!r.parse_error.empty()) return false;
  for (const auto& [name, run] : r.runs)
    if (run.skipped.empty() && !run.report.passed()) return false;
  return !r.divergence.found;
}

void print_details(const FileResult& r, const std::vector<std::string>& backends) {
  if (!r.parse_error.empty()) {
    fmt::print("    error: {}\n", r.parse_error);
    return;
  }
  for (const auto& b : backends) {
    const auto& run = r.runs.at(b);
    if (!run.report.error.empty()) fmt::print("    {}: error: {}\n", b, run.report.error);
    for (const auto& f : run.report.failures)
      fmt::print("    {}: step {}: {}\n", b, f.step, f.message);
  }
  if (r.divergence.found) {
    fmt::print("    traces differ at record {}:\n      {}: {}\n      {}: {}\n", r.divergence.index,
               backends[0], r.divergence.left.dump(), backends[1], r.divergence.right.dump());
  }
}

}  // namespace

int run_replay(const ReplayOptions& opt) {
  const auto backends = expand_backends(opt.backend);
  const auto files = collect_scenario_files(opt.paths);

  std::vector<FileResult> results;
  std::size_t width = 8;
  for (const auto& f : files) {
    results.push_back(replay_file(f, backends));
    width = std::max(width, (results.back().id.empty() ? f : results.back().id).size());
  }

  bool any_bad = false, any_failed = false;
  std::map<std::string, int> passed;
  std::map<std::string, double> seconds;
  int agreed = 0, compared = 0;
  if (!opt.quiet) {
    std::string header = fmt::format("{:<{}}", "scenario", width);
    for (const auto& b : backends) header += fmt::format("  {:<8}", b);
    if (backends.size() >= 2) header += "  traces";
    fmt::print("{}\n{}\n", header, std::string(header.size(), '-'));
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
    }
    if (!opt.quiet || !file_ok(r)) {
      fmt::print("{}\n", line);
      if (!file_ok(r)) print_details(r, backends);
    }
    if (opt.print_trace) {
      for (const auto& [name, run] : r.runs)
        for (const auto& rec : run.report.trace) fmt::print("  {} {}\n", name, rec.dump());
    }
  }

  std::string summary = fmt::format("{} scenarios", results.size());
  for (const auto& b : backends)
    summary += fmt::format("; {}: {} passed ({:.2f} s)", b, passed[b], seconds[b]);
  if (backends.size() >= 2)
    summary += fmt::format("; traces identical in {} of {}", agreed, compared);
  fmt::print("{}\nkernel: Linux {}\n", summary, host_kernel_release());

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
    if (opt.json_path == "-") {
      std::cout << report.dump(2) << "\n";
    } else {
      std::ofstream out(opt.json_path);
      out << report.dump(2) << "\n";
      if (!out) throw std::runtime_error(opt.json_path + ": cannot be written");
    }
  }
  if (any_bad) return 2;
  return any_failed ? 1 : 0;
}

}  // namespace fdlab
