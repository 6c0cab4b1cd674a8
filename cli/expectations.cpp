#include "cli/expectations.h"

#include <fmt/core.h>

#include "cli/backends.h"
#include "core/harness_error.h"
#include "core/json_fields.h"
#include "corpus/scenario_files.h"

namespace fdlab {
namespace {

// The file format's version: a reader refuses any other.
constexpr int kExpectationsFormat = 1;

bool id_matches(const std::string& pattern, const std::string& id) {
  if (!pattern.empty() && pattern.back() == '*')
    return id.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
  return pattern == id;
}

// A kernel version as the entries name them: digits and dots ("6.2", "5.15.0").
bool is_version(const std::string& v) {
  if (v.empty() || v.front() == '.' || v.back() == '.') return false;
  for (char c : v)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  return v.find("..") == std::string::npos;
}

ExpectationEntry read_entry(const nlohmann::json& j, const std::string& file, std::size_t i) {
  const std::string path = fmt::format("expectations[{}]", i);
  JsonFields f(j, file, -1, path);
  ExpectationEntry e;
  e.scenario = f.req_string("scenario");
  if (e.scenario.empty()) f.fail("scenario", "must not be empty");
  e.backend = f.opt_string("backend");
  if (!e.backend.empty() && e.backend != "sim" && e.backend != "native" && e.backend != "usocket" &&
      e.backend != "runner")
    f.fail("backend", "'" + e.backend + "' is not sim, native, runner or usocket");
  if (f.has("kernel")) {
    JsonFields k(f.raw("kernel"), file, -1, path + ".kernel");
    e.kernel_from = k.opt_string("from");
    e.kernel_before = k.opt_string("before");
    for (const auto* key : {"from", "before"}) {
      const std::string& v = std::string(key) == "from" ? e.kernel_from : e.kernel_before;
      if (k.has(key) && !is_version(v)) k.fail(key, "'" + v + "' is not a version such as 6.2");
    }
    if (e.kernel_from.empty() && e.kernel_before.empty())
      k.fail("", "needs 'from', 'before' or both");
    k.reject_unknown();
  }
  ExpectedResult& r = e.result;
  r.status = f.req_string("status");
  if (r.status != "FAIL" && r.status != "SKIP") f.fail("status", "expected FAIL or SKIP");
  if (f.has("step")) {
    if (r.status != "FAIL") f.fail("step", "only a FAIL names a step");
    r.step = static_cast<int>(f.req_int("step", 0, 1 << 30));
  }
  r.reason = f.req_string("reason");
  if (r.reason.empty()) f.fail("reason", "must say why");
  r.link = f.opt_string("link");
  r.source = fmt::format("{}: {}", file, path);
  f.reject_unknown();
  return e;
}

}  // namespace

Expectations Expectations::read(const std::vector<std::string>& files) {
  Expectations out;
  for (const auto& file : files) {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(read_text_file(file));
    } catch (const nlohmann::json::exception& e) {
      throw HarnessError(file, -1, "", std::string("invalid JSON: ") + e.what());
    }
    JsonFields top(doc, file, -1);
    if (top.raw("fdlab_expectations") != kExpectationsFormat)
      top.fail("fdlab_expectations",
               fmt::format("this fdlab reads version {} files", kExpectationsFormat));
    const auto& list = top.raw("expectations");
    if (!list.is_array()) top.fail("expectations", "expected an array, got " + json_kind(list));
    for (std::size_t i = 0; i < list.size(); ++i)
      out.entries_.push_back(read_entry(list[i], file, i));
    top.reject_unknown();
  }
  return out;
}

std::optional<ExpectedResult> Expectations::find(const std::string& scenario_id,
                                                 const std::string& backend,
                                                 const std::string& kernel) const {
  for (const auto& e : entries_) {
    if (!id_matches(e.scenario, scenario_id)) continue;
    if (!e.backend.empty() && e.backend != backend) continue;
    if (!e.kernel_from.empty() && kernel_older_than(kernel, e.kernel_from)) continue;
    if (!e.kernel_before.empty() && !kernel_older_than(kernel, e.kernel_before)) continue;
    return e.result;
  }
  return std::nullopt;
}

}  // namespace fdlab
