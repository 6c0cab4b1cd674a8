// The fd round on the simulator (DESIGN.md: at least 20x faster than the raw kernel round).
// bench_main.cpp prints it as a ratio to BM_RawRound.
#include <benchmark/benchmark.h>

#include "bench/kernel_round.h"
#include "sim/sim_kernel.h"

namespace {

void BM_SimRound(benchmark::State& state) {
  fdlab::SimKernel k;
  fdlab::bench::kernel_round(state, k);
}
BENCHMARK(BM_SimRound);

}  // namespace
