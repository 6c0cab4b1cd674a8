#pragma once
// `fdlab merge REPORT...`: --json reports of many runs combined into one results matrix
// (cli/results_matrix.h), as markdown and as a static HTML page.
#include <string>
#include <vector>

namespace fdlab {

struct MergeOptions {
  std::vector<std::string> reports;
  std::string markdown;  // "-": standard output (the default when no output is named)
  std::string html;
  // The visualizer page the cells link to, relative to the HTML page or absolute.
  std::string visualizer = "visualizer/index.html";
};

// Exit status: 0 when the matrix was written; a report that is not one (not JSON, not
// following docs/report.schema.json) throws a HarnessError naming its file and field.
int run_merge(const MergeOptions& options);

}  // namespace fdlab
