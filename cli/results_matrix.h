#pragma once
// `fdlab merge`: reports of many runs (kernels, machines, distributions, backends, libraries)
// in one results matrix, the way wpt.fyi shows browsers: a row per scenario, grouped by the
// rule it checks first; a column per run and backend; each cell its verdict, linked to the
// visualizer at the first divergence (or failing step). Written as markdown and as one static
// HTML page (no network; works from file://).
#include <string>
#include <vector>

#include "cli/run_results.h"

namespace fdlab {

struct MatrixColumn {
  std::string report;  // the file it came from
  RunInfo run;
  std::string backend;
};

struct MatrixCell {
  bool present = false;  // the run had this scenario
  CaseVerdict verdict;
  std::string link;  // the visualizer at the first divergence or failing step; "" for none
};

struct MatrixRow {
  std::string id;
  std::string rule;               // the group: the first rule the scenario names
  std::vector<MatrixCell> cells;  // one per column
};

struct ResultsMatrix {
  std::vector<MatrixColumn> columns;
  std::vector<MatrixRow> rows;  // sorted by rule, then id
};

// `visualizer`: the page's URL (relative or absolute) the cells link to.
ResultsMatrix build_matrix(const std::vector<std::pair<std::string, RunResults>>& reports,
                           const std::string& visualizer);

// The visualizer's permalink (web/js/permalink.js) to a bundled scenario's file at a step, or
// "" when `file` is not under a scenarios/ folder. Steps count as the page counts them: the
// state after `step` steps.
std::string visualizer_link(const std::string& visualizer, const std::string& file, int step);

std::string matrix_markdown(const ResultsMatrix& m);
std::string matrix_html(const ResultsMatrix& m);

}  // namespace fdlab
