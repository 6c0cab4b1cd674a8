// Prints the simulator's trace of each scenario file, one JSON line per file. Built natively and
// with Emscripten; tests/compare_sim_traces.js checks that both builds print the same bytes.
#include <iostream>

#include "core/harness_error.h"
#include "core/level.h"
#include "core/replay.h"
#include "corpus/scenario_files.h"
#include "sim/sim_kernel.h"

int main(int argc, char** argv) {
  std::vector<std::string> paths(argv + 1, argv + argc);
  try {
    for (const auto& file : fdlab::collect_scenario_files(paths)) {
      const auto sc = fdlab::parse_scenario(fdlab::read_text_file(file), file);
      fdlab::SimKernel kernel;
      const auto report = fdlab::replay(sc, kernel);
      nlohmann::json line{{"id", sc.id}, {"passed", report.passed()}, {"trace", report.trace}};
      std::cout << line.dump() << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "fdlab_sim_trace: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
