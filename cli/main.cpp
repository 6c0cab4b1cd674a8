// fdlab: replay, compare and report fd-passing scenarios on the simulator and the real kernel.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <stdexcept>
#include <thread>

#include "cli/backends.h"
#include "cli/bench_command.h"
#include "cli/capture_command.h"
#include "cli/fuzz_command.h"
#include "cli/merge_command.h"
#include "cli/record_command.h"
#include "cli/replay_command.h"
#include "cli/report_command.h"
#include "cli/rules_command.h"
#include "cli/run_diff.h"
#include "cli/schema_command.h"

int main(int argc, char** argv) {
  CLI::App app{"fdlab: a conformance harness for passing file descriptors over Unix sockets"};
  app.require_subcommand(1);
  app.set_version_flag("--version", FDLAB_VERSION);

  fdlab::ReplayOptions replay;
  auto* cmd = app.add_subcommand("replay", "Replay scenario files or folders on the backends");
  cmd->add_option("paths", replay.paths, "scenario files or folders")->required();
  cmd->add_option("--backend,-b", replay.backend,
                  "sim, native, both, usocket (the npm package, usocket level only), all, "
                  "runner (the portable POSIX runner, docs/posix-runner.md), or a list such as "
                  "sim,runner (the first two are compared)")
      ->check([](const std::string& v) {
        try {
          fdlab::expand_backends(v);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      });
  cmd->add_option("--runner-cmd", replay.runner_command,
                  "the runner backend's command, run by /bin/sh (default: $FDLAB_RUNNER, else "
                  "the fdlab_posix_runner built next to fdlab)");
  cmd->add_option("--json", replay.json_path,
                  "write the machine-readable report here (- for stdout)");
  cmd->add_option("--junit", replay.junit_path,
                  "write JUnit XML here, a test per scenario and backend (- for stdout)");
  cmd->add_option("--tap", replay.tap_path, "write TAP here (- for stdout)");
  cmd->add_option("--expectations,-x", replay.expectations,
                  "known deviations: which scenarios are expected to FAIL or be SKIPped on "
                  "which backend and kernels (docs/expectations.md); repeatable")
      ->allow_extra_args(false);  // one file per -x: `-x FILE PATH...` leaves PATH to replay
  cmd->add_option("--label", replay.label,
                  "this run's name in a results matrix (default: backends, kernel, machine, OS)");
  cmd->add_flag("--trace", replay.print_trace, "print every step's trace record");
  cmd->add_flag("--quiet,-q", replay.quiet, "print only failing scenarios and the summary");
  cmd->add_option("--timeout", replay.timeout_seconds,
                  "each scenario's time budget on each backend, in seconds (0: none); running "
                  "out is reported as its own result, naming the step")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--jobs,-j", replay.jobs,
                  "scenario files replayed at once, in forked jobs (0: one per CPU); the "
                  "results are printed in file order whatever the number")
      ->capture_default_str()
      ->check(CLI::Range(0, 1024));

  fdlab::MergeOptions merge;
  auto* merge_cmd = app.add_subcommand(
      "merge", "Combine the --json reports of many runs into one results matrix");
  merge_cmd->add_option("reports", merge.reports, "replay reports (fdlab replay --json)")
      ->required();
  merge_cmd->add_option("--markdown", merge.markdown,
                        "write the matrix as markdown here (- for stdout; the default when "
                        "neither output is named)");
  merge_cmd->add_option("--html", merge.html, "write the matrix as a static HTML page here");
  merge_cmd
      ->add_option("--visualizer", merge.visualizer,
                   "the visualizer page the cells link to, relative to the HTML page or "
                   "absolute (build/wasm/web/site/index.html, published)")
      ->capture_default_str();

  fdlab::RulesOptions rules;
  auto* rules_cmd = app.add_subcommand(
      "rules", "Check that every rule has a scenario and every scenario names its rules");
  rules_cmd->add_option("--catalogue", rules.catalogue, "the folder of rules catalogues (*.json)");
  rules_cmd->add_option("--markdown", rules.markdown, "the generated rules document");
  rules_cmd->add_option("--scenarios", rules.scenarios, "the scenario folder");
  rules_cmd->add_flag("--write", rules.write, "rewrite the rules document");

  fdlab::SchemaOptions schema;
  auto* schema_cmd = app.add_subcommand(
      "schema",
      "Check (or write) the JSON Schema and op tables generated from the op declarations");
  schema_cmd->add_option("--schema", schema.schema, "the JSON Schema file");
  schema_cmd->add_option("--format-doc", schema.format_doc, "the scenario format document");
  schema_cmd->add_flag("--write", schema.write, "rewrite them");

  fdlab::RecordOptions record;
  auto* record_cmd = app.add_subcommand("record", "Write one scenario's trace on one backend");
  record_cmd->add_option("scenario", record.scenario, "the scenario file")->required();
  record_cmd->add_option("--backend,-b", record.backend, "sim, native or runner (default native)")
      ->check(CLI::IsMember({"sim", "native", "runner"}));
  record_cmd->add_option("--runner-cmd", record.runner_command,
                         "the runner backend's command (default: $FDLAB_RUNNER, else the built "
                         "one)");
  record_cmd->add_option("--output,-o", record.output, "the trace file (default: standard output)");

  fdlab::DiffRunsOptions diff_runs;
  auto* diff_cmd = app.add_subcommand(
      "diff-runs",
      "Compare two runs of the same programs written as scenarios (fdlab capture natively, "
      "posix/run-program.js on the model), call by call in each process");
  diff_cmd->add_option("a", diff_runs.a, "the first run's scenario")->required();
  diff_cmd->add_option("b", diff_runs.b, "the second run's scenario")->required();

  fdlab::FuzzOptions fuzz;
  auto* fuzz_cmd = app.add_subcommand(
      "fuzz", "Run generated scenarios on the sim and the real kernel and report any difference");
  fuzz_cmd->add_option("--seed", fuzz.seed, "first seed (each scenario uses the next)");
  fuzz_cmd->add_option("--count,-n", fuzz.count, "how many scenarios (with --minutes: at most)")
      ->check(CLI::Range(1L, 1000000000000L));
  auto* minutes = fuzz_cmd->add_option("--minutes", fuzz.minutes, "run for this long")
                      ->check(CLI::Range(0.0, 10080.0));
  // All cores unless told otherwise: a fuzzing run is meant to use the machine.
  fuzz.jobs = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 256u));
  fuzz_cmd
      ->add_option("-j,--jobs", fuzz.jobs,
                   "scenarios run at once, each job a process (default: one per core)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  fuzz_cmd->add_option("--steps", fuzz.steps, "steps per scenario")->check(CLI::Range(1, 100000));
  fuzz_cmd->add_option("--processes", fuzz.processes, "scenario processes")
      ->check(CLI::Range(1, 8));
  fuzz_cmd->add_option("--weights", fuzz.weights,
                       "a JSON file of generator action weights (docs/fuzzing.md)");
  fuzz_cmd->add_option("--save", fuzz.save_dir,
                       "write diverging scenarios, and each shrunk one, to this folder");
  fuzz_cmd->add_flag("!--no-shrink", fuzz.shrink, "save diverging scenarios as generated");
  fuzz_cmd->add_flag("!--no-pin", fuzz.pin, "let the jobs run on any core (default: each on one)");
  fuzz_cmd->add_option("--coverage", fuzz.coverage, "write what the run reached here (JSON)");
  fuzz_cmd->add_option("--rules", fuzz.rules, "the rules catalogue folder (default docs/rules)");
  fuzz_cmd
      ->add_option("--level", fuzz.level,
                   "kernel, usocket, or both (default: even seeds kernel, odd seeds usocket)")
      ->check(CLI::IsMember({"kernel", "usocket", "both"}));

  fdlab::ReportOptions report;
  auto* report_cmd = app.add_subcommand(
      "report",
      "Compare the real usocket package with the reference; write the conformance report");
  report_cmd->add_option("paths", report.paths,
                         "scenario files or folders (default scenarios/usocket)");
  report_cmd->add_option("--output,-o", report.output,
                         "the report (default docs/usocket-conformance.md)");
  report_cmd->add_option("--expected", report.expected, "the expected divergences (JSON)");
  report_cmd->add_flag("--write", report.write, "write the report document");
  report_cmd->add_flag("--update-expected", report.update_expected,
                       "record this run's divergences as the expected ones");
  report_cmd->add_option("--json", report.json,
                         "write every run's differences and their findings here (- for stdout)");
  report_cmd->add_option("-j,--jobs", report.jobs, "package runs at once")
      ->check(CLI::Range(1, 64));
  report_cmd->add_flag("--patched", report.patched,
                       "also run the package with each fix of adapters/usocket/patches and "
                       "record which findings each closes");

  fdlab::BenchOptions bench;
  auto* bench_cmd = app.add_subcommand(
      "bench", "Measure how time and peak memory grow with steps, fds per message and bytes");
  bench_cmd->add_option("--backend,-b", bench.backend, "sim, native or both (default both)")
      ->check(CLI::IsMember({"sim", "native", "both"}));
  bench_cmd->add_option("--series", bench.series, "steps, fds, bytes or all (default all)")
      ->check(CLI::IsMember({"steps", "fds", "bytes", "all"}));
  bench_cmd->add_flag("--quick", bench.quick, "small sizes only");
  bench_cmd->add_option("--output,-o", bench.output, "the JSON file (default: standard output)");
  bench_cmd
      ->add_option("--replayer", bench.replayer,
                   "measure this fdlab's replay instead (an older build, for a before)")
      ->check(CLI::ExistingFile);

  fdlab::CaptureOptions capture;
  auto* capture_cmd = app.add_subcommand(
      "capture",
      "Run a program and write its calls on AF_UNIX sockets and pipes as a scenario "
      "(docs/capture.md)");
  capture_cmd->add_option("program", capture.program, "the program and its arguments, after --")
      ->required();
  capture_cmd->add_option("--output,-o", capture.output,
                          "the scenario file (default: standard output)");
  capture_cmd->add_option("--id", capture.id, "the scenario's id (default captured/PROGRAM)");
  capture_cmd->add_flag("--replay", capture.replay,
                        "replay the scenario on sim and native and print the table");
  capture_cmd->add_option("--log", capture.log, "also keep the raw capture log (JSON lines) here");
  capture_cmd->add_option("--log-mib", capture.log_mib, "room for the log, in MiB")
      ->capture_default_str()
      ->check(CLI::Range(1, 65536));

  CLI11_PARSE(app, argc, argv);
  try {
    if (cmd->parsed()) return fdlab::run_replay(replay);
    if (merge_cmd->parsed()) return fdlab::run_merge(merge);
    if (rules_cmd->parsed()) return fdlab::run_rules(rules);
    if (schema_cmd->parsed()) return fdlab::run_schema(schema);
    if (record_cmd->parsed()) return fdlab::run_record(record);
    if (diff_cmd->parsed()) return fdlab::run_diff_runs(diff_runs);
    if (report_cmd->parsed()) return fdlab::run_report(report);
    if (bench_cmd->parsed()) return fdlab::run_bench(bench);
    if (capture_cmd->parsed()) return fdlab::run_capture(capture);
    if (fuzz_cmd->parsed()) {
      // --minutes alone: as many scenarios as fit.
      if (minutes->count() > 0 && fuzz_cmd->count("--count") == 0) fuzz.count = 1000000000000L;
      return fdlab::run_fuzz(fuzz);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "fdlab: {}\n", e.what());
    return 2;
  }
  return 0;
}
