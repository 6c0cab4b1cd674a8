// fdlab: replay, compare and report fd-passing scenarios on the simulator and the real kernel.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "cli/replay_command.h"

int main(int argc, char** argv) {
  CLI::App app{"fdlab: a conformance harness for passing file descriptors over Unix sockets"};
  app.require_subcommand(1);

  fdlab::ReplayOptions replay;
  auto* cmd = app.add_subcommand("replay", "Replay scenario files or folders on the backends");
  cmd->add_option("paths", replay.paths, "scenario files or folders")->required();
  cmd->add_option("--backend,-b", replay.backend, "sim, native or both")
      ->check(CLI::IsMember({"sim", "native", "both"}));
  cmd->add_option("--json", replay.json_path, "write the machine-readable report here (- for stdout)");
  cmd->add_flag("--trace", replay.print_trace, "print every step's trace record");
  cmd->add_flag("--quiet,-q", replay.quiet, "print only failing scenarios and the summary");

  CLI11_PARSE(app, argc, argv);
  try {
    if (cmd->parsed()) return fdlab::run_replay(replay);
  } catch (const std::exception& e) {
    fmt::print(stderr, "fdlab: {}\n", e.what());
    return 2;
  }
  return 0;
}
