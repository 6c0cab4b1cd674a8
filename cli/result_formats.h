#pragma once
// The formats CI systems read, written from a run's results (cli/run_results.h): one test per
// scenario and backend, its verdict as verdict_of() gives it.
#include <string>

#include "cli/run_results.h"

namespace fdlab {

// JUnit XML as Jenkins, GitLab and GitHub's test reporters read it (tests/data/junit/junit.xsd):
// a <testsuite> per backend carrying the run's kernel, machine and version as
// properties; a <testcase> per scenario with a <failure> (the first failing step in its message,
// every failure and the divergence in its text), an <error> (a harness error, a timeout, a
// scenario that could not be parsed) or a <skipped> (an expected FAIL too, as pytest writes
// xfail; an unexpected pass is a <failure>).
std::string junit_xml(const RunResults& results);

// TAP version 13 (as `prove` reads it): a test point per scenario and backend; a skip is
// `# SKIP`, an expected FAIL `not ok ... # TODO`, an unexpected pass plain `not ok`; the details
// of a failure in a YAML block.
std::string tap_stream(const RunResults& results);

}  // namespace fdlab
