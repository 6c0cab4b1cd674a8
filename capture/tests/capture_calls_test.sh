#!/usr/bin/env bash
# fdlab capture --replay on capture/tests/many_calls.c (run in a private directory: it binds a
# relative path): the calls the capture writes another way come out as the docs say, and the
# scenario replays on sim and native with identical traces.
set -u
fdlab=$1 many_calls=$2
. "$(dirname "$0")/../../tests/check.sh"

(cd "$tmp" && "$fdlab" capture --replay -o many.json -- "$many_calls") >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code -eq 0 ]; check "capture --replay exits 0 (got $code)" $?
[ $code -eq 0 ] || cat "$tmp/err" "$tmp/out"
grep -q 'many_calls: ok' "$tmp/out"; check "the program ran as written under capture" $?
grep -Eq '^captured/many_calls +pass +pass +same' "$tmp/out"; check "--replay: sim and native pass with identical traces" $?

node -e '
const sc = JSON.parse(require("fs").readFileSync(process.argv[1]));
let failures = 0;
const check = (name, ok) => { console.log((ok ? "ok   " : "FAIL ") + name); if (!ok) failures++; };
// Equal as JSON values, whatever the order of object keys.
const canon = v => Array.isArray(v) ? v.map(canon) : v && typeof v === "object"
  ? Object.fromEntries(Object.keys(v).sort().map(k => [k, canon(v[k])])) : v;
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
const steps = sc.steps, parent = steps.filter(s => s.proc === "many_calls"), child = steps.filter(s => s.proc === "many_calls.2");
check("parent and child (got " + JSON.stringify(sc.processes) + ")", same(sc.processes, ["many_calls", "many_calls.2"]));
const pipe = steps.find(s => s.op === "pipe");
const setfl = steps.filter(s => s.op === "fcntl" && s.cmd === "F_SETFL" && s.comment === "pipe2\x27s O_NONBLOCK");
check("pipe2(O_NONBLOCK | O_CLOEXEC): a close-on-exec pipe, then F_SETFL O_NONBLOCK on each end",
      pipe.cloexec === true && setfl.length === 2 && same(setfl.map(s => s.fd), pipe.as));
const big = parent.filter(s => s.op === "sendmsg" && s.data && /^x+$/.test(s.data));
const total = big.reduce((n, s) => n + s.data.length, 0);
check("the blocking 1 MiB send is " + big.length + " steps of what the kernel took, adding up to 1 MiB",
      big.length >= 2 && total === 1 << 20 && big.every(s => s.expect.ret === s.data.length));
check("its fd rides on the first part only",
      same(big[0].fds, [pipe.as[0]]) && big.slice(1).every(s => !s.fds && /^part [0-9]+ of one blocking/.test(s.comment)));
const exec_closes = child.filter(s => s.op === "close" && s.comment === "exec closed it (FD_CLOEXEC)");
check("the exec closes the child\x27s copies of both pipe ends", exec_closes.length === 2);
const after = child.slice(child.indexOf(exec_closes[1]) + 1);
check("and the new image writes into the socket it kept", after.some(s => s.op === "write" && s.data === "from exec"));
const poll = parent.find(s => s.op === "poll");
check("poll is a step with the answer the program got", poll.expect.ret === 1 && poll.expect.revents.includes("POLLIN"));
const dups = parent.filter(s => s.op === "dup" && /written as dup/.test(s.comment || ""));
check("dup2 onto 20 and F_DUPFD_CLOEXEC from 30 are dups at those numbers",
      same(dups.map(s => s.expect.ret), [20, 30]));
check("F_DUPFD_CLOEXEC\x27s flag is set after", parent.some(s => s.op === "fcntl" && s.cmd === "F_SETFD" && s.fd === dups[1].as[0]));
check("ioctl(FIONBIO) is the F_SETFL that leaves O_NONBLOCK, and F_GETFL on the other copy sees it",
      parent.some(s => s.op === "fcntl" && s.cmd === "F_SETFL" && same(s.arg, ["O_NONBLOCK"]) && /FIONBIO/.test(s.comment)) &&
      parent.some(s => s.op === "fcntl" && s.cmd === "F_GETFL" && s.expect.flags.includes("O_NONBLOCK")));
check("close_range closes both copies, one step each",
      parent.filter(s => s.op === "close" && /close_range/.test(s.comment || "")).length === 2);
check("the datagram socket is bound by its file name", parent.some(s => s.op === "bind" && s.path === "many_calls.sock"));
check("sendto names it as dest", parent.some(s => s.op === "sendmsg" && s.dest === "many_calls.sock" && s.data === "hello!"));
const creds = parent.find(s => s.op === "recvmsg" && s.msg_name);
check("the receive expects the sender\x27s credentials, symbolically, and its unnamed address",
      same(creds.expect.creds, {gid: "self", pid: "scenario", uid: "self"}) && same(creds.expect.from, {unnamed: true}) &&
      creds.control_len === 64);
check("getsockname reports the name", parent.some(s => s.op === "getsockname" && same(s.expect.name, {path: "many_calls.sock"})));
check("getsockopt expects the doubled SO_SNDBUF", parent.some(s => s.op === "getsockopt" && s.opt === "SO_SNDBUF" && s.expect.value === 131072));
check("getsockopt SO_TYPE and SO_PEERCRED expect the type\x27s name and the peer as a scenario process",
      parent.some(s => s.op === "getsockopt" && s.opt === "SO_TYPE" && s.expect.value === "SOCK_SEQPACKET") &&
      parent.some(s => s.op === "getsockopt" && s.opt === "SO_PEERCRED" && same(s.expect.value, {pid: "scenario", uid: "self", gid: "self"})));
check("the thread\x27s receive is a step of its process", parent.some(s => s.op === "recvmsg" && s.expect.data === "thread"));
check("the socket file is unlinked at the end, and the stale-file unlink at the start was nothing to capture",
      parent.filter(s => s.op === "unlink").length === 1);
process.exit(failures ? 1 : 0);
' "$tmp/many.json"
check "the scenario says what the program did" $?

[ $failures -eq 0 ]
