#pragma once
// CI's loose guard on the speed ratios (issue 14): bench/ratio-limits.json names benchmarks and
// the ratio to the baseline each may not exceed. A limit sits at about twice the ratio measured
// when it was set, so a 2x regression fails and noise does not; and each benchmark's best
// repetition is the one compared, since noise on a shared machine only ever adds time.
#include <map>
#include <string>
#include <vector>

namespace fdlab::bench {

struct RatioLimits {
  std::string baseline;               // the benchmark every ratio divides by
  std::map<std::string, double> max;  // benchmark -> largest ratio allowed
};

// Reads the limits file; a bad file is a HarnessError naming the file and the field.
RatioLimits read_ratio_limits(const std::string& path);

// A --benchmark_filter regex for the baseline and every limited benchmark.
std::string guard_filter(const RatioLimits& limits);

// One line per broken limit ("BM_X: 3.10x BM_RawRound, limit 2.00x"), and one per benchmark
// the run did not measure; empty when every limit holds. best_ns: each benchmark's fastest
// repetition.
std::vector<std::string> broken_limits(const RatioLimits& limits,
                                       const std::map<std::string, double>& best_ns);

}  // namespace fdlab::bench
