#include "cli/results_matrix.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "cli/markup.h"

namespace fdlab {
namespace {

// encodeURIComponent, as the page's encodePermalink writes a path.
std::string uri_component(const std::string& s) {
  static const std::string keep = "-_.!~*'()";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || keep.find(static_cast<char>(c)) != std::string::npos)
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// The path the page's bundle knows a scenario by ("scenarios/stream/x.json"): the file's path
// from its last scenarios/ folder on.
std::string bundled_path(const std::string& file) {
  std::size_t at = std::string::npos;
  for (std::size_t p = file.find("scenarios/"); p != std::string::npos;
       p = file.find("scenarios/", p + 1))
    if (p == 0 || file[p - 1] == '/') at = p;
  return at == std::string::npos ? "" : file.substr(at);
}

// The step a cell's link opens at: after the diverging record, or after the failing step.
int link_step(const CaseVerdict& v) {
  if (v.divergence_record >= 0) return v.divergence_record + 1;
  if (v.step >= 0) return v.step + 1;
  return 0;
}

std::string cell_text(const MatrixCell& c) {
  if (!c.present) return "—";
  std::string s = verdict_name(c.verdict.verdict);
  if (c.verdict.divergence_record >= 0)
    s += fmt::format(" ≠ at record {}", c.verdict.divergence_record);
  else if (c.verdict.step >= 0 && c.verdict.verdict != Verdict::unexpected_pass)
    s += fmt::format(" at step {}", c.verdict.step);
  return s;
}

std::string column_title(const MatrixColumn& c) { return c.run.label + " — " + c.backend; }

// What a row's cells say together, for the page's filters.
bool row_fails(const MatrixRow& r) {
  return std::any_of(r.cells.begin(), r.cells.end(), [](const MatrixCell& c) {
    return c.present && counts_as_failure(c.verdict.verdict);
  });
}
bool row_differs(const MatrixRow& r) {
  std::set<int> seen;
  for (const auto& c : r.cells)
    if (c.present) seen.insert(static_cast<int>(c.verdict.verdict));
  return seen.size() > 1;
}

std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '\\' || c == '[' || c == ']' || c == '<' || c == '>') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

}  // namespace

std::string visualizer_link(const std::string& visualizer, const std::string& file, int step) {
  const std::string path = bundled_path(file);
  if (path.empty()) return "";
  return fmt::format("{}#s={}&step={}", visualizer, uri_component(path), step);
}

ResultsMatrix build_matrix(const std::vector<std::pair<std::string, RunResults>>& reports,
                           const std::string& visualizer) {
  ResultsMatrix m;
  // Row by scenario id; the first report that has a scenario gives its rule and file.
  std::map<std::string, std::size_t> row_of;
  for (const auto& [file, results] : reports) {
    for (const auto& b : results.run.backends) m.columns.push_back({file, results.run, b});
    for (const auto& s : results.scenarios) {
      const std::string id = s.id.empty() ? s.file : s.id;
      if (row_of.count(id)) continue;
      row_of[id] = m.rows.size();
      m.rows.push_back({id, s.rules.empty() ? "(no rule named)" : s.rules.front(), {}});
    }
  }
  for (auto& row : m.rows) row.cells.resize(m.columns.size());
  std::size_t column = 0;
  for (const auto& [file, results] : reports) {
    for (const auto& b : results.run.backends) {
      for (const auto& s : results.scenarios) {
        if (s.error.empty() && !s.backends.count(b)) continue;
        MatrixCell& cell = m.rows[row_of.at(s.id.empty() ? s.file : s.id)].cells[column];
        cell.present = true;
        cell.verdict = verdict_of(s, b);
        cell.link = visualizer_link(visualizer, s.file, link_step(cell.verdict));
      }
      ++column;
    }
  }
  std::sort(m.rows.begin(), m.rows.end(), [](const MatrixRow& a, const MatrixRow& b) {
    return std::tie(a.rule, a.id) < std::tie(b.rule, b.id);
  });
  return m;
}

std::string matrix_markdown(const ResultsMatrix& m) {
  std::string out =
      "# fdlab results\n\n| column | run | backend | fdlab | kernel | machine | OS | report |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < m.columns.size(); ++i) {
    const auto& c = m.columns[i];
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", i + 1,
                       markdown_cell(c.run.label), c.backend, markdown_cell(c.run.fdlab_version),
                       markdown_cell(c.run.kernel), markdown_cell(c.run.machine),
                       markdown_cell(c.run.os), markdown_cell(c.report));
  }
  std::string header = "| scenario |", rule_line = "|---|";
  for (std::size_t i = 0; i < m.columns.size(); ++i) {
    header += fmt::format(" {} |", i + 1);
    rule_line += "---|";
  }
  std::string group;
  for (const auto& row : m.rows) {
    if (row.rule != group || &row == &m.rows.front()) {
      group = row.rule;
      out += fmt::format("\n## {}\n\n{}\n{}\n", markdown_cell(group), header, rule_line);
    }
    out += "| " + markdown_cell(row.id) + " |";
    for (const auto& c : row.cells) {
      const std::string text = markdown_cell(cell_text(c));
      out += c.link.empty() ? " " + text + " |" : fmt::format(" [{}](<{}>) |", text, c.link);
    }
    out += "\n";
  }
  return out;
}

namespace {

constexpr const char* kPageHead = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fdlab results matrix</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em; color: #1a1a1a; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f4f4f4; }
tr.group th { background: #e8eef8; }
td.PASS { background: #d9f2d9; } td.FAIL, td.ERROR { background: #f8d0d0; }
td.SKIP { background: #eee; color: #555; } td.expected-FAIL { background: #fbeccb; }
td.unexpected-PASS { background: #f6b8f0; }
td a { color: inherit; }
#filters { margin: 0.5em 0 1em; display: flex; gap: 1em; flex-wrap: wrap; align-items: center; }
.hidden { display: none; }
</style>
</head>
<body>
<h1>fdlab results matrix</h1>
)";

// The filters: which rows to show (all, failing, differing between columns) and an id search.
// Plain DOM work over data attributes: the page has no other script and loads nothing.
constexpr const char* kPageScript = R"(<script>
'use strict';
(function () {
  const show = document.getElementById('show');
  const search = document.getElementById('search');
  const count = document.getElementById('count');
  function apply() {
    const mode = show.value;
    const text = search.value.trim().toLowerCase();
    let visible = 0;
    for (const body of document.querySelectorAll('tbody[data-rule]')) {
      let any = false;
      for (const row of body.querySelectorAll('tr.scenario')) {
        const match = (mode === 'all' || row.dataset[mode] === '1') &&
          (text === '' || row.dataset.id.toLowerCase().includes(text) ||
           body.dataset.rule.toLowerCase().includes(text));
        row.classList.toggle('hidden', !match);
        if (match) { any = true; visible += 1; }
      }
      body.classList.toggle('hidden', !any);
    }
    count.textContent = visible + ' scenarios shown';
  }
  show.addEventListener('change', apply);
  search.addEventListener('input', apply);
  apply();
})();
</script>
)";

std::string e(const std::string& s) { return escape_markup(s); }

}  // namespace

std::string matrix_html(const ResultsMatrix& m) {
  std::string out = kPageHead;
  out +=
      "<table id=\"runs\"><thead><tr><th>column</th><th>run</th><th>backend</th><th>fdlab</th>"
      "<th>kernel</th><th>machine</th><th>OS</th><th>started</th><th>report</th></tr></"
      "thead><tbody>\n";
  for (std::size_t i = 0; i < m.columns.size(); ++i) {
    const auto& c = m.columns[i];
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
        i + 1, e(c.run.label), e(c.backend), e(c.run.fdlab_version), e(c.run.kernel),
        e(c.run.machine), e(c.run.os), e(c.run.started), e(c.report));
  }
  out +=
      "</tbody></table>\n<div id=\"filters\"><label>show <select id=\"show\">"
      "<option value=\"all\">every scenario</option>"
      "<option value=\"fails\">scenarios failing somewhere</option>"
      "<option value=\"differs\">scenarios whose results differ between columns</option>"
      "</select></label><label>search <input id=\"search\" type=\"search\" "
      "placeholder=\"scenario or rule\"></label><span id=\"count\"></span></div>\n";
  out += "<table id=\"matrix\"><thead><tr><th>scenario</th>";
  for (std::size_t i = 0; i < m.columns.size(); ++i)
    out += fmt::format("<th title=\"{}\">{}<br>{}</th>", e(column_title(m.columns[i])), i + 1,
                       e(m.columns[i].backend));
  out += "</tr></thead>\n";
  std::string group;
  for (std::size_t r = 0; r < m.rows.size(); ++r) {
    const MatrixRow& row = m.rows[r];
    if (r == 0 || row.rule != group) {
      if (r != 0) out += "</tbody>\n";
      group = row.rule;
      out += fmt::format(
          "<tbody data-rule=\"{}\"><tr class=\"group\"><th colspan=\"{}\">{}</th></tr>\n", e(group),
          m.columns.size() + 1, e(group));
    }
    out += fmt::format(
        "<tr class=\"scenario\" data-id=\"{}\" data-fails=\"{}\" data-differs=\"{}\"><th>{}</th>",
        e(row.id), row_fails(row) ? 1 : 0, row_differs(row) ? 1 : 0, e(row.id));
    for (const auto& c : row.cells) {
      std::string cls = c.present ? verdict_name(c.verdict.verdict) : "absent";
      std::replace(cls.begin(), cls.end(), ' ', '-');
      const std::string text = e(cell_text(c));
      const std::string inner =
          c.link.empty() ? text : fmt::format("<a href=\"{}\">{}</a>", e(c.link), text);
      out += fmt::format("<td class=\"{}\" title=\"{}\">{}</td>", cls,
                         e(c.present ? c.verdict.details : ""), inner);
    }
    out += "</tr>\n";
  }
  if (!m.rows.empty()) out += "</tbody>\n";
  out += "</table>\n";
  out += kPageScript;
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace fdlab
