#!/usr/bin/env bash
# fdlab capture on examples/fdpass, run by its run-pair script (a shell, which makes no tracked
# call, starts the server and the client): the scenario parses, has the server and the client
# as its two processes, each recvmsg of the client expects the pipe's read end by label on odd
# requests and MSG_CTRUNC with no fd on even ones, and it replays on sim and native with
# identical traces.
set -u
fdlab=$1 run_pair=$2 bindir=$3
. "$(dirname "$0")/../../tests/check.sh"

"$fdlab" capture -o "$tmp/pair.json" --id captured/fdpass-pair -- \
  "$run_pair" "$bindir" "$tmp/fdpass.sock" 4 >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code -eq 0 ]; check "capture exits 0 (got $code)" $?
[ $code -eq 0 ] || cat "$tmp/err"
grep -q 'fdlab capture: .*run-pair.* exited with status' "$tmp/err"; check "capture says how the program ended" $?

node -e '
const sc = JSON.parse(require("fs").readFileSync(process.argv[1]));
let failures = 0;
const check = (name, ok) => { console.log((ok ? "ok   " : "FAIL ") + name); if (!ok) failures++; };
check("the scenario is kernel level, with the id asked for", sc.level === "kernel" && sc.id === "captured/fdpass-pair");
check("two processes, the server and the client (got " + JSON.stringify(sc.processes) + ")",
      JSON.stringify(sc.processes) === JSON.stringify(["fdpass_server", "fdpass_client"]));
check("every step has an expectation", sc.steps.every(s => s.expect !== undefined));
const srv = sc.steps.filter(s => s.proc === "fdpass_server"), cli = sc.steps.filter(s => s.proc === "fdpass_client");
check("the server binds and listens on one name, the client connects to it",
      srv.some(s => s.op === "bind" && s.path === "fdpass.sock") && srv.some(s => s.op === "listen") &&
      cli.some(s => s.op === "connect" && s.path === "fdpass.sock" && s.expect.ret === 0));
const sends = srv.filter(s => s.op === "sendmsg" && s.fds);
check("the server passes a pipe read end with each answer (" + sends.length + " sends with fds)",
      sends.length >= 2 && sends.every(s => s.fds.length === 1 && /^pipe[0-9]+r$/.test(s.fds[0])));
// The example races: a client that takes an answer without room for its fd closes the pipe'"'"'s
// last read end, and when that comes before the server'"'"'s write, the server dies of SIGPIPE and
// the client'"'"'s next receive fails (ECONNRESET). The capture records whichever happened.
const recvs = cli.filter(s => s.op === "recvmsg" && s.expect.ret !== undefined);
check("the client received at least two answers (" + recvs.length + ")", recvs.length >= 2);
const sock = cli.find(s => s.op === "socket").expect.ret;
recvs.forEach((s, i) => {
  const odd = i % 2 === 0, e = s.expect;
  if (odd) {
    check("request " + (i + 1) + ": 24 bytes of control, the fd received by label and number, no flags",
          s.control_len === 24 && e.fds.length === 1 && e.fds[0].obj === sends[i].fds[0] &&
          e.fds[0].fd === sock + 1 && JSON.stringify(e.msg_flags) === "[]" && s.as.length === 1);
  } else {
    check("request " + (i + 1) + ": CMSG_SPACE(0) of control, no fd, MSG_CTRUNC",
          s.control_len === 16 && e.fds.length === 0 && JSON.stringify(e.msg_flags) === "[\"MSG_CTRUNC\"]" &&
          e.msg_controllen === 0);
  }
  check("request " + (i + 1) + ": the header as the server wrote it",
        e.data === "file " + (i + 1) + " for " + (odd ? "notes" : "log"));
});
const reads = cli.filter(s => s.op === "read");
check("the client reads each fd it got through its own label",
      reads.length >= 1 && reads.every((s, i) => s.fd === recvs[2 * i].as[0] &&
                                       s.expect.data === "contents of notes #" + (2 * i + 1) + "\n"));
const epipe = srv.filter(s => s.op === "write" && s.expect.errno === "EPIPE");
check("a write that got EPIPE also expects its SIGPIPE, and the server ends there",
      epipe.every(s => s.expect.sigpipe === true) &&
      (epipe.length === 0 || /SIGPIPE/.test(srv[srv.indexOf(epipe[0]) + 1].comment)));
process.exit(failures ? 1 : 0);
' "$tmp/pair.json"
check "the scenario says what the pair did" $?

"$fdlab" replay --backend both "$tmp/pair.json" >"$tmp/replay" 2>&1
code=$?
[ $code -eq 0 ]; check "fdlab replay --backend both passes it (got $code)" $?
grep -Eq '^captured/fdpass-pair +pass +pass +same' "$tmp/replay"; check "sim and native pass with identical traces" $?
[ $code -eq 0 ] || cat "$tmp/replay"

[ $failures -eq 0 ]
