// examples/fdpass's server and client, built with libfdlab_posix, run as two processes of one
// simulated kernel under node; and the same C source built natively (cc) and run against the
// real kernel. The kernel is the authority: both runs must print the same lines, and the
// model's run must show the trap (MSG_CTRUNC on the client's even requests) in its call log.
'use strict';
const assert = require('assert');
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const out = path.resolve(process.argv[2]);
const fdlabCli = process.argv[3];  // build/default's fdlab: replays the written scenario
const root = path.resolve(__dirname, '../..');
const { Host } = require(path.join(root, 'posix/host.js'));
const createKernel = require(path.join(out, 'fdlab_kernel.js'));
const createServer = require(path.join(out, 'fdpass_server.js'));
const createClient = require(path.join(out, 'fdpass_client.js'));
const REQUESTS = '4';
const MSG_CTRUNC = 8;

function native() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdpass-'));
  try {
    for (const p of ['fdpass_server', 'fdpass_client'])
      execFileSync('cc', ['-O2', '-o', path.join(dir, p), path.join(root, 'examples/fdpass', p + '.c')]);
    const lines = execFileSync(path.join(root, 'examples/fdpass/run-pair'),
      [dir, path.join(dir, 's.sock'), REQUESTS], { encoding: 'utf8' }).trim().split('\n');
    return lines;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// A run that stops making progress leaves node with nothing to do: that must not pass.
process.exitCode = 1;
(async () => {
  const host = new Host(await createKernel(), { id: 'programs/fdpass' });
  const run = await host.run([
    { name: 'server', create: createServer, args: ['/run/fdpass.sock', REQUESTS] },
    { name: 'client', create: createClient, args: ['/run/fdpass.sock', REQUESTS] },
  ]);
  for (const p of run.processes) console.log(p.name, 'exit', p.exit, '\n  ' + p.output.join('\n  '));
  assert.strictEqual(run.deadlock, null, 'deadlock: ' + JSON.stringify(run.deadlock));
  assert.deepStrictEqual(run.processes.map((p) => p.exit), [0, 0]);

  // The same lines as the real kernel's run, in each program's own order.
  const kernelLines = native();
  const byProgram = (lines, who) => lines.filter((l) => l.startsWith(who + ':'));
  const model = run.processes.flatMap((p) => p.output);
  for (const who of ['fdpass_server', 'fdpass_client'])
    assert.deepStrictEqual(byProgram(model, who), byProgram(kernelLines, who), who + ' printed differently');
  assert.strictEqual(byProgram(model, 'fdpass_client').length, Number(REQUESTS));

  // The call log: the client's recvmsg calls alternate a delivered fd and MSG_CTRUNC.
  const recvs = run.log.filter((e) => e.process === 'client' && e.op === 'recvmsg');
  assert.strictEqual(recvs.length, Number(REQUESTS));
  recvs.forEach((e, i) => {
    if (i % 2 === 0) assert.ok(e.fds && e.fds.length === 1 && e.msg_flags === 0, JSON.stringify(e));
    else assert.ok(!e.fds && e.msg_flags === MSG_CTRUNC, JSON.stringify(e));
  });
  // Every process has exited: the kernel holds no fd of theirs.
  for (const p of run.state.processes || []) assert.deepStrictEqual((p.fds || []).filter((f) => f.fd > 2), [], JSON.stringify(p));
  // The same C source run natively under `fdlab capture` and here on the model, the two runs
  // compared call by call (issue 17's differential check of real programs).
  if (fdlabCli && fs.existsSync(fdlabCli)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdpass-diff-'));
    try {
      for (const p of ['fdpass_server', 'fdpass_client'])
        execFileSync('cc', ['-O2', '-o', path.join(dir, p), path.join(root, 'examples/fdpass', p + '.c')]);
      const native = path.join(dir, 'native.json'), model = path.join(dir, 'model.json');
      execFileSync(fdlabCli, ['capture', '-o', native, '--id', 'programs/fdpass-native', '--',
        path.join(root, 'examples/fdpass/run-pair'), dir, path.join(dir, 's.sock'), REQUESTS], { stdio: 'ignore' });
      fs.writeFileSync(model, JSON.stringify(run.scenario));
      const same = execFileSync(fdlabCli, ['diff-runs', native, model], { encoding: 'utf8' });
      assert.match(same, /^same: \d+ calls agree/, same);
      // And a run that differs is shown at its first difference: the client with a control
      // buffer big enough for every fd, against the model's run of the real client.
      const roomy = JSON.parse(fs.readFileSync(native, 'utf8'));
      const recv = roomy.steps.filter((st) => st.op === 'recvmsg' && st.expect && (st.expect.msg_flags || []).includes('MSG_CTRUNC'))[0];
      assert.ok(recv, 'the native capture has no MSG_CTRUNC recvmsg');
      recv.expect.msg_flags = [];
      fs.writeFileSync(native, JSON.stringify(roomy));
      let shown = '';
      try {
        execFileSync(fdlabCli, ['diff-runs', native, model], { encoding: 'utf8' });
      } catch (e) {
        assert.strictEqual(e.status, 1);
        shown = e.stdout;
      }
      assert.match(shown, /^differ: .*call \d+ \(recvmsg\) answered differently/, shown);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  // The run, written as a scenario, replays on the sim and on the real kernel alike.
  if (fdlabCli && fs.existsSync(fdlabCli)) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fdpass-scenario-')), 'fdpass.json');
    fs.writeFileSync(file, JSON.stringify(run.scenario));
    const table = execFileSync(fdlabCli, ['replay', '-b', 'both', file], { encoding: 'utf8' });
    assert.match(table, /programs\/fdpass\s+pass\s+pass\s+same/, table);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  } else {
    console.log(`(no native fdlab at ${fdlabCli}: the written scenario was not replayed)`);
  }
  // The traps, each in a run of its own; the same source built natively gives the kernel's answer.
  const traps = require(path.join(out, 'fdlab_posix_traps.js'));
  const trapRun = async (what) => {
    const h = new Host(await createKernel(), { id: 'programs/traps-' + what });
    const r = await h.run([{ name: 'traps', create: traps, args: [what] }]);
    return { exit: r.processes[0].exit, output: r.processes[0].output, deadlock: r.deadlock, scenario: r.scenario };
  };
  const nativeTraps = (what) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'traps-'));
    try {
      execFileSync('cc', ['-o', path.join(dir, 'traps'), path.join(root, 'posix/tests/traps.c')]);
      const r = spawnSync(path.join(dir, 'traps'), [what], { encoding: 'utf8' });
      return { exit: r.status === null ? 128 + os.constants.signals[r.signal] : r.status, stdout: r.stdout.trim() };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  for (const what of ['sigpipe', 'sigpipe-ignored', 'zero-bytes']) {
    const model = await trapRun(what);
    const kernel = nativeTraps(what);
    assert.strictEqual(model.exit, kernel.exit, `${what}: exit ${model.exit} on the model, ${kernel.exit} on the kernel`);
    const printed = model.output.filter((l) => l.startsWith('traps:')).join('\n');
    assert.strictEqual(printed, kernel.stdout, `${what}: printed differently`);
  }
  const killed = await trapRun('sigpipe');
  assert.ok(killed.output.includes('fdlab_posix: killed by SIGPIPE'), killed.output.join('\n'));
  assert.ok(killed.scenario.steps.some((s) => s.op === 'write' && s.expect && s.expect.sigpipe === true));
  // On Linux this one hangs for ever; on the model the run ends and says where it stopped.
  const stuck = await trapRun('deadlock');
  assert.strictEqual(stuck.exit, 3);
  assert.deepStrictEqual(stuck.output, ['traps: recv returned -1, errno EDEADLK']);
  assert.deepStrictEqual(stuck.deadlock, [{ process: 'traps', waiting_in: 'recvmsg on fd 4' }]);
  const last = stuck.scenario.steps[stuck.scenario.steps.length - 1];
  assert.deepStrictEqual([last.op, last.expect], ['recvmsg', { blocked: true }]);
  const refused = await trapRun('unsupported');
  assert.strictEqual(refused.exit, 70);
  assert.ok(!refused.output.includes('traps: still running'), refused.output.join('\n'));
  assert.ok(refused.output.some((l) => /cannot serve socket/.test(l)), refused.output.join('\n'));

  const stdio = await trapRun('pass-stdout');
  assert.strictEqual(stdio.exit, 70);
  assert.ok(stdio.output.some((l) => /SCM_RIGHTS of an fd that is Emscripten's own/.test(l)), stdio.output.join('\n'));

  process.exitCode = 0;
  console.log(`posix_programs: ${run.log.length} calls, outputs match the kernel's (${kernelLines.length} lines)`);
})().catch((e) => { console.error(e); process.exit(1); });
