#pragma once
// One replay run's results: the one structure every output is written from. `fdlab replay`
// fills it and prints the table, --json (docs/report.schema.json), --junit and --tap from it;
// `fdlab merge` reads --json reports back into it and draws the results matrix.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/replay.h"
#include "core/trace.h"

namespace fdlab {

// Where and with what the run was made: what tells one column of a results matrix from another.
struct RunInfo {
  std::string label;          // --label, or made from the rest
  std::string fdlab_version;  // the project's version (CMakeLists.txt)
  std::string kernel;         // uname -r
  std::string machine;        // uname -m
  std::string os;             // /etc/os-release PRETTY_NAME (a container's own)
  std::string hostname;
  std::string started;  // UTC, 2026-12-02T10:00:00Z
  std::vector<std::string> backends;
};

// This process's machine and kernel, for a run on `backends`; `label` "" makes one.
RunInfo describe_this_run(const std::vector<std::string>& backends, const std::string& label);

// What an expectations file (docs/expectations.md) says a scenario does on a backend.
struct ExpectedResult {
  std::string status;  // "FAIL" or "SKIP"
  int step = -1;       // FAIL at this step (the first failing one); -1: anywhere
  std::string reason;
  std::string link;
  std::string source;  // the expectations file and entry it came from
};

// One scenario on one backend.
struct CaseResult {
  std::string status;  // pass, FAIL, error, timeout, skipped
  double seconds = 0;
  std::string skipped;  // why, when skipped
  std::string error;    // a harness error that stopped the run
  int timed_out_before_step = -1;
  std::vector<StepFailure> failures;
  std::optional<std::vector<nlohmann::json>> trace;  // with --trace
  std::optional<ExpectedResult> expected;
};

// How a case counts, expectations applied: the verdict every output shows.
enum class Verdict {
  pass,
  fail,
  error,            // a harness error, a timeout, a scenario that could not be parsed
  skip,             // skipped for a reason of its own (level, kernel) or as expected
  expected_fail,    // failed as an expectation said it would
  unexpected_pass,  // an expectation said FAIL and it passed: the expectation is stale
};

struct ScenarioResult {
  std::string file;
  std::string id;
  std::vector<std::string> rules;
  std::string error;  // it could not be parsed (then no backends ran)
  std::map<std::string, CaseResult> backends;
  // The first two backends that ran, compared record by record.
  bool compared = false;
  std::vector<std::string> between;
  Divergence divergence;
};

struct RunResults {
  RunInfo run;
  std::vector<ScenarioResult> scenarios;
};

// A case's verdict. A divergence fails the first backend of the compared pair (the sim, when
// the other is the kernel: the kernel is right); it is expected when that backend or the other
// is expected to FAIL.
struct CaseVerdict {
  Verdict verdict = Verdict::pass;
  std::string message;         // one line: why it is not a pass ("" for a pass)
  std::string details;         // every failure, the divergence, the expectation: several lines
  int step = -1;               // the first failing step, or -1
  int divergence_record = -1;  // the record the traces first differ at, when this case shows it
};
CaseVerdict verdict_of(const ScenarioResult& s, const std::string& backend);

// "PASS", "FAIL", "ERROR", "SKIP", "expected FAIL", "unexpected PASS".
std::string verdict_name(Verdict v);
// Whether the verdict fails the run (exit 1, a red cell).
bool counts_as_failure(Verdict v);
// Whether nothing about the scenario is unexpected.
bool scenario_ok(const ScenarioResult& s, const std::vector<std::string>& backends);

// The --json report (docs/report.schema.json), and reading one back. A report that does not
// follow the schema is refused with a HarnessError naming `file` and the field.
nlohmann::json report_json(const RunResults& results);
RunResults read_report(const nlohmann::json& report, const std::string& file);

}  // namespace fdlab
