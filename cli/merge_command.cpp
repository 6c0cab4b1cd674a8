#include "cli/merge_command.h"

#include "cli/output_file.h"
#include "cli/results_matrix.h"
#include "cli/run_results.h"
#include "core/harness_error.h"
#include "corpus/scenario_files.h"

namespace fdlab {
int run_merge(const MergeOptions& opt) {
  std::vector<std::pair<std::string, RunResults>> reports;
  for (const auto& file : opt.reports) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_text_file(file));
    } catch (const nlohmann::json::exception& e) {
      throw HarnessError(file, -1, "", std::string("not a JSON report: ") + e.what());
    }
    reports.emplace_back(file, read_report(j, file));
  }
  const ResultsMatrix m = build_matrix(reports, opt.visualizer);
  const bool none = opt.markdown.empty() && opt.html.empty();
  if (!opt.markdown.empty() || none) write_output(none ? "-" : opt.markdown, matrix_markdown(m));
  if (!opt.html.empty()) write_output(opt.html, matrix_html(m));
  return 0;
}

}  // namespace fdlab
