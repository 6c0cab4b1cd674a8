#!/bin/sh
# The kernel-level corpus through the portable POSIX runner (runner/fdlab_posix_runner.c,
# docs/posix-runner.md), compared with the simulator record by record: every scenario whose calls
# the runner can make must give the sim's trace. A scenario the runner cannot serve (an op or
# option no POSIX call makes, or an fd whose inode two of the scenario's descriptions share) is
# skipped with the runner's reason, which the test prints, counted. Any divergence, any
# harness error, fails the test; so does a run where fewer scenarios pass than `floor` below (the
# count measured when docs/posix-runner.md was written), so that the runner cannot pass by skipping.
#
#   posix_runner_corpus_test.sh FDLAB SOURCE_DIR
set -eu
fdlab=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Harness failures are errors, never results: a runner that is not there, one that answers
# nonsense, one that dies at its first request.
one="$src/scenarios/stream/fds-stop-the-read.json"
check_error() {  # NAME COMMAND EXPECTED-TEXT
  if FDLAB_RUNNER=$2 "$fdlab" replay "$one" -b runner >"$tmp/out" 2>&1; then
    echo "FAIL: $1: replay passed"; cat "$tmp/out"; exit 1
  fi
  if ! grep -q "error" "$tmp/out" || ! grep -q "$3" "$tmp/out"; then
    echo "FAIL: $1: no harness error naming '$3':"; cat "$tmp/out"; exit 1
  fi
  echo "ok: $1 is a harness error"
}
check_error "a missing runner" "/nonexistent/fdlab_posix_runner" "exited"
check_error "a runner that answers nonsense" "echo hello" "fdlab-posix-runner VERSION"
check_error "a runner that dies" "echo 'fdlab-posix-runner 1 identity=inode'" "exited with status 0"

# A runner that hides what the kernel said must show as a divergence, not a pass: here one that
# drops MSG_CTRUNC (a control buffer silently truncated).
runner="$(dirname "$fdlab")/fdlab_posix_runner"
if "$fdlab" replay "$src/scenarios/stream/control-len-16-no-fd.json" -b sim,runner \
    --runner-cmd "'$runner' | sed -u 's/msg_flags=MSG_CTRUNC/msg_flags=/'" >"$tmp/out" 2>&1 ||
    ! grep -q "DIFFER" "$tmp/out"; then
  echo "FAIL: a runner that drops MSG_CTRUNC was not caught:"; cat "$tmp/out"; exit 1
fi
echo "ok: a runner that drops MSG_CTRUNC diverges"

# The corpus, two jobs at a time (the machine is shared).
set +e
"$fdlab" replay "$src/scenarios" -b sim,runner -j 2 -q \
  --json "$tmp/report.json" >"$tmp/table" 2>&1
rc=$?
set -e
cat "$tmp/table"
floor=374
python3 - "$tmp/report.json" "$floor" "$rc" <<'EOF'
import collections, json, sys
report = json.load(open(sys.argv[1]))
floor = int(sys.argv[2])
rc = int(sys.argv[3])
kernel = [s for s in report["scenarios"] if s["backends"].get("runner", {}).get("status") != "skipped"
          or s["backends"]["runner"].get("skipped") != "usocket level"]
count = collections.Counter()
skips = collections.Counter()
bad = []
for s in kernel:
    r = s["backends"]["runner"]
    count[r["status"]] += 1
    if r["status"] == "skipped":
        skips[r.get("skipped", "")[:120]] += 1
    elif r["status"] != "pass" or not s.get("traces_identical", False):
        bad.append(s["id"])
print(f"posix runner, kernel level: {len(kernel)} scenarios; runner ran {count['pass']} fully with "
      f"the sim's trace; skipped {count['skipped']}; failed or diverged {len(bad)}")
for reason, n in sorted(skips.items(), key=lambda kv: -kv[1]):
    print(f"  skipped {n:3}: {reason}")
for b in bad:
    print(f"  NOT OK: {b}")
if bad or rc != 0:
    sys.exit(f"FAIL: the runner diverged from the sim or failed (fdlab replay exit {rc})")
if count["pass"] < floor:
    sys.exit(f"FAIL: only {count['pass']} scenarios ran on the runner, fewer than {floor}")
EOF
