#include "cli/result_formats.h"

#include <fmt/core.h>

#include "cli/markup.h"

namespace fdlab {
namespace {

struct Case {
  const ScenarioResult* scenario;
  std::string backend;
  CaseVerdict verdict;
};

// Every test of the run, backend by backend, scenarios in file order.
std::vector<Case> cases_of(const RunResults& results) {
  std::vector<Case> out;
  for (const auto& b : results.run.backends)
    for (const auto& s : results.scenarios)
      if (!s.error.empty() || s.backends.count(b)) out.push_back({&s, b, verdict_of(s, b)});
  return out;
}

std::string name_of(const ScenarioResult& s) { return s.id.empty() ? s.file : s.id; }

// "fdlab.native.stream" for stream/fds-stop-the-read on native: CI systems group by class.
std::string classname_of(const ScenarioResult& s, const std::string& backend) {
  const std::string name = name_of(s);
  const auto slash = name.rfind('/');
  std::string folder = slash == std::string::npos ? "" : name.substr(0, slash);
  for (auto& c : folder)
    if (c == '/') c = '.';
  return "fdlab." + backend + (folder.empty() ? "" : "." + folder);
}

std::string attr(const char* name, const std::string& value) {
  return fmt::format(" {}=\"{}\"", name, escape_markup(value));
}

std::string seconds(double s) { return fmt::format("{:.3f}", s); }

}  // namespace

std::string junit_xml(const RunResults& results) {
  const RunInfo& run = results.run;
  std::string suites;
  int all_tests = 0, all_failures = 0, all_errors = 0;
  double all_time = 0;
  const auto cases = cases_of(results);
  for (const auto& backend : run.backends) {
    std::string body;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    double time = 0;
    for (const auto& c : cases) {
      if (c.backend != backend) continue;
      ++tests;
      const ScenarioResult& s = *c.scenario;
      const double t = s.backends.count(backend) ? s.backends.at(backend).seconds : 0;
      time += t;
      body += "    <testcase" + attr("classname", classname_of(s, backend)) +
              attr("name", name_of(s)) + attr("time", seconds(t));
      const CaseVerdict& v = c.verdict;
      const std::string details = escape_markup(v.details);
      switch (v.verdict) {
        case Verdict::pass:
          body += "/>\n";
          continue;
        case Verdict::fail:
        case Verdict::unexpected_pass:
          ++failures;
          body +=
              ">\n      <failure" +
              attr("type", v.verdict == Verdict::fail ? "fdlab.fail" : "fdlab.unexpected-pass") +
              attr("message", v.message) + ">" + details + "</failure>\n";
          break;
        case Verdict::error:
          ++errors;
          body += ">\n      <error" + attr("type", "fdlab.error") + attr("message", v.message) +
                  ">" + details + "</error>\n";
          break;
        case Verdict::skip:
        case Verdict::expected_fail:
          ++skipped;
          body += ">\n      <skipped" +
                  attr("type", v.verdict == Verdict::skip ? "fdlab.skip" : "fdlab.expected-fail") +
                  attr("message", v.message) + ">" + details + "</skipped>\n";
          break;
      }
      body += "    </testcase>\n";
    }
    std::string properties = "    <properties>\n";
    for (const auto& [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"backend", backend},
                                                          {"label", run.label},
                                                          {"fdlab_version", run.fdlab_version},
                                                          {"kernel", run.kernel},
                                                          {"machine", run.machine},
                                                          {"os", run.os}})
      properties += "      <property" + attr("name", name) + attr("value", value) + "/>\n";
    properties += "    </properties>\n";
    suites += "  <testsuite" + attr("name", "fdlab." + backend) +
              attr("tests", std::to_string(tests)) + attr("failures", std::to_string(failures)) +
              attr("errors", std::to_string(errors)) + attr("skipped", std::to_string(skipped)) +
              attr("time", seconds(time)) + attr("timestamp", run.started) +
              attr("hostname", run.hostname) + ">\n" + properties + body + "  </testsuite>\n";
    all_tests += tests;
    all_failures += failures;
    all_errors += errors;
    all_time += time;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" + attr("name", "fdlab replay") +
         attr("tests", std::to_string(all_tests)) + attr("failures", std::to_string(all_failures)) +
         attr("errors", std::to_string(all_errors)) + attr("time", seconds(all_time)) + ">\n" +
         suites + "</testsuites>\n";
}

namespace {

// A TAP description: one line, and '#' escaped (it starts a directive).
std::string tap_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      if (c == '#' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

// A YAML scalar: a JSON string is one, with every character escaped.
std::string yaml_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string tap_stream(const RunResults& results) {
  const auto cases = cases_of(results);
  std::string out = fmt::format("TAP version 13\n1..{}\n", cases.size());
  const RunInfo& run = results.run;
  out +=
      fmt::format("# fdlab {} on Linux {} ({}, {}): {}\n", run.fdlab_version, tap_text(run.kernel),
                  tap_text(run.machine), tap_text(run.os), tap_text(run.label));
  int n = 0;
  for (const auto& c : cases) {
    const std::string description = tap_text(c.backend + " " + name_of(*c.scenario));
    const CaseVerdict& v = c.verdict;
    ++n;
    switch (v.verdict) {
      case Verdict::pass:
        out += fmt::format("ok {} - {}\n", n, description);
        continue;
      case Verdict::skip:
        out += fmt::format("ok {} - {} # SKIP {}\n", n, description, tap_text(v.message));
        continue;
      case Verdict::expected_fail:
        out += fmt::format("not ok {} - {} # TODO {}\n", n, description, tap_text(v.message));
        break;
      case Verdict::fail:
      case Verdict::error:
      case Verdict::unexpected_pass:
        out += fmt::format("not ok {} - {}\n", n, description);
        break;
    }
    out += "  ---\n";
    out += "  verdict: " + yaml_string(verdict_name(v.verdict)) + "\n";
    out += "  message: " + yaml_string(v.message) + "\n";
    if (v.step >= 0) out += fmt::format("  step: {}\n", v.step);
    out += "  file: " + yaml_string(c.scenario->file) + "\n";
    out += "  details: " + yaml_string(v.details) + "\n";
    out += "  ...\n";
  }
  return out;
}

}  // namespace fdlab
