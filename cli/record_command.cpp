#include "cli/record_command.h"

#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/backends.h"
#include "cli/runner_kernel.h"
#include "core/level.h"
#include "core/replay.h"
#include "corpus/scenario_files.h"

namespace fdlab {

int run_record(const RecordOptions& opt) {
  Scenario sc;
  try {
    sc = parse_scenario_lazily(read_text_file(opt.scenario), opt.scenario);
  } catch (const std::exception& e) {
    fmt::print(stderr, "fdlab record: {}\n", e.what());
    return 2;
  }
  if (!opt.runner_command.empty()) set_runner_command(opt.runner_command);
  std::unique_ptr<Kernel> kernel;
  try {
    kernel = make_kernel(opt.backend);
  } catch (const std::exception& e) {
    fmt::print(stderr, "fdlab record: {}\n", e.what());
    return 2;
  }
  const ReplayReport report = replay(sc, *kernel);
  kernel.reset();
  nlohmann::json out{{"fdlab_trace", 1},          {"scenario", sc.id},
                     {"backend", opt.backend},    {"kernel", host_kernel_release()},
                     {"passed", report.passed()}, {"trace", report.trace}};
  if (!report.error.empty()) out["error"] = report.error;
  for (const auto& f : report.failures)
    out["failures"].push_back({{"step", f.step}, {"message", f.message}});
  if (opt.output == "-") {
    std::cout << out.dump(1) << "\n";
    return 0;
  }
  std::ofstream file(opt.output);
  file << out.dump(1) << "\n";
  if (!file) {
    fmt::print(stderr, "fdlab record: {}: cannot be written\n", opt.output);
    return 2;
  }
  return 0;
}

}  // namespace fdlab
