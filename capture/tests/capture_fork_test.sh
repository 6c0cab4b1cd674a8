#!/usr/bin/env bash
# fdlab capture --replay on capture/tests/fork_pass.c: the forked child is a scenario process
# whose fds are its parent's at the same numbers (given, with close-on-exec kept), the fd the
# model does not follow is a placeholder, fds passed both ways are expected by label, and the
# scenario replays on sim and native with identical traces. Then a program that writes through
# stdio on a tracked fd: the capture says it cannot see that, and exits 1.
set -u
fdlab=$1 fork_pass=$2
. "$(dirname "$0")/../../tests/check.sh"

"$fdlab" capture --replay -o "$tmp/fork.json" -- "$fork_pass" >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code -eq 0 ]; check "capture --replay exits 0 (got $code)" $?
[ $code -eq 0 ] || cat "$tmp/err" "$tmp/out"
grep -Eq '^captured/fork_pass +pass +pass +same' "$tmp/out"; check "--replay: sim and native pass with identical traces" $?

node -e '
const sc = JSON.parse(require("fs").readFileSync(process.argv[1]));
let failures = 0;
const check = (name, ok) => { console.log((ok ? "ok   " : "FAIL ") + name); if (!ok) failures++; };
// Equal as JSON values, whatever the order of object keys.
const canon = v => Array.isArray(v) ? v.map(canon) : v && typeof v === "object"
  ? Object.fromEntries(Object.keys(v).sort().map(k => [k, canon(v[k])])) : v;
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
check("parent and child are the two processes (got " + JSON.stringify(sc.processes) + ")",
      same(sc.processes, ["fork_pass", "fork_pass.2"]));
// fds the program holds that the model does not follow (its own /dev/null, and whatever the
// test runner left open) are placeholders, so every number below is the program'"'"'s own.
const holes = [];
for (const s of sc.steps) { if (s.op !== "open" || !/^untracked/.test(s.as[0])) break; holes.push(s); }
check("the fds the program opened itself are placeholders from fd 3 up (" + holes.length + ")",
      holes.length >= 1 && holes.every((s, i) => s.kind === "dev_null" && s.expect.ret === 3 + i && /^untracked/.test(s.as[0])));
const a = 3 + holes.length;  // the socketpair'"'"'s first end, as the kernel numbered it
const pair = sc.steps.find(s => s.op === "socketpair");
check("so the socketpair gets fds " + a + " and " + (a + 1) + ", as in the program",
      pair.expect.fds[0].fd === a && pair.expect.fds[1].fd === a + 1 && pair.proc === "fork_pass");
const gives = sc.steps.filter(s => s.op === "give");
const want = []; for (let n = 3; n <= a + 1; n++) want.push(n);
check("the fork gives the child every fd the parent had, at the same numbers (got " +
      JSON.stringify(gives.map(g => g.expect.ret)) + ")",
      same(gives.map(g => g.expect.ret), want) && gives.every(g => g.to === "fork_pass.2" && g.proc === "fork_pass"));
const setfd = sc.steps.filter(s => s.proc === "fork_pass.2" && s.op === "fcntl" && s.cmd === "F_SETFD");
check("the child keeps the first end close-on-exec, as the parent had it, and only that one",
      setfd.length === 1 && same(setfd[0].arg, ["FD_CLOEXEC"]) && setfd[0].fd === gives[gives.length - 2].fd);
const crecv = sc.steps.find(s => s.proc === "fork_pass.2" && s.op === "recvmsg");
check("the child receives the pipe write end at the number it closed, by label",
      same(crecv.expect.fds, [{cloexec: false, fd: a, obj: "pipe1w"}]) && crecv.expect.data === "pipe");
const precv = sc.steps.find(s => s.proc === "fork_pass" && s.op === "recvmsg");
const child_pair = sc.steps.find(s => s.proc === "fork_pass.2" && s.op === "socketpair");
check("the parent receives the seqpacket end the child made, by its label",
      child_pair.type === "seqpacket" && same(precv.expect.fds, [{cloexec: false, fd: a + 1, obj: child_pair.as[1]}]));
const eof = sc.steps.filter(s => s.proc === "fork_pass" && s.op === "read" && s.expect.ret === 0);
check("the parent reads the pipe to EOF after the child closed its copy", eof.length === 1);
const ends = sc.steps.filter(s => s.comment && /the process ends/.test(s.comment));
check("each process ends with the kernel closing what it still held",
      ends.some(s => s.proc === "fork_pass") && ends.some(s => s.proc === "fork_pass.2"));
process.exit(failures ? 1 : 0);
' "$tmp/fork.json"
check "the scenario says what parent and child did" $?

"$fdlab" capture -o "$tmp/stdio.json" -- "$fork_pass" stdio >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code -eq 1 ]; check "a write through stdio on a tracked fd: capture exits 1 (got $code)" $?
grep -q 'error.*fdopen' "$tmp/err"; check "and names fdopen as what it could not capture" $?
"$fdlab" replay --backend sim "$tmp/stdio.json" >/dev/null 2>&1
[ $? -ne 2 ]; check "the scenario it wrote still parses" $?
grep -q 'capture-inexact' "$tmp/stdio.json"; check "and is tagged capture-inexact" $?

[ $failures -eq 0 ]
