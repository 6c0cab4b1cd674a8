#!/usr/bin/env node
// Runs C programs built with libfdlab_posix (posix/) under node, as processes of one simulated
// kernel, each program's stdout and stderr passed through:
//   run-program.js [--scenario FILE] [--log FILE] PROGRAM.js [ARGS...] [-- PROGRAM.js [ARGS...]]...
// PROGRAM.js is a module built by fdlab_posix_program (posix/CMakeLists.txt). Exits with the
// first nonzero exit status, 75 on a deadlock, else 0. --scenario writes the run as a scenario
// (posix/scenario_writer.js), --log the call log as JSON.
'use strict';
const fs = require('fs');
const path = require('path');
const { Host } = require('./host.js');

function usage() {
  console.error('usage: run-program.js [--scenario FILE] [--log FILE] [--kernel fdlab_kernel.js] PROGRAM.js [ARGS...] [-- PROGRAM.js [ARGS...]]...');
  process.exit(2);
}

const argv = process.argv.slice(2);
const opts = {};
while (argv.length && argv[0].startsWith('--') && argv[0] !== '--') {
  const flag = argv.shift();
  if (!['--scenario', '--log', '--kernel', '--id'].includes(flag) || !argv.length) usage();
  opts[flag.slice(2)] = argv.shift();
}
const programs = [];
let current = null;
for (const a of argv) {
  if (a === '--') { current = null; continue; }
  if (!current) { current = { module: path.resolve(a), args: [] }; programs.push(current); continue; }
  current.args.push(a);
}
if (!programs.length) usage();

(async () => {
  const kernelPath = opts.kernel ? path.resolve(opts.kernel) : path.join(path.dirname(programs[0].module), 'fdlab_kernel.js');
  const host = new Host(await require(kernelPath)(), { id: opts.id || 'programs/' + path.basename(programs[0].module, '.js') });
  // Synchronous writes: a program that reads stdin blocks node's thread, and an async write
  // would never leave.
  const stdout = (line) => fs.writeSync(1, line + '\n');
  const stderr = (line) => fs.writeSync(2, line + '\n');
  // Standard input, blocking, through a description of its own (reopened by /proc: node may
  // have made fd 0's nonblocking). Emscripten asks for bytes one at a time until it has as many
  // as read() wanted or is told "none for now" (undefined): after each line, "none for now",
  // so that a program answering line by line sees each request as it comes; the next call
  // then waits for more. (A read that ends exactly at a line's end without asking once more
  // gets EAGAIN on its next read; Emscripten asks for a whole stdio buffer, so only a request
  // of exactly that many bytes could meet it.)
  // A socket cannot be reopened through /proc (ENXIO): then fd 0 itself, waiting out EAGAIN.
  const ownStdin = () => {
    try {
      return fs.openSync('/proc/self/fd/0', 'r');
    } catch (e) {
      return 0;
    }
  };
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const readBlocking = (fd, buf) => {
    for (;;) {
      try {
        return fs.readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if (e.code !== 'EAGAIN') throw e;
        Atomics.wait(pause, 0, 0, 1);
      }
    }
  };
  const input = { fd: null, buf: Buffer.alloc(65536), len: 0, pos: 0, paused: false };
  const stdin = () => {
    if (input.pos === input.len) {
      if (!input.paused && input.len > 0 && input.buf[input.len - 1] === 10) {
        input.paused = true;
        return undefined;
      }
      input.paused = false;
      if (input.fd === null) input.fd = ownStdin();
      input.len = readBlocking(input.fd, input.buf);
      input.pos = 0;
      if (input.len === 0) return null;
    }
    const c = input.buf[input.pos++];
    return c;
  };
  const run = await host.run(programs.map((p) => ({
    name: path.basename(p.module, '.js'), create: require(p.module), args: p.args, stdin, stdout, stderr,
  })));
  if (opts.scenario) fs.writeFileSync(opts.scenario, JSON.stringify(run.scenario, null, 1) + '\n');
  if (opts.log) fs.writeFileSync(opts.log, JSON.stringify(run.log, null, 1) + '\n');
  if (run.deadlock) {
    console.error('run-program: deadlock: every process waits: ' +
      run.deadlock.map((d) => `${d.process} in ${d.waiting_in}`).join(', ') + ' (on Linux the program would hang here)');
    process.exitCode = 75;
    return;
  }
  process.exitCode = run.processes.map((p) => p.exit).find((e) => e !== 0) || 0;
})().catch((e) => { console.error('run-program:', e && e.stack || e); process.exit(1); });
