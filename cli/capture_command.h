#pragma once
// `fdlab capture -- PROGRAM ARGS...`: runs a program with libfdlab_capture.so preloaded and
// writes the AF_UNIX and pipe calls it made as a kernel-level scenario (docs/capture.md).
#include <cstddef>
#include <string>
#include <vector>

namespace fdlab {

struct CaptureOptions {
  std::vector<std::string> program;  // the program and its arguments
  std::string output = "-";          // the scenario file ("-": standard output)
  std::string id;                    // the scenario's id (default captured/PROGRAM)
  bool replay = false;               // replay it on sim and native, print the table
  std::string log;                   // also keep the raw log here
  std::size_t log_mib = 256;         // room for the log
};

// Exit status: 0 when the scenario was written, parses, says exactly what the program did
// (no error notes), and (--replay) passed on both backends with identical traces; 1 when it was
// written but has error notes or failed its replay; 2 when no scenario could be made.
int run_capture(const CaptureOptions& options);

}  // namespace fdlab
