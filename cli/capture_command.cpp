#include "cli/capture_command.h"

#include <fmt/core.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/backends.h"
#include "cli/capture_run.h"
#include "cli/capture_scenario.h"
#include "cli/replay_command.h"
#include "cli/scratch_dir.h"
#include "core/level.h"

namespace fdlab {
namespace {

std::string shell_words(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain =
        !a.empty() &&
        a.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") ==
            std::string::npos;
    out += plain ? a : "'" + a + "'";
  }
  return out;
}

std::string program_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The scenario as the bundled ones are laid out: a line per top-level field, one per step.
std::string layout(const nlohmann::ordered_json& sc) {
  std::ostringstream out;
  out << "{";
  bool first = true;
  for (const char* key :
       {"fdlab", "id", "level", "title", "description", "tags", "provenance", "processes"}) {
    if (!sc.contains(key)) continue;
    out << (first ? "" : ",\n ") << nlohmann::ordered_json(key).dump() << ": " << sc[key].dump();
    first = false;
  }
  out << ",\n \"steps\": [";
  for (std::size_t i = 0; i < sc["steps"].size(); ++i)
    out << (i ? ",\n  " : "\n  ") << sc["steps"][i].dump();
  out << "]}\n";
  return out.str();
}

}  // namespace

int run_capture(const CaptureOptions& opt) {
  if (opt.program.empty()) {
    fmt::print(stderr, "fdlab capture: name the program to run after --\n");
    return 2;
  }
  CaptureConversion conv;
  std::string text;
  CaptureInfo info;
  info.id = opt.id.empty() ? "captured/" + program_name(opt.program[0]) : opt.id;
  info.command = shell_words(opt.program);
  info.kernel = host_kernel_release();
  info.uid = static_cast<long>(::getuid());
  info.gid = static_cast<long>(::getgid());
  try {
    const CapturedRun run = run_captured(opt.program, find_capture_library(), opt.log_mib << 20);
    fmt::print(stderr, "fdlab capture: {} {}\n", info.command, run.how_it_ended);
    if (!opt.log.empty()) {
      std::ofstream log(opt.log, std::ios::binary);
      log << run.log;
      if (!log) throw std::runtime_error(opt.log + ": cannot be written");
    }
    conv = convert_capture(run.log, info);
    if (run.overflowed)
      conv.notes.insert(conv.notes.begin(),
                        {-1, true,
                         "the capture's log filled up (--log-mib): the calls after "
                         "that are missing"});
    text = layout(conv.scenario);
    // The project's own parser is the judge of what was written.
    parse_scenario(text, opt.output == "-" ? "<capture>" : opt.output);
  } catch (const std::exception& e) {
    fmt::print(stderr, "fdlab capture: {}\n", e.what());
    return 2;
  }

  ScratchDir scratch("fdlab-capture-out");
  std::string file = opt.output;
  if (opt.output == "-") {
    std::cout << text;
    std::cout.flush();
    file = scratch.path() + "/" + program_name(info.id) + ".json";
  }
  if (opt.output != "-" || opt.replay) {
    std::ofstream out(file);
    out << text;
    if (!out) {
      fmt::print(stderr, "fdlab capture: {}: cannot be written\n", file);
      return 2;
    }
  }
  const std::size_t steps = conv.scenario["steps"].size();
  fmt::print(stderr, "fdlab capture: {} steps in {} process(es){}\n", steps,
             conv.scenario["processes"].size(),
             opt.output == "-" ? "" : ", written to " + opt.output);
  int errors = 0;
  for (const auto& n : conv.notes) {
    errors += n.error;
    fmt::print(stderr, "  {}{}: {}\n", n.error ? "error" : "note",
               n.step >= 0 ? " (step " + std::to_string(n.step) + ")" : "", n.text);
  }
  if (errors)
    fmt::print(stderr,
               "fdlab capture: {} error(s): the scenario may differ from what the program did "
               "(docs/capture.md, \"Limits\")\n",
               errors);
  int status = errors ? 1 : 0;
  if (opt.replay) {
    ReplayOptions replay;
    replay.paths = {file};
    replay.backend = "both";
    replay.jobs = 1;
    std::cout.flush();
    if (run_replay(replay) != 0) status = 1;
  }
  return status;
}

}  // namespace fdlab
