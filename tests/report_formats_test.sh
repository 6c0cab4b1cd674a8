#!/usr/bin/env bash
# The results CI systems read (issue 16): --junit against the JUnit schema (tests/data/junit,
# xmllint) and read by a real JUnit reader (junitparser), --tap read by `prove`, expectations files (expected FAIL and SKIP,
# per backend and kernel range, an unexpected pass flagged, bad files refused with the file
# and the field), and `fdlab merge` refusing bad reports the same way.
# Usage: report_formats_test.sh FDLAB SOURCE_ROOT
set -u
fdlab=$1
root=$2
scenarios=$root/scenarios
xsd=$(cd "$(dirname "$0")" && pwd)/data/junit/junit.xsd
. "$(dirname "$0")/check.sh"

good1=$scenarios/stream/fds-stop-the-read.json
good2=$scenarios/stream/close-releases-queued-fds.json
xfail=$scenarios/expected-fail/expect-data-hex-not-utf8.json
xfail_id=expected-fail/expect-data-hex-not-utf8
# The step it fails at, read from the scenario itself: its only step with an expectation.
xfail_step=$(node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const k = s.steps.map((x, i) => (x.expect ? i : -1)).filter((i) => i >= 0);
  if (k.length !== 1) process.exit(1); console.log(k[0])' "$xfail")
check "the expected-fail scenario has one step with an expectation (step $xfail_step)" $?
count() {  # count FILE XPATH
  xmllint --xpath "count($2)" "$1" 2>/dev/null
}

# --- JUnit ---------------------------------------------------------------------------------
"$fdlab" replay "$good1" "$good2" "$xfail" -b both --junit "$tmp/j.xml" --tap "$tmp/t.tap" \
  --json "$tmp/r.json" --label "ci job 1" >"$tmp/out" 2>&1
[ $? -eq 1 ]; check "a run with a failing scenario exits 1" $?
xmllint --noout --schema "$xsd" "$tmp/j.xml" 2>"$tmp/xmllint"
code=$?; [ $code -eq 0 ] || cat "$tmp/xmllint"
check "--junit validates against the JUnit schema" $code
# junitparser (Debian's python3-junitparser, the system Python's) reads what CI tools read.
/usr/bin/python3 - "$tmp/j.xml" >"$tmp/jp" 2>&1 <<'PY'
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
cases = [c for suite in xml for c in suite]
kinds = [type(r).__name__ for c in cases for r in c.result]
print(len(list(xml)), len(cases), kinds.count("Failure"), kinds.count("Error"), kinds.count("Skipped"))
PY
code=$?; [ $code -eq 0 ] || cat "$tmp/jp"
[ $code -eq 0 ] && [ "$(cat "$tmp/jp")" = "2 6 2 0 0" ]
check "junitparser reads 2 suites, 6 cases, 2 failures, no error, no skip ($(cat "$tmp/jp"))" $?
[ "$(count "$tmp/j.xml" //testsuite)" = 2 ]; check "a testsuite per backend" $?
[ "$(count "$tmp/j.xml" //testcase)" = 6 ]; check "a testcase per scenario and backend (3 x 2)" $?
[ "$(count "$tmp/j.xml" //failure)" = 2 ]; check "two failures: the failing scenario on each backend" $?
[ "$(count "$tmp/j.xml" "//testcase[@name='$xfail_id']/failure[starts-with(@message, 'step $xfail_step:')]")" = 2 ]
check "the failure's message names the first failing step ($xfail_step)" $?
[ "$(count "$tmp/j.xml" "//testcase[@name='stream/fds-stop-the-read' and @classname='fdlab.native.stream' and not(*)]")" = 1 ]
check "a passing scenario is a bare testcase, classed by backend and folder" $?
[ "$(count "$tmp/j.xml" "//testsuite[@name='fdlab.native']/properties/property[@name='kernel' and @value='$(uname -r)']")" = 1 ]
check "the run's kernel is a property of the suite" $?
[ "$(count "$tmp/j.xml" "//testsuite[@name='fdlab.sim' and @tests='3' and @failures='1' and @errors='0']")" = 1 ]
check "the suite's counts are right" $?

# Markup in names and errors: a file whose name has & < > " ' and a non-UTF-8 byte, which
# cannot be parsed (its error quotes the name), and a divergence's records (quotes, braces).
hostile="$tmp/$(printf 'a&b<c>"d'"'"'e\xff.json')"
printf '{"fdlab": 1, "id": "x", "steps": [' >"$hostile"
"$fdlab" replay "$hostile" "$good1" -b both --junit "$tmp/h.xml" >/dev/null 2>&1
[ $? -eq 2 ]; check "a scenario that cannot be parsed: exit 2" $?
xmllint --noout --schema "$xsd" "$tmp/h.xml" 2>/dev/null
check "--junit stays valid with markup and non-UTF-8 bytes in a name and an error" $?
[ "$(count "$tmp/h.xml" //error)" = 2 ]; check "the unparsable scenario is an error on each backend" $?

# --- TAP -----------------------------------------------------------------------------------
prove_tap() {  # prove_tap FILE: prove's exit code reading it
  prove --exec cat "$1" >"$tmp/prove.out" 2>&1
}
! prove_tap "$tmp/t.tap"; check "prove fails the TAP of a run with a failure" $?
grep -q "Failed 2/6 subtests" "$tmp/prove.out"; check "prove counts 2 of 6 failed" $?
"$fdlab" replay "$good1" "$good2" -b both --tap "$tmp/ok.tap" >/dev/null 2>&1
prove_tap "$tmp/ok.tap"; check "prove passes the TAP of a passing run" $?
grep -q "Result: PASS" "$tmp/prove.out"; check "prove says PASS" $?
"$fdlab" replay "$good1" -b sim --tap - 2>/dev/null | head -n 1 | grep -qx "TAP version 13"
check "--tap - writes TAP alone to standard output" $?
"$fdlab" replay "$good1" -b sim --tap - --json - >"$tmp/out" 2>&1
[ $? -eq 2 ] && grep -q "only one of" "$tmp/out"; check "two reports cannot both go to standard output" $?

# --- Expectations --------------------------------------------------------------------------
cat >"$tmp/x.json" <<JSON
{"fdlab_expectations": 1, "expectations": [
  {"scenario": "$xfail_id", "status": "FAIL", "step": $xfail_step,
   "reason": "fails on purpose", "link": "https://example.org/bug/1"},
  {"scenario": "stream/close-*", "backend": "native", "status": "SKIP", "reason": "not here"}]}
JSON
"$fdlab" replay "$good1" "$good2" "$xfail" -b both -x "$tmp/x.json" --tap "$tmp/x.tap" \
  --junit "$tmp/x.xml" --json "$tmp/x-report.json" >"$tmp/out" 2>&1
code=$?
[ $code -eq 0 ]; check "expected FAILs and SKIPs: the run exits 0 (got $code)" $?
grep -Eq "^$xfail_id +xfail +xfail" "$tmp/out"; check "the table shows xfail on both backends" $?
grep -Eq "^stream/close-releases-queued-fds +pass +skipped" "$tmp/out"
check "an expected SKIP on native (a * prefix) does not run there" $?
prove_tap "$tmp/x.tap"; check "prove passes: expected FAILs are TODO, expected SKIPs SKIP" $?
grep -q "^not ok [0-9]* - sim $xfail_id # TODO expected FAIL at step $xfail_step: fails on purpose" "$tmp/x.tap"
check "the expected FAIL is a TODO with its reason" $?
grep -q "# SKIP expected SKIP: not here" "$tmp/x.tap"; check "the expected SKIP says why" $?
xmllint --noout --schema "$xsd" "$tmp/x.xml" 2>/dev/null; check "that JUnit validates too" $?
[ "$(count "$tmp/x.xml" "//testcase[@name='$xfail_id']/skipped[@type='fdlab.expected-fail' and contains(@message, 'https://example.org/bug/1')]")" = 2 ]
check "JUnit: an expected FAIL is skipped, with the link" $?
[ "$(count "$tmp/x.xml" //failure)" = 0 ]; check "JUnit: no failure left" $?

# -x takes one file: the paths after it are still scenarios.
"$fdlab" replay -x "$tmp/x.json" "$xfail" "$good1" -b sim >"$tmp/out" 2>&1
[ $? -eq 0 ] && grep -q "^2 scenarios" "$tmp/out"; check "-x FILE PATH...: the paths are replayed" $?

# The same entry at another step, or for another kernel range, does not cover it.
sed "s/\"step\": $xfail_step/\"step\": $((xfail_step + 1))/" "$tmp/x.json" >"$tmp/x-step.json"
"$fdlab" replay "$xfail" -b sim -x "$tmp/x-step.json" >"$tmp/out" 2>&1
[ $? -eq 1 ]; check "failing at another step than expected: exit 1" $?
grep -q "failed at step $xfail_step, but expected FAIL at step $((xfail_step + 1))" "$tmp/out"
check "and says where it failed and where it was expected to" $?
sed 's/"reason": "fails on purpose"/"kernel": {"before": "2.6"}, "reason": "fails on purpose"/' "$tmp/x.json" >"$tmp/x-old.json"
"$fdlab" replay "$xfail" -b native -x "$tmp/x-old.json" >/dev/null 2>&1
[ $? -eq 1 ]; check "an expectation for kernels before 2.6 does not apply on $(uname -r)" $?
sed 's/"reason": "fails on purpose"/"kernel": {"from": "3.0"}, "reason": "fails on purpose"/' "$tmp/x.json" >"$tmp/x-new.json"
"$fdlab" replay "$xfail" -b native -x "$tmp/x-new.json" >/dev/null 2>&1
check "one for kernels from 3.0 on does" $?

# An unexpected pass is flagged: exit 1, a JUnit failure, a TAP failure.
cat >"$tmp/xpass.json" <<JSON
{"fdlab_expectations": 1, "expectations": [
  {"scenario": "stream/fds-stop-the-read", "backend": "sim", "status": "FAIL", "reason": "stale"}]}
JSON
"$fdlab" replay "$good1" -b sim -x "$tmp/xpass.json" --junit "$tmp/xp.xml" --tap "$tmp/xp.tap" \
  >"$tmp/out" 2>&1
[ $? -eq 1 ]; check "an unexpected pass exits 1" $?
grep -Eq "^stream/fds-stop-the-read +XPASS" "$tmp/out"; check "the table says XPASS" $?
[ "$(count "$tmp/xp.xml" "//failure[@type='fdlab.unexpected-pass']")" = 1 ]
check "JUnit: an unexpected pass is a failure" $?
! prove_tap "$tmp/xp.tap"; check "TAP: prove fails an unexpected pass" $?

# refused NAME FILE FIELD COMMAND...: the command exits 2 and its error names FILE and FIELD.
refused() {
  local name=$1 file=$2 field=$3
  shift 3
  "$@" >"$tmp/out" 2>&1
  local code=$?
  [ $code -eq 2 ] && grep -qF "$file" "$tmp/out" && grep -qF "$field" "$tmp/out"
  check "$name: exit 2 naming the file and '$field' (exit $code: $(head -c 200 "$tmp/out"))" $?
}

# Bad expectations files: exit 2, the file and the field named, nothing replayed.
bad_expectations() {  # bad_expectations NAME JSON FIELD
  printf '%s' "$2" >"$tmp/bad.json"
  refused "expectations $1" "$tmp/bad.json" "$3" "$fdlab" replay "$good1" -b sim -x "$tmp/bad.json"
}
bad_expectations "not JSON" '{"fdlab_expectations": 1,' "invalid JSON"
bad_expectations "wrong version" '{"fdlab_expectations": 2, "expectations": []}' "field 'fdlab_expectations'"
bad_expectations "no reason" '{"fdlab_expectations": 1, "expectations": [{"scenario": "a", "status": "FAIL"}]}' "field 'expectations[0].reason'"
bad_expectations "bad status" '{"fdlab_expectations": 1, "expectations": [{"scenario": "a", "status": "PASS", "reason": "r"}]}' "field 'expectations[0].status'"
bad_expectations "bad kernel" '{"fdlab_expectations": 1, "expectations": [{"scenario": "a", "status": "SKIP", "reason": "r", "kernel": {"from": "six"}}]}' "field 'expectations[0].kernel.from'"
bad_expectations "unknown field" '{"fdlab_expectations": 1, "expectations": [{"scenario": "a", "status": "SKIP", "reason": "r", "bakend": "sim"}]}' "bakend"
bad_expectations "a SKIP at a step" '{"fdlab_expectations": 1, "expectations": [{"scenario": "a", "status": "SKIP", "reason": "r", "step": 1}]}' "field 'expectations[0].step'"
"$fdlab" replay "$good1" -b sim -x "$tmp/none.json" >"$tmp/out" 2>&1
[ $? -eq 2 ] && grep -q "$tmp/none.json" "$tmp/out"; check "a missing expectations file: exit 2 naming it" $?

# --- merge: bad reports ----------------------------------------------------------------------
bad_report() {  # bad_report NAME NODE-EXPRESSION-ON-r FIELD
  node -e 'const fs = require("fs"); const r = JSON.parse(fs.readFileSync(process.argv[1]));
    '"$2"'; fs.writeFileSync(process.argv[2], JSON.stringify(r))' "$tmp/r.json" "$tmp/bad-report.json"
  refused "merge, $1" "$tmp/bad-report.json" "$3" "$fdlab" merge "$tmp/r.json" "$tmp/bad-report.json"
}
bad_report "no run" 'delete r.run' "field 'run'"
bad_report "a status unknown" 'r.scenarios[1].backends.sim.status = "great"' "field 'scenarios[1].backends.sim.status'"
bad_report "seconds a string" 'r.scenarios[0].backends.native.seconds = "1"' "field 'scenarios[0].backends.native.seconds'"
bad_report "another version" 'r.fdlab_report = 9' "field 'fdlab_report'"
bad_report "a backend the run lacks" 'r.run.backends = ["sim"]' "field 'scenarios[0].backends.native'"
printf 'not json' >"$tmp/bad-report.json"
"$fdlab" merge "$tmp/bad-report.json" >"$tmp/out" 2>&1
[ $? -eq 2 ] && grep -q "bad-report.json" "$tmp/out"; check "merge, not JSON: exit 2 naming the file" $?

# --- merge: two runs ---------------------------------------------------------------------------
"$fdlab" merge "$tmp/r.json" "$tmp/x-report.json" --markdown "$tmp/m.md" --visualizer V.html
check "merge of two reports exits 0" $?
grep -q "^| 4 | .* | native |" "$tmp/m.md"; check "markdown: four columns (two runs, two backends each)" $?
grep -q "^## stream.fd-boundary" "$tmp/m.md"; check "markdown: scenarios grouped by their rule" $?
grep -qF "| $xfail_id | [FAIL at step $xfail_step](<V.html#s=scenarios%2Fexpected-fail%2Fexpect-data-hex-not-utf8.json&step=$((xfail_step + 1))>) |" "$tmp/m.md"
check "markdown: a failing cell links to the visualizer after its failing step" $?
grep -qF "[expected FAIL at step $xfail_step]" "$tmp/m.md"; check "markdown: the second run's expected FAIL" $?

# A divergence (written into a real report: sim and native agree on every bundled scenario) is
# shown in the first compared backend's cell, linked to the step after the diverging record.
node -e 'const fs = require("fs"); const r = JSON.parse(fs.readFileSync(process.argv[1]));
  const s = r.scenarios.find((x) => x.id === "stream/fds-stop-the-read");
  s.traces_identical = false;
  s.divergence = {index: 3, between: ["sim", "native"], sim: {"ret": 1}, native: {"ret": 2}};
  fs.writeFileSync(process.argv[2], JSON.stringify(r))' "$tmp/r.json" "$tmp/diverged.json"
"$fdlab" merge "$tmp/diverged.json" --visualizer V.html >"$tmp/d.md"
grep -qF "| stream/fds-stop-the-read | [FAIL ≠ at record 3](<V.html#s=scenarios%2Fstream%2Ffds-stop-the-read.json&step=4>) | [PASS](<V.html#s=scenarios%2Fstream%2Ffds-stop-the-read.json&step=0>) |" "$tmp/d.md"
check "merge: a divergence fails the sim's cell, linked after the diverging record" $?

echo "report format tests: $failures failed"
[ $failures -eq 0 ]
