#!/usr/bin/env bash
# The usocket backend's contract (issue 9, item 7, and the adapter's half of item 1): nothing
# left behind by a crash or a hang; a hang names its step; a long correct scenario passes;
# node's stderr lands in the scenario's failure; a byte order mark is accepted as the C++
# parser accepts it; a missing package is one clear error saying what to run; and replay.js
# itself refuses paths that would leave the scenario's directory, creating nothing.
# Usage: usocket_backend_test.sh FDLAB SOURCE_ROOT (the package installed: adapters/usocket/setup.sh)
set -u
fdlab=$1
adapter=$2/adapters/usocket/replay.js
data=$(cd "$(dirname "$0")" && pwd)/data/usocket
. "$(dirname "$0")/check.sh"
status_of() {  # status_of REPORT.json: the usocket status and failures of the first scenario
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
    const u = r.scenarios[0].backends.usocket;
    console.log(JSON.stringify([u.status, u.failures]))' "$1"
}
# Every temporary directory, the adapter's included, goes here, so leftovers can be counted.
export TMPDIR=$tmp/tmpdir
mkdir "$TMPDIR"

# A crash (SIGABRT in the package) and a hang (an endless loop in the package's unshift).
"$fdlab" replay "$data/crash.json" "$data/hang.json" -b usocket --json "$tmp/broken.json" \
  >"$tmp/out" 2>"$tmp/err"
left=$(find "$TMPDIR" -maxdepth 1 -name 'fdlab-usocket-*' | wc -l)
[ "$left" -eq 0 ]; check "a crash and a hang leave no fdlab-usocket-* directory (found $left)" $?
grep -q "did not finish step 8 ('unshift')" "$tmp/out"
check "the hang's failure names the step node was in" $?
grep -q "Assertion .handle != -1. failed" "$tmp/out"
check "the package's assertion text is in the crash's failure" $?
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const f = r.scenarios[0].backends.usocket.failures.map((x) => x.message).join("\n");
  process.exit(/Assertion .handle != -1. failed/.test(f) ? 0 : 1)' "$tmp/broken.json"
check "the assertion text is in the crash's failure in the JSON report" $?
! grep -q "Assertion" "$tmp/err"
check "node's stderr does not leak onto fdlab's stderr" $?

# 250 run steps take far longer than one step's limit, and are correct.
"$fdlab" replay "$data/many-runs.json" -b usocket >"$tmp/out" 2>&1
code=$?
[ $code -eq 0 ]; check "a long correct scenario of run steps passes (exit $code)" $?
[ $code -eq 0 ] || sed -n 1,4p "$tmp/out"

# The same scenario with a UTF-8 byte order mark in front: the C++ parser accepts it, so node must.
printf '\357\273\277' | cat - "$data/good.json" >"$tmp/bom.json"
"$fdlab" replay "$data/good.json" -b usocket --json "$tmp/plain-report.json" >/dev/null 2>&1
"$fdlab" replay "$tmp/bom.json" -b usocket --json "$tmp/bom-report.json" >"$tmp/out" 2>&1
plain=$(status_of "$tmp/plain-report.json")
bom=$(status_of "$tmp/bom-report.json")
[ "$plain" = '["pass",[]]' ]; check "the good scenario passes on the package ($plain)" $?
[ "$bom" = "$plain" ]; check "with a byte order mark it gives the same result ($bom)" $?

# No package: a clear error that says what is missing and what to run, found once (node is
# started for the first scenario only; a wrapper on $PATH counts the starts).
mkdir "$tmp/empty-node-modules" "$tmp/bin"
printf '#!/bin/sh\necho started >>"%s"\nexec "%s" "$@"\n' "$tmp/node-starts" "$(command -v node)" \
  >"$tmp/bin/node"
chmod +x "$tmp/bin/node"
PATH=$tmp/bin:$PATH FDLAB_USOCKET_NODE_MODULES=$tmp/empty-node-modules \
  "$fdlab" replay "$data/good.json" "$tmp/bom.json" "$data/crash.json" -b usocket \
  --json "$tmp/missing.json" >"$tmp/out" 2>&1
code=$?
[ $code -ne 0 ]; check "a missing package does not pass (exit $code)" $?
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const bad = r.scenarios.filter((s) => !/usocket package is not installed .*: run .*adapters\/usocket\/setup\.sh/
    .test(s.backends.usocket.error || ""));
  process.exit(r.scenarios.length === 3 && bad.length === 0 ? 0 : 1)' "$tmp/missing.json"
check "every scenario's error says what is missing and to run adapters/usocket/setup.sh" $?
! grep -q "node exited with status" "$tmp/out"; check "no scenario says only 'node exited with status'" $?
n=$(wc -l <"$tmp/node-starts" 2>/dev/null || echo 0)
[ "$n" -eq 1 ]; check "the missing package is found once: node started $n time(s) for 3 scenarios" $?

# Paths that would leave the scenario's directory, given to the adapter directly (the C++
# parser never sees this file). Without --dir the adapter makes its directory under $TMPDIR,
# so ../escape.sock would be $TMPDIR/escape.sock.
export TMPDIR=$tmp/escape-parent
mkdir "$TMPDIR"
node "$adapter" "$data/escape-parent.json" >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code -eq 2 ]; check "replay.js refuses ../escape.sock (exit 2, got $code)" $?
grep -q "step 1: field 'path': must be a plain name" "$tmp/err"
check "the refusal names the step and the field" $?
created=$(ls -A "$TMPDIR" | tr '\n' ' ')
[ -z "$created" ]; check "nothing was created (found: $created)" $?

# An absolute path, with --dir as fdlab passes it, and the other names the parser refuses.
export TMPDIR=$tmp/escape-absolute
mkdir -p "$TMPDIR/scenario-dir"
for p in "$TMPDIR/abs.sock" "" "." ".." "a/b" 'x\u0000y' "$(head -c 433 /dev/zero | tr '\0' a)"; do
  # $p is the inside of a JSON string literal, so 'x\u0000y' is a NUL.
  node -e 'const [from, to, p] = process.argv.slice(1); const fs = require("fs");
    const s = JSON.parse(fs.readFileSync(from)); s.steps[1].path = JSON.parse(`"${p}"`);
    fs.writeFileSync(to, JSON.stringify(s))' "$data/escape-parent.json" "$tmp/escape.json" "$p"
  node "$adapter" --dir "$TMPDIR/scenario-dir" "$tmp/escape.json" >"$tmp/out" 2>"$tmp/err"
  code=$?
  shown=$(printf '%.40s' "$p")
  [ $code -eq 2 ] && grep -q "field 'path'" "$tmp/err"
  check "replay.js refuses the path '$shown' (exit $code)" $?
done
[ "$(ls -A "$TMPDIR")" = "scenario-dir" ] && [ -z "$(ls -A "$TMPDIR/scenario-dir")" ]
check "nothing was created inside or outside the scenario's directory" $?

echo "usocket backend tests: $failures failed"
[ $failures -eq 0 ]
