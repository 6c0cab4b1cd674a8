#pragma once
// `fdlab record`: replays one scenario on one backend and writes its trace as a file, for the
// visualizer's divergence view (and for anyone comparing a third backend by hand).
#include <string>

namespace fdlab {

struct RecordOptions {
  std::string scenario;
  std::string backend = "native";
  std::string output = "-";  // "-" = standard output
  std::string runner_command;  // the runner backend's command; "" for its default
};

// 0 when written (whether or not the expectations held: the trace is the point), 2 on a bad
// scenario or an unwritable output.
int run_record(const RecordOptions& options);

}  // namespace fdlab
