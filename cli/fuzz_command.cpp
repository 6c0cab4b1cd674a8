#include "cli/fuzz_command.h"

#include <fmt/core.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "core/level.h"
#include "core/replay.h"
#include "core/scenario_generator.h"
#include "core/trace.h"
#include "native/posix_kernel.h"
#include "sim/sim_kernel.h"

namespace fdlab {

int run_fuzz(const FuzzOptions& opt) {
  const GeneratorOptions gen{opt.steps, opt.processes};
  int diverged = 0, stopped = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < opt.count; ++i) {
    const std::uint64_t seed = opt.seed + static_cast<std::uint64_t>(i);
    const std::string text = generate_scenario(seed, gen);
    const Scenario sc = parse_scenario(text, "fuzz/" + std::to_string(seed));
    SimKernel sim;
    const ReplayReport s = replay(sc, sim);
    PosixKernel native;
    const ReplayReport n = replay(sc, native);
    const Divergence d = first_divergence(s.trace, n.trace);
    stopped += !s.error.empty();
    if (!d.found && s.error == n.error) continue;
    ++diverged;
    fmt::print("seed {}: traces differ at record {}\n  sim:    {}\n  native: {}\n", seed, d.index,
               d.found ? d.left.dump() : s.error, d.found ? d.right.dump() : n.error);
    if (!opt.save_dir.empty()) {
      std::filesystem::create_directories(opt.save_dir);
      const auto path = opt.save_dir + "/fuzz-" + std::to_string(seed) + ".json";
      std::ofstream(path) << nlohmann::json::parse(text).dump(1) << "\n";
      fmt::print("  saved {}\n", path);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(
      "{} generated scenarios of {} steps on sim and native: {} diverged, {} stopped by a "
      "harness error on both; {:.0f} scenarios/s\n",
      opt.count, opt.steps, diverged, stopped, opt.count / seconds);
  return diverged == 0 ? 0 : 1;
}

}  // namespace fdlab
