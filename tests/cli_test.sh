#!/usr/bin/env bash
# The fdlab command's contract: exit codes, located errors, the JSON report.
set -u
fdlab=$1
scenarios=$2
. "$(dirname "$0")/check.sh"

good=$(ls "$scenarios"/stream/*.json | head -n 1)

"$fdlab" replay "$scenarios" --backend sim -q >"$tmp/out" 2>&1
check "the corpus passes on the sim (exit 0)" $?

for bad in "$scenarios"/bad/*.json; do
  "$fdlab" replay "$bad" "$good" --backend sim >"$tmp/out" 2>&1
  code=$?
  [ $code -eq 2 ]; check "$(basename "$bad"): exit 2 (got $code)" $?
  grep -q "$bad" "$tmp/out"; check "$(basename "$bad"): the error names the file" $?
  grep -Eq 'invalid JSON|step [0-9]+: field' "$tmp/out"; check "$(basename "$bad"): the error names the step and field (or the JSON error)" $?
  grep -Eq "^$(basename "$good" .json| sed 's/[.]/\\./g')|stream/.* +pass" "$tmp/out"; check "$(basename "$bad"): the good file still ran" $?
done

for f in "$scenarios"/expected-fail/*.json; do
  "$fdlab" replay "$f" --backend sim >"$tmp/out" 2>&1
  code=$?
  [ $code -eq 1 ]; check "$(basename "$f"): a failing expectation exits 1 (got $code)" $?
  grep -q 'expected' "$tmp/out"; check "$(basename "$f"): the failure says what was expected" $?
done

"$fdlab" replay "$good" --backend both --json "$tmp/report.json" >/dev/null 2>&1
check "--json on a good file exits 0" $?
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])); if (!r.scenarios[0].ok || !r.scenarios[0].traces_identical) process.exit(1)' "$tmp/report.json"
check "--json writes a report with the scenario passing and traces identical" $?

"$fdlab" replay "$good" --backend sim --trace >"$tmp/out" 2>&1
grep -q '"op":"socketpair"' "$tmp/out"; check "--trace prints the trace records" $?

"$fdlab" replay "$tmp/does-not-exist.json" >"$tmp/out" 2>&1
[ $? -eq 2 ]; check "a missing path exits 2" $?

"$fdlab" replay "$good" --backend nowhere >"$tmp/out" 2>&1
[ $? -ne 0 ]; check "an unknown backend is refused" $?

echo "cli tests: $failures failed"
[ $failures -eq 0 ]
