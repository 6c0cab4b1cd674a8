#include "cli/readme_quick_usage.h"

#include <filesystem>
#include <sstream>

namespace fdlab {

nlohmann::json ReadmeRun::pin() const {
  if (result.contains("error")) return {{"error", result["error"]}};
  return {{"completed", result.value("completed", false)},
          {"received", result.value("received", nlohmann::json())}};
}

ReadmeRun run_readme_quick_usage(const UsocketAdapter& adapter) {
  const std::string script =
      std::filesystem::path(adapter.script).parent_path().string() + "/readme-quick-usage.js";
  ReadmeRun run;
  // The script runs the example in a child of its own and reports whatever it did, crash
  // included; its watchdog is 5 s, so 20 s without a line is the script's own failure.
  const NodeScriptResult r = run_node_script(adapter, {script}, 20);
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) run.result = j;
  }
  if (!run.result.is_object())
    run.result = {{"error", "readme-quick-usage.js printed no result (" +
                                std::string(r.timed_out ? "killed after 20 s" : "exited") +
                                "): " + r.err_tail}};
  return run;
}

}  // namespace fdlab
