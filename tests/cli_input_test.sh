#!/usr/bin/env bash
# The fdlab command given hostile or careless input (issue 9): each bad input is one clear error
# for that file, the others still run, and fdlab's own output stays intact.
set -u
fdlab=$1
scenarios=$2
data=$3
. "$(dirname "$0")/check.sh"
is_json() { node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$1" 2>/dev/null; }

good=$(ls "$scenarios"/stream/*.json | head -n 1)
good_id=$(basename "$good" .json)

# A FIFO and a character device named on the command line: an error for that file alone.
mkfifo "$tmp/pipe.json"
timeout 20 "$fdlab" replay "$tmp/pipe.json" /dev/zero "$good" -b sim >"$tmp/out" 2>&1
code=$?
[ $code -eq 2 ]; check "a FIFO and /dev/zero: exit 2 (got $code)" $?
grep -q "$tmp/pipe.json: a FIFO, not a scenario file" "$tmp/out"; check "the FIFO is named as a FIFO" $?
grep -q "/dev/zero: a character device, not a scenario file" "$tmp/out"; check "/dev/zero is named as a device" $?
grep -Eq "$good_id +pass" "$tmp/out"; check "the good file still ran beside them" $?

# Inside a folder, a FIFO named *.json is reported too, not skipped silently.
mkdir "$tmp/folder"
cp "$good" "$tmp/folder/good.json"
mkfifo "$tmp/folder/fifo.json"
timeout 20 "$fdlab" replay "$tmp/folder" -b sim >"$tmp/out" 2>&1
[ $? -eq 2 ]; check "a FIFO inside a folder: exit 2" $?
grep -q "fifo.json: a FIFO" "$tmp/out"; check "a FIFO inside a folder is named" $?

# A missing path is an error for it alone.
"$fdlab" replay "$tmp/nothing-here.json" "$good" -b sim >"$tmp/out" 2>&1
[ $? -eq 2 ]; check "a missing path: exit 2" $?
grep -q "nothing-here.json: no such file or folder" "$tmp/out"; check "a missing path is named" $?
grep -Eq "$good_id +pass" "$tmp/out"; check "the good file still ran beside the missing one" $?

# A file over the size cap is refused before it is read (a sparse 129 MiB file: no memory used).
truncate -s 129M "$tmp/huge.json"
"$fdlab" replay "$tmp/huge.json" "$good" -b sim >"$tmp/out" 2>&1
[ $? -eq 2 ]; check "a 129 MiB file: exit 2" $?
grep -q "huge.json: 135266304 bytes, over the 128 MiB limit" "$tmp/out"; check "the size cap is named" $?

# Under a memory limit, a big (but allowed) file fails with its name, not a bare bad_alloc.
# (Not under ASan, which reserves terabytes of address space and cannot start under ulimit -v.)
if ! ldd "$fdlab" | grep -q libasan; then
  python3 -c 'import sys; sys.stdout.write("[" + "0," * 15000000 + "0]")' >"$tmp/big.json"
  (ulimit -v 400000; "$fdlab" replay "$tmp/big.json" -b sim >"$tmp/out" 2>&1)
  code=$?
  [ $code -eq 2 ]; check "a big file under ulimit -v: exit 2 (got $code)" $?
  grep -q "big.json: out of memory while reading or parsing it" "$tmp/out"
  check "a big file under ulimit -v: the error names the file" $?
fi

# Bytes that are not UTF-8 (in a file name, and quoted in a parse error) keep --json valid.
name=$(printf 'caf\xe9.json')
cp "$good" "$tmp/$name"
printf '{"fdlab": 1, "id": "\xff\xfe"}' >"$tmp/not-utf8.json"
"$fdlab" replay "$tmp/$name" -b sim --json "$tmp/report.json" >/dev/null 2>&1
[ $? -eq 0 ]; check "a file whose name is not UTF-8 passes (exit 0)" $?
is_json "$tmp/report.json"; check "--json FILE is valid JSON with a non-UTF-8 file name" $?
"$fdlab" replay "$tmp/not-utf8.json" -b sim --json "$tmp/report2.json" >/dev/null 2>&1
[ $? -eq 2 ]; check "a file with invalid UTF-8 inside: exit 2" $?
is_json "$tmp/report2.json"; check "--json FILE is valid JSON when the error quotes a non-UTF-8 byte" $?

# --json - writes JSON and nothing else to standard output, with or without -q.
"$fdlab" replay "$good" -b sim --json - >"$tmp/stdout.json" 2>"$tmp/stderr"
is_json "$tmp/stdout.json"; check "--json - is valid JSON" $?
grep -q "1 scenarios" "$tmp/stderr"; check "--json -: the table and summary go to standard error" $?
"$fdlab" replay "$good" -b sim --json - -q >"$tmp/stdout.json" 2>/dev/null
is_json "$tmp/stdout.json"; check "--json - -q is valid JSON" $?

# The time budget: 100 collect steps (~26 ms each on native) against --timeout 1. (Blocking steps
# no longer serve: the native backend sees them blocked in a few ms, docs/decisions.md.)
start=$(date +%s)
"$fdlab" replay "$data/collects-a-hundred-times.json" -b both --timeout 1 --json "$tmp/t.json" >"$tmp/out" 2>&1
code=$?
elapsed=$(($(date +%s) - start))
[ $code -eq 1 ]; check "--timeout: a scenario over its budget exits 1 (got $code)" $?
grep -Eq "collects-a-hundred-times +pass +timeout" "$tmp/out"; check "--timeout: reported as its own result" $?
grep -Eq "native: timed out: the 1 s budget ran out before step [0-9]+" "$tmp/out"; check "--timeout: names the step" $?
[ $elapsed -le 4 ]; check "--timeout: the run stopped near its budget (${elapsed} s)" $?
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])); const n = r.scenarios[0].backends.native; if (n.status !== "timeout" || !(n.timed_out_before_step > 0)) process.exit(1)' "$tmp/t.json"
check "--timeout: the JSON report says timeout and the step" $?

echo "cli input tests: $failures failed"
[ $failures -eq 0 ]
