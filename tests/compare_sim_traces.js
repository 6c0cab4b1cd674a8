#!/usr/bin/env node
// Runs fdlab_sim_trace from the wasm build (under node) and from the native build on the same
// scenarios, and fails unless every line is byte-for-byte identical.
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');

const [wasmJs, nativeExe, scenarios] = process.argv.slice(2);
if (!fs.existsSync(nativeExe)) {
  console.error(`native build of fdlab_sim_trace not found at ${nativeExe}: build the default preset first`);
  process.exit(1);
}
const run = (cmd, args) => execFileSync(cmd, args, { maxBuffer: 1 << 30 }).toString().split('\n');
const t0 = Date.now();
const wasm = run(process.execPath, [wasmJs, scenarios]);
const t1 = Date.now();
const native = run(nativeExe, [scenarios]);
const t2 = Date.now();
const n = Math.max(wasm.length, native.length);
for (let i = 0; i < n; i++) {
  if (wasm[i] !== native[i]) {
    console.error(`line ${i} differs\n  wasm:   ${(wasm[i] || '(none)').slice(0, 2000)}\n  native: ${(native[i] || '(none)').slice(0, 2000)}`);
    process.exit(1);
  }
}
const count = native.filter((l) => l.length).length;
if (count < 30) {
  console.error(`only ${count} scenarios replayed; expected the whole corpus`);
  process.exit(1);
}
console.log(`${count} scenarios: wasm and native sim traces identical (wasm ${t1 - t0} ms, native ${t2 - t1} ms)`);
