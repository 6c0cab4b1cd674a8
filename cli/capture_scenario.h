#pragma once
// A captured run's log (cli/capture_run.h) as a kernel-level scenario: each recorded call one
// step with its real result as its expectation, fds named by the labels of their objects, the
// program's processes as scenario processes. Where the model cannot say what the program did,
// a note says so: an error note when the scenario may differ from the run from there on, a
// plain note when it only writes the same thing another way (docs/capture.md, "Limits").
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fdlab {

struct CaptureNote {
  int step = -1;       // the step it is about, -1 for the whole capture
  bool error = false;  // the scenario may differ from the run (not only say it another way)
  std::string text;
};

struct CaptureInfo {
  std::string id;       // the scenario's id
  std::string command;  // the program and its arguments, for the title and provenance
  std::string kernel;   // the release it ran on
  long uid = 0;         // the uid and gid a trace calls "self" (fdlab's own)
  long gid = 0;
};

struct CaptureConversion {
  nlohmann::ordered_json scenario;  // fields in the order the bundled scenarios use
  std::vector<CaptureNote> notes;
  bool exact() const {
    for (const auto& n : notes)
      if (n.error) return false;
    return true;
  }
};

// Throws std::runtime_error for a log it cannot read, or a program the format cannot hold (more
// than 64 processes).
CaptureConversion convert_capture(const std::string& log, const CaptureInfo& info);

}  // namespace fdlab
