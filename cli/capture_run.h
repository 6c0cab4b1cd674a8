#pragma once
// Running a program under libfdlab_capture.so: the shared mapping (capture/capture_shared.h)
// made and initialized, the program started with the library preloaded, every process it
// starts waited for (fdlab is their subreaper, so orphans come back to it), and the log read
// back. Nothing here knows the scenario format (cli/capture_scenario.h does).
#include <cstddef>
#include <string>
#include <vector>

namespace fdlab {

struct CapturedRun {
  std::string log;           // JSON lines, one record each, in the order the calls happened
  bool overflowed = false;   // the log (or the set of objects) filled up: it is incomplete
  int exit_status = 0;       // the program's: its exit code, or 128 + the signal that ended it
  std::string how_it_ended;  // "exited with status 0", "killed by signal 9"
};

// Runs argv (argv[0] looked up in PATH) with `library` preloaded and a log of `log_bytes`.
// Throws std::runtime_error when it cannot be set up or started.
CapturedRun run_captured(const std::vector<std::string>& argv, const std::string& library,
                         std::size_t log_bytes);

// libfdlab_capture.so beside the running fdlab: the build tree's capture/ folder, or the
// install's lib/fdlab/ (FDLAB_CAPTURE_LIBRARY overrides both). Throws when none is found.
std::string find_capture_library();

}  // namespace fdlab
