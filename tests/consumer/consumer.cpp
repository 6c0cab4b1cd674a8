// Replays one scenario file on the simulator, through the installed fdlab package only.
// Prints "ID: pass" or each failure, and exits 0 only when every expectation held.
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/level.h"
#include "sim/sim_kernel.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer SCENARIO.json\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();
  try {
    const fdlab::Scenario sc = fdlab::parse_scenario(text.str(), argv[1]);
    fdlab::SimKernel kernel;
    const fdlab::ReplayReport report = fdlab::replay(sc, kernel);
    for (const auto& f : report.failures)
      std::cout << sc.id << ": step " << f.step << ": " << f.message << "\n";
    if (!report.error.empty()) std::cout << sc.id << ": error: " << report.error << "\n";
    if (!report.passed()) return 1;
    std::cout << sc.id << ": pass (" << report.trace.size() << " records)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}
