#pragma once
// The README's quick usage, run as written (adapters/usocket/readme-quick-usage.js): whether the
// package's own example works is a finding of its own, apart from the adapter's way of driving.
#include <nlohmann/json.hpp>

#include "cli/usocket_adapter.h"

namespace fdlab {

struct ReadmeRun {
  // The script's one JSON line ({"completed", "received", "events", ...}), or {"error": why}.
  nlohmann::json result;
  // What the guard pins: whether it completed and what the client received.
  nlohmann::json pin() const;
};

ReadmeRun run_readme_quick_usage(const UsocketAdapter& adapter);

}  // namespace fdlab
