// The kernel-level corpus through the portable runner (runner/fdlab_posix_runner.c) built with
// libfdlab_posix for wasm32: a C program's POSIX calls served by the model, driven by
// `fdlab replay -b sim,runner`, each trace compared with the sim's (the ABI's control sizes
// translated by the runner backend). A scenario the runner cannot run the same way must be in
// runner-known-differences.json with its reason; one that differs without being listed fails
// the test, and so does a listed one that no longer differs (the list only shrinks).
// Usage: runner_corpus_test.js FDLAB WASM_POSIX_DIR SOURCE_ROOT
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [fdlab, posixDir, root] = process.argv.slice(2).map((p) => path.resolve(p));
const known = JSON.parse(fs.readFileSync(path.join(__dirname, 'runner-known-differences.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-corpus-'));
const report = path.join(tmp, 'report.json');
const command = `node ${path.join(root, 'posix/run-program.js')} ${path.join(posixDir, 'fdlab_posix_runner.js')}`;
try {
  execFileSync(fdlab, ['replay', '-b', 'sim,runner', '--runner-cmd', command, path.join(root, 'scenarios'),
    '-j', '2', '-q', '--json', report], { stdio: ['ignore', 'ignore', 'inherit'] });
} catch (e) {
  // Exit 1 is expected: some scenarios differ (listed below); the report says which.
  if (!fs.existsSync(report)) throw e;
}
const runs = JSON.parse(fs.readFileSync(report, 'utf8')).scenarios;
fs.rmSync(tmp, { recursive: true, force: true });
let identical = 0, skipped = 0;
const problems = [];
const differing = new Set();
for (const s of runs) {
  const r = s.backends.runner;
  if (!r || r.status === 'skipped' || r.status === 'skip') { skipped++; continue; }
  if (r.status === 'pass' && !s.divergence) { identical++; continue; }
  differing.add(s.id);
  if (!known.scenarios[s.id]) {
    problems.push(`${s.id}: ${r.status}, not listed: ${(r.error || (r.failures[0] || {}).message || 'traces differ').slice(0, 300)}`);
  }
}
for (const id of Object.keys(known.scenarios))
  if (!differing.has(id)) problems.push(`${id}: listed as differing, but it no longer does: take it off the list`);
console.log(`runner on the model: ${identical} identical to the sim, ${differing.size} known differences, ${skipped} skipped`);
for (const p of problems) console.log('FAIL ' + p);
if (identical < known.min_identical) problems.push(`only ${identical} identical, fewer than ${known.min_identical}`);
process.exitCode = problems.length ? 1 : 0;
