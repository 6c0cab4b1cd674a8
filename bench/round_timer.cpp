// fdlab_round_timer: the simulator's fd round (bench/kernel_round.h, the very body BM_SimRound
// runs) timed with a plain clock instead of Google Benchmark, so that the same program builds
// natively and with Emscripten and the two compare in-process (DESIGN.md: the wasm sim under
// node within 2x of the native sim). scripts/bench-wasm runs both and prints the ratio.
//
//   fdlab_round_timer [--rounds N] [--repetitions R] [--warmup W]
//
// One SimKernel; W rounds of warm-up (the queue's and the fd table's buffers reach their
// steady size, the JIT tiers up under node), then R timed batches of N rounds. Prints each
// batch, then one JSON line: {"build": ..., "rounds": N, "min_ns": ..., "median_ns": ...,
// "cpu_min_ns": ..., "cpu_median_ns": ...}: wall-clock and the process's CPU time per round
// (on a machine shared with other builds the CPU time is the steadier of the two).
// Exit 1 when a round went wrong or something leaked, 2 for a bad argument.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/kernel_round.h"
#include "sim/sim_kernel.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
// The process's CPU time in microseconds, as node counts it (user + system, every thread of
// the process: after the warm-up, JIT and GC threads have next to nothing to do).
EM_JS(double, cpu_us, (), {
  const u = process.cpuUsage();
  return u.user + u.system;
});
#else
#include <ctime>
double cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}
#endif

namespace {

#ifdef __EMSCRIPTEN__
constexpr const char* kBuild = "wasm";
#else
constexpr const char* kBuild = "native";
#endif

bool parse_count(const char* text, long& out) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v <= 0) return false;
  out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  long rounds = 200000, repetitions = 20, warmup = 200000;
  for (int i = 1; i < argc; i += 2) {
    long* target = std::strcmp(argv[i], "--rounds") == 0        ? &rounds
                   : std::strcmp(argv[i], "--repetitions") == 0 ? &repetitions
                   : std::strcmp(argv[i], "--warmup") == 0      ? &warmup
                                                                : nullptr;
    if (target == nullptr || i + 1 == argc || !parse_count(argv[i + 1], *target)) {
      std::fprintf(stderr,
                   "usage: fdlab_round_timer [--rounds N] [--repetitions R] [--warmup W] "
                   "(positive counts)\n");
      return 2;
    }
  }
  using Clock = std::chrono::steady_clock;
  fdlab::SimKernel k;
  fdlab::bench::KernelRound round(k);
  for (long i = 0; i < warmup; ++i) {
    if (const char* error = round.once()) {
      std::fprintf(stderr, "round failed: %s\n", error);
      return 1;
    }
  }
  std::vector<double> ns, cpu_ns;
  for (long rep = 0; rep < repetitions; ++rep) {
    const auto start = Clock::now();
    const double cpu_start = cpu_us();
    for (long i = 0; i < rounds; ++i) {
      if (const char* error = round.once()) {
        std::fprintf(stderr, "round failed: %s\n", error);
        return 1;
      }
    }
    const double cpu = (cpu_us() - cpu_start) * 1e3 / static_cast<double>(rounds);
    const std::chrono::duration<double, std::nano> took = Clock::now() - start;
    ns.push_back(took.count() / static_cast<double>(rounds));
    cpu_ns.push_back(cpu);
    std::printf("%s sim round, batch %ld: %.1f ns (CPU %.1f ns)\n", kBuild, rep + 1, ns.back(),
                cpu);
  }
  const std::string leaked = round.finish();
  if (!leaked.empty()) {
    std::fprintf(stderr, "leaked: %s\n", leaked.c_str());
    return 1;
  }
  std::sort(ns.begin(), ns.end());
  std::sort(cpu_ns.begin(), cpu_ns.end());
  std::printf(
      "{\"build\": \"%s\", \"rounds\": %ld, \"min_ns\": %.2f, \"median_ns\": %.2f, "
      "\"cpu_min_ns\": %.2f, \"cpu_median_ns\": %.2f}\n",
      kBuild, rounds, ns.front(), ns[ns.size() / 2], cpu_ns.front(), cpu_ns[cpu_ns.size() / 2]);
  return 0;
}
