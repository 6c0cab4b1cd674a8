// libFuzzer target for the differential fuzzer: the first input byte picks the level (odd: the
// usocket level, through the usocket reference model), the rest are the generator's choices
// (ByteChoices, two bytes a choice), so libFuzzer's coverage guidance steers which steps are
// generated, over the sim's and the native backend's code alike. Each input's scenario runs on
// a fresh SimKernel and on a PosixKernel kept for the whole process (finish() makes it ready for
// the next); a divergence, a scenario the generator makes but the parser refuses, or a harness
// error on one backend only is a finding. Built by the "fuzz" preset and by the build script of
// the fuzzing services (.clusterfuzzlite/build.sh); docs/fuzzing.md says how to run it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/harness_error.h"
#include "core/level.h"
#include "fuzzing/choice_source.h"
#include "fuzzing/differential.h"
#include "fuzzing/scenario_generator.h"
#include "fuzzing/usocket_generator.h"
#include "native/posix_kernel.h"
#include "sim/sim_kernel.h"

namespace {

// 20 steps of a few choices each fit in far less; longer inputs only repeat the tail's zeros.
constexpr std::size_t kMaxInputBytes = 4096;

[[noreturn]] void finding(const std::string& what, const nlohmann::json& scenario) {
  std::fprintf(stderr, "==fuzz== FINDING: %s\n==fuzz== scenario:\n%s\n", what.c_str(),
               scenario.dump(1).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes || size == 0) return -1;
  const bool usocket = (data[0] & 1) != 0;
  fdlab::ByteChoices choices(data + 1, size - 1);
  fdlab::GeneratorOptions options;
  options.steps = 20;
  options.processes = 3;
  fdlab::GeneratedScenario g;
  try {
    g = usocket ? fdlab::generate_usocket_scenario(choices, options, "fuzz/input")
                : fdlab::generate_scenario(choices, options, "fuzz/input");
  } catch (const fdlab::GeneratorBug& e) {
    finding(std::string("the generator made a step it refuses: ") + e.what(), e.partial());
  }
  fdlab::Scenario sc;
  try {
    sc = fdlab::parse_scenario(g.scenario.dump(), "fuzz/input");
  } catch (const fdlab::HarnessError& e) {
    finding(std::string("the parser refuses a generated scenario: ") + e.what(), g.scenario);
  }
  static auto* native = new fdlab::PosixKernel();  // one per process, like `fdlab fuzz`'s jobs
  fdlab::SimKernel sim;
  const fdlab::DifferentialRun run = fdlab::run_differential(sc, sim, *native);
  if (run.verdict == fdlab::Verdict::diverged) finding(run.difference, g.scenario);
  return 0;
}
