#!/usr/bin/env bash
# `fdlab bench --quick` on the sim (issue 14, docs/performance.md "How cost grows"): every
# measured replay passes, and peak memory follows the input, not the history: going from 100 to
# 10^5 steps adds less than 3 times the larger scenario file (it added 11 times before the steps
# were read lazily and the traces compared as made). Memory, not time: time on a shared machine
# measures the neighbours.
set -u
fdlab=$1
. "$(dirname "$0")/check.sh"

nice "$fdlab" bench --quick -b sim --series steps -o "$tmp/growth.json" 2>"$tmp/err"
check "fdlab bench --quick: every replay passed (exit $?)" $?
node - "$tmp/growth.json" >"$tmp/out" 2>&1 <<'JS'
const r = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')).measurements;
const at = (n) => r.find((m) => m.series === 'steps' && m.steps === n && m.backend === 'sim');
const small = at(100), big = at(100000);
if (!small || !big) { console.log('missing measurements'); process.exit(1); }
const added = (big.max_rss_kib - small.max_rss_kib) * 1024;
console.log(`100 steps: ${small.max_rss_kib} KiB; 10^5 steps: ${big.max_rss_kib} KiB; ` +
            `added ${added} bytes for a ${big.file_bytes}-byte file`);
process.exit(added < 3 * big.file_bytes ? 0 : 1);
JS
check "peak memory at 10^5 steps: under 3 times the file above the floor ($(cat "$tmp/out"))" $?

echo "bench growth tests: $failures failed"
[ $failures -eq 0 ]
