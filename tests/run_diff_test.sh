#!/usr/bin/env bash
# `fdlab diff-runs`: two runs that saw the same answers agree whatever their labels, process
# names and control-buffer sizes; one answer changed is reported at its process and call, with
# both steps; unreadable input is exit 2.
# Usage: run_diff_test.sh FDLAB SOURCE_ROOT
set -u
fdlab=$1
data=$2/tests/data/runs
. "$(dirname "$0")/check.sh"

"$fdlab" diff-runs "$data/a.json" "$data/b-same.json" >"$tmp/same" 2>&1
check "the same answers under other labels and names agree (exit 0)" $?
grep -q "^same: 4 calls agree" "$tmp/same"; check "and it says how many calls" $?

"$fdlab" diff-runs "$data/a.json" "$data/c-differs.json" >"$tmp/differ" 2>&1
[ $? -eq 1 ]; check "one changed answer is a difference (exit 1)" $?
grep -q "^differ: q's call 0 (recvmsg) answered differently" "$tmp/differ"
check "named at its process and call" $?
grep -q '"errno":"EAGAIN"' "$tmp/differ"; check "with both steps shown" $?

echo '{"steps": []}' >"$tmp/bad.json"
"$fdlab" diff-runs "$data/a.json" "$tmp/bad.json" >"$tmp/bad" 2>&1
[ $? -eq 2 ]; check "a file that is not a scenario is exit 2" $?
grep -q "bad.json: not a scenario" "$tmp/bad"; check "naming the file" $?
echo "diff-runs tests: $failures failed"
[ $failures -eq 0 ]
