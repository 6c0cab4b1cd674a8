#!/usr/bin/env bash
# What a scenario can no longer reach on the native backend (issue 9, items 2, 3 and 6): fdlab's
# own stdin and stdout and their flags, the numbers of a harness give channel, and a /proc of
# another PID namespace. Usage: cli_hardening_native.sh FDLAB SCENARIOS-DIR
set -u
fdlab=$1
scenarios=$2
. "$(dirname "$0")/check.sh"
# The status flags of the open file description behind fd $1 of this shell, in octal.
flags_of() { awk '/^flags:/ { print $2 }' "/proc/$$/fdinfo/$1"; }
nonblock_or_append() { [ $((0$(flags_of "$1") & 06000)) -ne 0 ]; }

stdio="$scenarios/process/stdio-is-dev-null.json"

# The scenario reads fd 0, lseeks fd 1 to 0 and writes over it, and sets O_NONBLOCK|O_APPEND
# on fd 0 (which shares its description with 1 and 2). fdlab's stdin is a file the shell also
# holds, its stdout a file: after the run the stdin description keeps its flags and offset,
# and the trace that `record` wrote is whole JSON.
printf 'keep-me' >"$tmp/in"
exec 7<"$tmp/in" 8>"$tmp/trace.json"
"$fdlab" record "$stdio" -b native <&7 >&8 2>"$tmp/err"
check "record of a scenario that writes to its fds 0-2 exits 0" $?
exec 8>&-
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' "$tmp/trace.json" 2>/dev/null
check "fdlab's stdout stays one JSON document (the scenario's lseek+write did not reach it)" $?
! nonblock_or_append 7; check "fdlab's stdin is not left O_NONBLOCK or O_APPEND" $?
[ "$(awk '/^pos:/ { print $2 }' "/proc/$$/fdinfo/7")" = 0 ]
check "the scenario's read on fd 0 did not consume fdlab's stdin" $?
exec 7<&-

# The same through a pipe: what the scenario reads on 0 is not what fdlab was given.
printf 'keep-me' | { "$fdlab" replay "$stdio" -b native -q >/dev/null 2>&1; cat; } >"$tmp/rest"
[ "$(cat "$tmp/rest")" = keep-me ]; check "stdin piped to fdlab is still there after the run" $?

# fds 900/901 (the old give channel) and numbering up to RLIMIT_NOFILE, on both backends.
"$fdlab" replay "$scenarios/process" "$scenarios/limits/numbering-up-to-rlimit.json" \
  "$scenarios/limits/give-into-last-free-fd.json" -b both -q >"$tmp/out" 2>&1
check "900/901 are EBADF and numbering agrees up to RLIMIT_NOFILE on sim and native" $?

# Under a low `ulimit -n` (the old channel needed 902 numbers: F_DUPFD_CLOEXEC: EINVAL). Not
# numbering-up-to-rlimit: it needs 1024 fds.
(ulimit -n 64 && exec "$fdlab" replay "$scenarios/process" "$scenarios"/limits/rlimit-*.json \
  "$scenarios/limits/give-into-last-free-fd.json" -b both -q) >"$tmp/out" 2>&1
check "with ulimit -n 64 the process/ and RLIMIT scenarios pass on both backends" $?

# PID namespaces (root or user namespaces needed; skipped otherwise).
if unshare -pf --mount-proc true 2>/dev/null; then
  # Both start at once and bind the same abstract names over and over (the folder 20 times):
  # with tags from the pid (1 in both) they collided with EADDRINUSE.
  mkdir "$tmp/ns"
  for i in $(seq 20); do cp "$scenarios/named/abstract-namespace.json" "$tmp/ns/abstract-$i.json"; done
  unshare -pf --mount-proc "$fdlab" replay "$tmp/ns" -b native -q >"$tmp/ns1" 2>&1 &
  one=$!
  unshare -pf --mount-proc "$fdlab" replay "$tmp/ns" -b native -q >"$tmp/ns2" 2>&1
  two=$?
  wait $one
  [ $? -eq 0 ] && [ $two -eq 0 ]
  check "two runs, each pid 1 of its own PID namespace, both pass an abstract-name scenario" $?

  unshare -pf "$fdlab" replay "$stdio" -b native >"$tmp/out" 2>&1
  grep -q '/proc/self/task/<tid>/fd' "$tmp/out"; check "with the /proc of another PID namespace the error names /proc/self/task/<tid>/fd" $?
  grep -q 'leaked' "$tmp/out"
  [ $? -ne 0 ]; check "... and no false 'leaked' report" $?
else
  echo "skip PID namespace checks (unshare -pf --mount-proc is not allowed here)"
fi

[ "$failures" -eq 0 ] && echo "all hardening checks passed" || echo "$failures hardening check(s) failed"
[ "$failures" -eq 0 ]
