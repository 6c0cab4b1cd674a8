#include "cli/conformance_document.h"

#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "cli/backends.h"
#include "corpus/scenario_files.h"

namespace fdlab {
namespace {

using nlohmann::json;

const std::string kPackageDir =
    std::string(FDLAB_SOURCE_DIR) + "/adapters/usocket/node_modules/usocket";

std::string package_version() {
  try {
    return json::parse(read_text_file(kPackageDir + "/package.json")).value("version", "?");
  } catch (const std::exception&) {
    return "?";
  }
}

// The installed package's source line, which must contain the text the catalogue quotes: a
// cause that no longer points at the code it names is an error, not a stale sentence.
std::string quoted_line(const json& cause, const std::string& finding) {
  const std::string file = cause.value("file", "");
  const int line = cause.value("line", 0);
  const std::string text = cause.value("text", "");
  std::ifstream in(kPackageDir + "/" + file);
  std::string l;
  for (int i = 1; i <= line && std::getline(in, l); ++i) {
  }
  if (!in || text.empty() || l.find(text) == std::string::npos)
    throw std::runtime_error("findings catalogue: '" + finding + "': " + file + ":" +
                             std::to_string(line) + " does not contain '" + text + "'");
  return fmt::format("`{}:{}` `{}`", file, line, text);
}

std::string md_escape_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string list(const std::vector<std::string>& items, const char* sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

struct Seen {
  std::vector<std::string> scenarios;  // "usocket/x (steps 3, 6)", variants noted
  std::size_t differences = 0;
  const Delta* example = nullptr;
};

std::map<std::string, Seen> where_seen(const std::vector<ScenarioRun>& runs) {
  std::map<std::string, Seen> out;
  for (const auto& r : runs)
    for (const auto& v : r.variants) {
      std::map<std::string, std::vector<int>> steps;
      for (std::size_t i = 0; i < v.deltas.size(); ++i) {
        auto& s = steps[v.causes[i]];
        if (std::find(s.begin(), s.end(), v.deltas[i].step) == s.end())
          s.push_back(v.deltas[i].step);
        auto& seen = out[v.causes[i]];
        ++seen.differences;
        if (seen.example == nullptr) seen.example = &v.deltas[i];
      }
      for (const auto& [id, s] : steps) {
        std::vector<std::string> nums;
        for (int n : s) nums.push_back(std::to_string(n));
        std::string where = fmt::format("{} (step{} {}", r.id, s.size() > 1 ? "s" : "", list(nums));
        if (v.variant != "eager") where += "; variant " + v.variant;
        out[id].scenarios.push_back(where + ")");
      }
    }
  return out;
}

std::string fixed_by(const std::string& id, const json& patches) {
  std::vector<std::string> by;
  if (patches.contains("patches"))
    for (const auto& p : patches["patches"])
      for (const auto& c : p.value("closes", json::array()))
        if (c == id) by.push_back("`" + p.value("patch", "") + "`");
  return list(by);
}

std::string findings_section(const std::vector<ScenarioRun>& runs,
                             const std::vector<FindingSpec>& findings,
                             const std::map<std::string, ReproScript>& scripts,
                             const json& patches) {
  const auto seen = where_seen(runs);
  std::vector<const FindingSpec*> present;
  for (const auto& sev : finding_severities())
    for (const auto& f : findings)
      if (f.severity == sev && seen.count(f.id)) present.push_back(&f);
  std::string md = "## Findings\n\n";
  std::map<std::string, int> by_severity;
  for (const auto* f : present) ++by_severity[f->severity];
  std::vector<std::string> counts;
  for (const auto& sev : finding_severities())
    if (by_severity.count(sev)) counts.push_back(fmt::format("{} {}", by_severity[sev], sev));
  md += fmt::format("{} findings: {}.\n\n", present.size(), list(counts));
  md += "| # | severity | finding | scenarios | fixed by |\n|---|---|---|---|---|\n";
  for (std::size_t i = 0; i < present.size(); ++i) {
    const auto* f = present[i];
    const std::string fix = fixed_by(f->id, patches);
    md += fmt::format("| {} | {} | [{}](#{}) | {} | {} |\n", i + 1, f->severity,
                      md_escape_cell(f->title), f->id, seen.at(f->id).scenarios.size(),
                      fix.empty() ? "—" : fix);
  }
  md += "\n";
  for (std::size_t i = 0; i < present.size(); ++i) {
    const auto* f = present[i];
    const auto& e = f->entry;
    const auto& s = seen.at(f->id);
    md += fmt::format("<a id=\"{}\"></a>\n### {}. {}\n\n", f->id, i + 1, f->title);
    md += fmt::format("- **Severity:** {}. **Id:** `{}`.\n", f->severity, f->id);
    if (e.contains("readme"))
      md += fmt::format("- **The README says:** “{}”\n", e["readme"].get<std::string>());
    if (e.contains("why"))
      md += fmt::format("- **What happens:** {}\n", e["why"].get<std::string>());
    std::vector<std::string> causes;
    for (const auto& c : e.value("causes", json::array())) causes.push_back(quoted_line(c, f->id));
    if (!causes.empty()) md += fmt::format("- **Cause:** {}.\n", list(causes, "; "));
    md += fmt::format("- **Seen in** {} scenario runs, {} differing steps: {}.\n",
                      s.scenarios.size(), s.differences, list(s.scenarios, "; "));
    if (s.example != nullptr)
      md += fmt::format("- **For example,** {}, step {}: {}\n",
                        s.scenarios.front().substr(0, s.scenarios.front().find(' ')),
                        s.example->step, describe(*s.example));
    if (scripts.count(f->id)) {
      const auto& r = scripts.at(f->id);
      md += fmt::format(
          "- **Reproduce:** `node {}` (steps 0–{} of {}{}; it prints what the package did and "
          "whether the finding reproduced).\n",
          r.path, r.step, r.scenario, r.variant == "eager" ? "" : ", variant " + r.variant);
    }
    const std::string fix = fixed_by(f->id, patches);
    if (!fix.empty())
      md += fmt::format("- **Fix:** {} closes it (measured by `fdlab report --patched`).\n", fix);
    else if (e.contains("no_patch"))
      md += fmt::format("- **Fix:** none offered: {}\n", e["no_patch"].get<std::string>());
    md += "\n";
  }
  if (seen.count("unexplained"))
    md += fmt::format(
        "**Not yet explained:** {} differing steps match no finding of "
        "adapters/usocket/findings.json: {}.\n\n",
        seen.at("unexplained").differences, list(seen.at("unexplained").scenarios, "; "));
  return md;
}

std::string readme_section(const ReadmeRun& readme) {
  std::string md = "## The README's quick usage, run as written\n\n";
  md +=
      "adapters/usocket/readme-quick-usage.js runs the example of the package's README.md "
      "with only the seed's extraction gaps filled (marked in the script), in a child node "
      "process watched for 5 s.";
  const auto& r = readme.result;
  if (r.contains("error")) return md + " It could not run: " + r["error"].dump() + "\n\n";
  const auto& got = r.value("received", json());
  md += fmt::format(
      " It {}; the client received {}.{}\n\n",
      r.value("completed", false) ? "completed" : "did not complete",
      got.is_object()
          ? fmt::format("{} with {} fd(s)", got.value("data", json()).dump(), got.value("fds", 0))
          : std::string("nothing"),
      r.value("stderr_note", json()).is_string() ? " stderr: " + r["stderr_note"].get<std::string>()
                                                 : std::string());
  md += "What happened, in order:\n\n";
  for (const auto& e : r.value("events", json::array()))
    md += "    " + (e.is_string() ? e.get<std::string>() : e.dump()) + "\n";
  return md + "\n";
}

std::string patches_section(const json& patches) {
  std::string md = "## Fixes\n\n";
  if (!patches.contains("patches")) {
    return md +
           "Not measured yet: `fdlab report --patched` builds the package with each patch "
           "of adapters/usocket/patches/ and records which findings it closes.\n\n";
  }
  md +=
      "Each patch of adapters/usocket/patches/ applied alone to the pristine package, "
      "rebuilt, and run through every scenario and variant (`fdlab report --patched`, "
      "adapters/usocket/patch-results.json):\n\n| patch | closes | introduces |\n|---|---|---|\n";
  for (const auto& p : patches["patches"]) {
    std::vector<std::string> closes, intro;
    for (const auto& c : p.value("closes", json::array())) closes.push_back(c.get<std::string>());
    for (const auto& c : p.value("introduces", json::array()))
      intro.push_back(c.get<std::string>());
    md += fmt::format("| `{}` | {} | {} |\n", p.value("patch", ""),
                      closes.empty() ? "—" : list(closes), intro.empty() ? "—" : list(intro));
  }
  md +=
      "\nA patch that closes nothing fixes a defect no scenario can observe (its header says how "
      "it was shown); \"unexplained\" means the patched package differs from the reference in "
      "a way no finding describes.\n";
  if (patches.contains("all")) {
    const auto& a = patches["all"];
    std::vector<std::string> rem;
    std::size_t closes = 0;
    bool unexplained = false;
    for (const auto& c : a.value("remaining", json::array())) {
      if (c == "unexplained")
        unexplained = true;
      else
        rem.push_back(c.get<std::string>());
    }
    for (const auto& c : a.value("closes", json::array())) closes += c != "unexplained";
    md += fmt::format("\nAll patches together close {} findings; {} remain{}{}.\n", closes,
                      rem.size(), rem.empty() ? "" : ": " + list(rem),
                      unexplained ? ", and some differences no finding explains" : "");
    const auto& readme = a.value("readme_quick_usage", json());
    if (readme.is_object())
      md += fmt::format("The README's quick usage with all patches: completed {}, received {}.\n",
                        readme.value("completed", false) ? "yes" : "no",
                        readme.value("received", json()).dump());
    md += "\n";
  }
  return md;
}

std::string scenarios_section(const std::vector<ScenarioRun>& runs) {
  std::string md = "## Scenario by scenario\n\n";
  int agreeing = 0;
  for (const auto& r : runs) {
    bool any = false;
    for (const auto& v : r.variants) any = any || !v.deltas.empty();
    if (!any) {
      ++agreeing;
      continue;
    }
    md += fmt::format("### {}\n\n{}\n\n", r.id, r.title);
    for (const auto& v : r.variants) {
      if (v.deltas.empty()) {
        md += fmt::format("Variant {}: agrees with the reference.\n\n", v.variant);
        continue;
      }
      md +=
          fmt::format("Variant {}{}:\n\n| step | op | difference | finding |\n|---|---|---|---|\n",
                      v.variant, v.stopped.empty() ? "" : " (the package's run stopped)");
      for (std::size_t i = 0; i < v.deltas.size(); ++i)
        md += fmt::format("| {} | {} | {} | {} |\n", v.deltas[i].step,
                          v.deltas[i].what.value("op", ""), md_escape_cell(describe(v.deltas[i])),
                          v.causes[i] == "unexplained"
                              ? "**unexplained**"
                              : "[" + v.causes[i] + "](#" + v.causes[i] + ")");
      md += "\n";
    }
  }
  md += fmt::format("{} scenarios agree with the reference in every variant.\n", agreeing);
  return md;
}

}  // namespace

std::string describe(const Delta& d) {
  const auto& w = d.what;
  const std::string kind = w.value("delta", "");
  const auto event = [](const json& e) { return e.dump(); };
  if (kind == "missing_event") return "the package does not emit " + event(w["event"]);
  if (kind == "extra_event") return "the package also emits " + event(w["event"]);
  if (kind == "event_differs")
    return "the reference emits " + event(w["event"]) + ", the package " + event(w["pkg_event"]);
  if (kind == "event_order")
    return "same events in another order: reference " + w["ref"].dump() + ", package " +
           w["pkg"].dump();
  if (kind == "result")
    return "result: reference " + w["ref"].dump() + ", package " + w["pkg"].dump();
  if (kind == "never_ran") return "never ran: " + w.value("stopped", std::string("?"));
  const auto cloexec = [](const json& e) {
    return e.value("cloexec", false) ? "close-on-exec" : "inherited by children";
  };
  if (kind == "open_fd_flags")
    return "an open fd of " + w["ref"].value("object", "") + " is " + cloexec(w["pkg"]) +
           " (reference: " + cloexec(w["ref"]) + ")";
  if (kind == "open_fd_missing")
    return "the package holds one fd of " + w["ref"].value("object", "") + " fewer";
  if (kind == "open_fd_extra")
    return "the package still holds an fd of " + w["pkg"].value("object", "") + " (" +
           cloexec(w["pkg"]) + ")";
  return w.dump();
}

std::string conformance_document(const std::vector<ScenarioRun>& runs,
                                 const std::vector<FindingSpec>& findings,
                                 const std::map<std::string, ReproScript>& scripts,
                                 const ReadmeRun& readme, const json& patches) {
  std::size_t variant_runs = 0, differing = 0;
  for (const auto& r : runs)
    for (const auto& v : r.variants) {
      ++variant_runs;
      differing += !v.deltas.empty();
    }
  std::string md = "# usocket conformance: the npm package against the reference\n\n";
  md += fmt::format(
      "Generated by `fdlab report --write` from a real run (do not edit by hand). The reference "
      "is the C++ model (core/usocket/) on the simulator, whose traces are identical to the "
      "real kernel's; the package is usocket {} from npm, driven by adapters/usocket/replay.js "
      "(docs/adapter-protocol.md). docs/usocket-semantics.md says what the reference does and "
      "why. Every differing step is attributed to a finding of adapters/usocket/findings.json; "
      "adapters/usocket/expected-divergences.json pins them all.\n\n",
      package_version());
  md += fmt::format(
      "Kernel: Linux {}. Scenarios: {}; runs with the adapter's variants: {}, of which {} "
      "differ from the reference.\n\n",
      host_kernel_release(), runs.size(), variant_runs, differing);
  md += findings_section(runs, findings, scripts, patches);
  md += readme_section(readme);
  md += patches_section(patches);
  md += scenarios_section(runs);
  return md;
}

}  // namespace fdlab
