#include "cli/run_results.h"

#include <fmt/core.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>

#include "core/harness_error.h"
#include "core/json_fields.h"

#ifndef FDLAB_VERSION
#define FDLAB_VERSION "unknown"
#endif

namespace fdlab {
namespace {

// The report's format version: a reader refuses any other.
constexpr int kReportFormat = 1;

// PRETTY_NAME of /etc/os-release ("Debian GNU/Linux 12 (bookworm)"); in a container, the
// container's distribution, which is what a CI matrix of images varies.
std::string os_name() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) != 0) continue;
    std::string v = line.substr(12);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
    return v;
  }
  return "unknown";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The step a case first failed at: the first failure's, else where its budget ran out.
int first_failing_step(const CaseResult& c) {
  for (const auto& f : c.failures)
    if (f.step >= 0) return f.step;
  return c.timed_out_before_step;
}

bool expected_to_fail(const CaseResult& c) { return c.expected && c.expected->status == "FAIL"; }

std::string expectation_text(const ExpectedResult& e) {
  std::string s = "expected " + e.status;
  if (e.step >= 0) s += fmt::format(" at step {}", e.step);
  s += ": " + e.reason;
  if (!e.link.empty()) s += " (" + e.link + ")";
  return s;
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

RunInfo describe_this_run(const std::vector<std::string>& backends, const std::string& label) {
  RunInfo r;
  r.fdlab_version = FDLAB_VERSION;
  utsname u{};
  if (uname(&u) == 0) {
    r.kernel = u.release;
    r.machine = u.machine;
  } else {
    r.kernel = r.machine = "unknown";
  }
  r.os = os_name();
  char host[256] = {};
  r.hostname = gethostname(host, sizeof host - 1) == 0 ? host : "unknown";
  r.started = utc_now();
  r.backends = backends;
  if (!label.empty()) {
    r.label = label;
  } else {
    std::string joined;
    for (const auto& b : backends) joined += (joined.empty() ? "" : "+") + b;
    r.label = fmt::format("{} · Linux {} · {} · {}", joined, r.kernel, r.machine, r.os);
  }
  return r;
}

std::string verdict_name(Verdict v) {
  switch (v) {
    case Verdict::pass:
      return "PASS";
    case Verdict::fail:
      return "FAIL";
    case Verdict::error:
      return "ERROR";
    case Verdict::skip:
      return "SKIP";
    case Verdict::expected_fail:
      return "expected FAIL";
    case Verdict::unexpected_pass:
      return "unexpected PASS";
  }
  return "?";
}

bool counts_as_failure(Verdict v) {
  return v == Verdict::fail || v == Verdict::error || v == Verdict::unexpected_pass;
}

CaseVerdict verdict_of(const ScenarioResult& s, const std::string& backend) {
  CaseVerdict v;
  if (!s.error.empty()) {
    v.verdict = Verdict::error;
    v.message = v.details = s.error;
    return v;
  }
  const CaseResult& c = s.backends.at(backend);
  if (c.status == "skipped") {
    v.verdict = Verdict::skip;
    v.message = v.details = c.skipped;
    return v;
  }
  std::vector<std::string> lines;
  if (!c.error.empty()) lines.push_back("error: " + c.error);
  if (c.timed_out_before_step >= 0)
    lines.push_back(
        fmt::format("timed out: the budget ran out before step {}", c.timed_out_before_step));
  for (const auto& f : c.failures)
    lines.push_back(f.step >= 0 ? fmt::format("step {}: {}", f.step, f.message) : f.message);
  const bool shows_divergence = s.divergence.found && !s.between.empty() && s.between[0] == backend;
  if (shows_divergence) {
    v.divergence_record = static_cast<int>(s.divergence.index);
    lines.push_back(
        fmt::format("traces differ from {} at record {}:", s.between[1], s.divergence.index));
    lines.push_back(fmt::format("  {}: {}", s.between[0], dump(s.divergence.left)));
    lines.push_back(fmt::format("  {}: {}", s.between[1], dump(s.divergence.right)));
  }
  v.step = first_failing_step(c);
  if (v.step < 0 && shows_divergence) v.step = v.divergence_record;
  if (!lines.empty()) v.message = lines.front();
  for (const auto& l : lines) v.details += l + "\n";

  const bool failed = !lines.empty();
  // A divergence is the pair's: expected when either side is expected to fail.
  bool pair_expected = expected_to_fail(c);
  if (shows_divergence && s.backends.count(s.between[1]))
    pair_expected = pair_expected || expected_to_fail(s.backends.at(s.between[1]));
  if (!expected_to_fail(c) && !(shows_divergence && pair_expected)) {
    if (!failed) return v;
    const bool harness = !c.error.empty() || c.timed_out_before_step >= 0;
    v.verdict = harness ? Verdict::error : Verdict::fail;
    return v;
  }
  const ExpectedResult& e =
      expected_to_fail(c) ? *c.expected : *s.backends.at(s.between[1]).expected;
  v.details += expectation_text(e) + "\n";
  if (!failed) {
    v.verdict = Verdict::unexpected_pass;
    v.message = "passed, but " + expectation_text(e);
  } else if (e.step >= 0 && expected_to_fail(c) && v.step != e.step) {
    v.verdict = Verdict::fail;
    v.message = fmt::format("failed at step {}, but {}", v.step, expectation_text(e));
  } else {
    v.verdict = Verdict::expected_fail;
    v.message = expectation_text(e) + "; " + v.message;
  }
  return v;
}

bool scenario_ok(const ScenarioResult& s, const std::vector<std::string>& backends) {
  if (!s.error.empty()) return false;
  for (const auto& b : backends)
    if (s.backends.count(b) && counts_as_failure(verdict_of(s, b).verdict)) return false;
  return true;
}

nlohmann::json report_json(const RunResults& results) {
  const RunInfo& info = results.run;
  nlohmann::json report{{"fdlab_report", kReportFormat},
                        {"run",
                         {{"label", info.label},
                          {"fdlab_version", info.fdlab_version},
                          {"kernel", info.kernel},
                          {"machine", info.machine},
                          {"os", info.os},
                          {"hostname", info.hostname},
                          {"started", info.started},
                          {"backends", info.backends}}}};
  auto& list = report["scenarios"] = nlohmann::json::array();
  for (const auto& s : results.scenarios) {
    nlohmann::json j{
        {"file", s.file}, {"id", s.id}, {"rules", s.rules}, {"ok", scenario_ok(s, info.backends)}};
    if (!s.error.empty()) j["error"] = s.error;
    j["backends"] = nlohmann::json::object();
    for (const auto& [name, c] : s.backends) {
      nlohmann::json b{{"status", c.status},
                       {"verdict", verdict_name(verdict_of(s, name).verdict)},
                       {"seconds", c.seconds}};
      if (!c.skipped.empty()) b["skipped"] = c.skipped;
      if (!c.error.empty()) b["error"] = c.error;
      if (c.timed_out_before_step >= 0) b["timed_out_before_step"] = c.timed_out_before_step;
      auto& failures = b["failures"] = nlohmann::json::array();
      for (const auto& f : c.failures)
        failures.push_back({{"step", f.step}, {"message", f.message}});
      if (c.trace) b["trace"] = *c.trace;
      if (c.expected) {
        const ExpectedResult& e = *c.expected;
        b["expected"] = {{"status", e.status}, {"reason", e.reason}, {"source", e.source}};
        if (e.step >= 0) b["expected"]["step"] = e.step;
        if (!e.link.empty()) b["expected"]["link"] = e.link;
      }
      j["backends"][name] = b;
    }
    if (s.compared) {
      j["traces_identical"] = !s.divergence.found;
      if (s.divergence.found)
        j["divergence"] = {{"index", s.divergence.index},
                           {"between", s.between},
                           {s.between[0], s.divergence.left},
                           {s.between[1], s.divergence.right}};
    }
    list.push_back(j);
  }
  return report;
}

namespace {

std::vector<std::string> strings_at(const nlohmann::json& v, const std::string& file,
                                    const std::string& field) {
  if (!v.is_array()) throw HarnessError(file, -1, field, "expected an array, got " + json_kind(v));
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string())
      throw HarnessError(file, -1, fmt::format("{}[{}]", field, i),
                         "expected a string, got " + json_kind(v[i]));
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

int int_at(JsonFields& f, const char* key) { return static_cast<int>(f.req_int(key, -1, 1 << 30)); }

double seconds_at(JsonFields& f, const char* key) {
  const auto& v = f.raw(key);
  if (!v.is_number() || v.get<double>() < 0) f.fail(key, "expected seconds (a number >= 0)");
  return v.get<double>();
}

CaseResult read_case(const nlohmann::json& j, const std::string& file, const std::string& path) {
  JsonFields f(j, file, -1, path);
  CaseResult c;
  c.status = f.req_string("status");
  static const std::vector<std::string> statuses{"pass", "FAIL", "error", "timeout", "skipped"};
  if (std::find(statuses.begin(), statuses.end(), c.status) == statuses.end())
    f.fail("status", "'" + c.status + "' is not pass, FAIL, error, timeout or skipped");
  f.req_string("verdict");  // derived from the rest: recomputed, never trusted
  c.seconds = seconds_at(f, "seconds");
  c.skipped = f.opt_string("skipped");
  c.error = f.opt_string("error");
  if (f.has("timed_out_before_step")) c.timed_out_before_step = int_at(f, "timed_out_before_step");
  const auto& failures = f.raw("failures");
  if (!failures.is_array()) f.fail("failures", "expected an array, got " + json_kind(failures));
  for (std::size_t i = 0; i < failures.size(); ++i) {
    JsonFields ff(failures[i], file, -1, fmt::format("{}.failures[{}]", path, i));
    c.failures.push_back({int_at(ff, "step"), ff.req_string("message")});
    ff.reject_unknown();
  }
  if (f.has("trace")) {
    const auto& t = f.raw("trace");
    if (!t.is_array()) f.fail("trace", "expected an array, got " + json_kind(t));
    c.trace = t.get<std::vector<nlohmann::json>>();
  }
  if (f.has("expected")) {
    JsonFields e(f.raw("expected"), file, -1, path + ".expected");
    ExpectedResult x;
    x.status = e.req_string("status");
    if (x.status != "FAIL" && x.status != "SKIP") e.fail("status", "expected FAIL or SKIP");
    if (e.has("step")) x.step = int_at(e, "step");
    x.reason = e.req_string("reason");
    x.link = e.opt_string("link");
    x.source = e.req_string("source");
    e.reject_unknown();
    c.expected = x;
  }
  f.reject_unknown();
  return c;
}

}  // namespace

RunResults read_report(const nlohmann::json& report, const std::string& file) {
  JsonFields top(report, file, -1);
  const auto& format = top.raw("fdlab_report");
  if (format != kReportFormat)
    top.fail("fdlab_report", fmt::format("this fdlab reads version {} reports, got {}",
                                         kReportFormat, dump(format)));
  RunResults r;
  JsonFields run(top.raw("run"), file, -1, "run");
  r.run.label = run.req_string("label");
  r.run.fdlab_version = run.req_string("fdlab_version");
  r.run.kernel = run.req_string("kernel");
  r.run.machine = run.req_string("machine");
  r.run.os = run.req_string("os");
  r.run.hostname = run.req_string("hostname");
  r.run.started = run.req_string("started");
  r.run.backends = strings_at(run.raw("backends"), file, "run.backends");
  run.reject_unknown();
  const auto& list = top.raw("scenarios");
  if (!list.is_array()) top.fail("scenarios", "expected an array, got " + json_kind(list));
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = fmt::format("scenarios[{}]", i);
    JsonFields f(list[i], file, -1, path);
    ScenarioResult s;
    s.file = f.req_string("file");
    s.id = f.req_string("id");
    s.rules = strings_at(f.raw("rules"), file, path + ".rules");
    f.opt_bool("ok");  // derived: recomputed
    s.error = f.opt_string("error");
    const auto& backends = f.raw("backends");
    if (!backends.is_object()) f.fail("backends", "expected an object, got " + json_kind(backends));
    for (const auto& [name, c] : backends.items()) {
      if (std::find(r.run.backends.begin(), r.run.backends.end(), name) == r.run.backends.end())
        f.fail("backends." + name, "is not one of the run's backends (run.backends)");
      s.backends.emplace(name, read_case(c, file, path + ".backends." + name));
    }
    if (s.error.empty())
      for (const auto& b : r.run.backends)
        if (!s.backends.count(b)) f.fail("backends." + b, "is required (a backend of the run)");
    s.compared = f.has("traces_identical");
    if (s.compared && !f.raw("traces_identical").is_boolean())
      f.fail("traces_identical", "expected true or false");
    if (f.has("divergence")) {
      const auto& d = f.raw("divergence");
      JsonFields df(d, file, -1, path + ".divergence");
      s.between = strings_at(df.raw("between"), file, path + ".divergence.between");
      if (s.between.size() != 2 || !s.backends.count(s.between[0]) ||
          !s.backends.count(s.between[1]))
        df.fail("between", "expected the two compared backends of this scenario");
      s.divergence.found = true;
      s.divergence.index = static_cast<std::size_t>(df.req_int("index", 0, 1LL << 40));
      s.divergence.left = df.raw(s.between[0].c_str());
      s.divergence.right = df.raw(s.between[1].c_str());
      df.reject_unknown();
    }
    f.reject_unknown();
    r.scenarios.push_back(std::move(s));
  }
  top.reject_unknown();
  return r;
}

}  // namespace fdlab
