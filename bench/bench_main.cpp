// Runs every benchmark in bench/ and then prints each one's time as a ratio to BM_RawRound,
// since DESIGN.md states the speed targets as ratios measured in one run (absolute times drift
// on this machine). With repetitions, each benchmark's best repetition counts: noise on a
// shared machine only adds time.
//
// --fdlab_guard=FILE: run only the benchmarks FILE limits (bench/ratio-limits.json) and exit 1
// when a ratio is above its limit (CI's loose guard, bench/ratio_guard.h).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/ratio_guard.h"
#include "core/harness_error.h"

namespace {

constexpr const char* kBaseline = "BM_RawRound";

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs)
      if (!run.error_occurred && run.run_type == Run::RT_Iteration) {
        const double t = run.GetAdjustedRealTime();
        auto [it, fresh] = best_ns_.emplace(run.benchmark_name(), t);
        if (!fresh) it->second = std::min(it->second, t);
      }
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratios() const {
    auto base = best_ns_.find(kBaseline);
    if (base == best_ns_.end() || base->second <= 0) return;
    std::printf("\nratio to %s (%.3f us/round), best repetition of each:\n", kBaseline,
                base->second / 1000.0);
    for (const auto& [name, t] : best_ns_)
      std::printf("  %-32s %8.3f us  %6.2fx\n", name.c_str(), t / 1000.0, t / base->second);
  }
  const std::map<std::string, double>& best_ns() const { return best_ns_; }

 private:
  std::map<std::string, double> best_ns_;
};

// Takes --fdlab_guard=FILE out of argv (Google Benchmark refuses flags it does not know).
std::optional<std::string> take_guard_flag(int& argc, char** argv) {
  constexpr const char* kFlag = "--fdlab_guard=";
  std::optional<std::string> file;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], kFlag, std::strlen(kFlag)) == 0)
      file = argv[i] + std::strlen(kFlag);
    else
      argv[out++] = argv[i];
  }
  argc = out;
  return file;
}

}  // namespace

int main(int argc, char** argv) {
  const auto guard_file = take_guard_flag(argc, argv);
  std::optional<fdlab::bench::RatioLimits> limits;
  std::string filter_flag;
  std::vector<char*> args(argv, argv + argc);
  if (guard_file) {
    try {
      limits = fdlab::bench::read_ratio_limits(*guard_file);
    } catch (const fdlab::HarnessError& e) {
      std::fprintf(stderr, "fdlab_bench: %s\n", e.what());
      return 2;
    }
    filter_flag = "--benchmark_filter=" + fdlab::bench::guard_filter(*limits);
    args.push_back(filter_flag.data());
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  reporter.print_ratios();
  if (!limits) return 0;
  const auto broken = fdlab::bench::broken_limits(*limits, reporter.best_ns());
  for (const auto& line : broken) std::printf("ratio limit broken: %s\n", line.c_str());
  std::printf("%zu ratio limits, %zu broken (%s)\n", limits->max.size(), broken.size(),
              guard_file->c_str());
  return broken.empty() ? 0 : 1;
}
