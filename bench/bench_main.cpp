// Runs every benchmark in bench/ and then prints each one's time as a ratio to BM_RawRound,
// since DESIGN.md states the speed targets as ratios measured in one run (absolute times drift
// on this machine).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

namespace {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs)
      if (!run.error_occurred && run.run_type == Run::RT_Iteration)
        ns_[run.benchmark_name()] = run.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratios() const {
    auto base = ns_.find("BM_RawRound");
    if (base == ns_.end() || base->second <= 0) return;
    std::printf("\nratio to BM_RawRound (%.3f us/round):\n", base->second / 1000.0);
    for (const auto& [name, t] : ns_)
      std::printf("  %-32s %8.3f us  %6.2fx\n", name.c_str(), t / 1000.0, t / base->second);
  }

 private:
  std::map<std::string, double> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  reporter.print_ratios();
  return 0;
}
