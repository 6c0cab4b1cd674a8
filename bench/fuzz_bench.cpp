// Differential fuzzing's throughput (issue: at least 1000 generated 20-step scenarios per second
// through both backends on a 2-core machine). One iteration is one scenario of the default
// generator: generated, parsed, replayed on the sim and on the real kernel, traces compared.
// The breakdowns say where a scenario's time goes. bench_main.cpp prints each as a ratio to
// BM_RawRound; scenarios/s is 1e6 / (µs per iteration).
#include <benchmark/benchmark.h>

#include <cstdint>

#include "core/level.h"
#include "core/scenario.h"
#include "fuzzing/scenario_generator.h"
#include "native/posix_kernel.h"
#include "sim/sim_kernel.h"

namespace {

constexpr int kSteps = 20;

fdlab::Scenario generated(std::uint64_t seed) {
  fdlab::GeneratorOptions opt;
  opt.steps = kSteps;
  return fdlab::parse_scenario(fdlab::generate_scenario(seed, opt), "fuzz/bench");
}

void BM_FuzzGenerate(benchmark::State& state) {
  std::uint64_t seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(generated(seed++));
}
BENCHMARK(BM_FuzzGenerate);

void BM_FuzzSimOnly(benchmark::State& state) {
  std::uint64_t seed = 1;
  for (auto _ : state) {
    const fdlab::Scenario sc = generated(seed++);
    fdlab::SimKernel sim;
    benchmark::DoNotOptimize(fdlab::replay(sc, sim));
  }
}
BENCHMARK(BM_FuzzSimOnly);

// As `fdlab fuzz` runs them: one native kernel for the whole run (finish() keeps its workers).
void BM_FuzzNativeOnly(benchmark::State& state) {
  std::uint64_t seed = 1;
  fdlab::PosixKernel native;
  for (auto _ : state) {
    const fdlab::Scenario sc = generated(seed++);
    benchmark::DoNotOptimize(fdlab::replay(sc, native));
  }
}
BENCHMARK(BM_FuzzNativeOnly)->UseRealTime();

}  // namespace

namespace {
// Breakdown: a native kernel's set-up and tear-down alone (two scenario processes, no step).
void BM_NativeKernelLifetime(benchmark::State& state) {
  for (auto _ : state) {
    fdlab::PosixKernel native;
    native.add_process();
    native.add_process();
    benchmark::DoNotOptimize(native.finish());
  }
}
BENCHMARK(BM_NativeKernelLifetime)->UseRealTime();

// The same with one kernel kept, as `fdlab fuzz` keeps it: finish() resets the workers for the
// next add_process instead of stopping them.
void BM_NativeKernelReused(benchmark::State& state) {
  fdlab::PosixKernel native;
  for (auto _ : state) {
    native.add_process();
    native.add_process();
    benchmark::DoNotOptimize(native.finish());
  }
}
BENCHMARK(BM_NativeKernelReused)->UseRealTime();
}  // namespace
