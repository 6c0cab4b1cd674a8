#!/usr/bin/env node
// The wasm module the page uses, under node: located parse errors with the CLI's wording, every
// bundled scenario loads, states reached by stepping back equal states reached forward, and
// recorded traces are compared record by record. Usage: api_test.js SITE_DIR REPO_ROOT
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');
const { harness, loadModule } = require('./browser-free.js');

const [siteDir, root] = process.argv.slice(2);
const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8');
const { check, finish } = harness();

(async () => {
  const m = await loadModule(siteDir);
  const packed = { window: {} };
  require('vm').runInNewContext(fs.readFileSync(path.join(siteDir, 'scenarios.js'), 'utf8'), packed);
  const scenarios = packed.window.FDLAB_SCENARIOS;

  await check('malformed scenarios give the CLI message, located at step and field', () => {
    const r = JSON.parse(m.parse(read('scenarios/bad/unknown-op.json'), 'scenarios/bad/unknown-op.json'));
    assert.equal(r.ok, false);
    assert.equal(r.error.step, 1);
    assert.equal(r.error.field, 'op');
    assert.match(r.error.message, /^scenarios\/bad\/unknown-op\.json: step 1: field 'op': unknown op 'sendfile'/);
    const bad = JSON.parse(m.parse(read('scenarios/bad/invalid-json.json'), 'x.json'));
    assert.equal(bad.ok, false);
    assert.match(bad.error.message, /^x\.json: invalid JSON: .*line 11, column 1/);
  });

  await check('the page describes steps from the op declarations: every op of the corpus is declared, fields come in order', () => {
    global.window = global.window || {};
    require(path.join(root, 'web/js/describe.js'));
    const ns = global.window.Fdlab;
    ns.setOps(JSON.parse(m.ops()));
    for (const e of scenarios.filter((x) => !x.path.includes('/bad/')))
      for (const step of JSON.parse(e.text).steps) assert.ok(ns.opOf(step.op, e.level || 'kernel'), `${e.path}: op ${step.op} is not declared`);
    assert.equal(ns.describeStep({ proc: 'p', op: 'bind', sock: 'l', path: 'srv' }), 'p bind l srv');
    assert.equal(ns.describeStep({ proc: 'p', op: 'sendmsg', sock: 'a', data: 'abcd', fds: ['f1'] }),
      'p sendmsg a "abcd" fds [f1]');
    assert.equal(ns.describeStep({ proc: 'q', op: 'give', fd: 'b', to: 'r' }), 'q give b → r');
    assert.equal(ns.describeStep({ proc: 'p', op: 'sys.lseek', fd: 'f', offset: 3, whence: 'SEEK_CUR' }),
      'p sys.lseek f offset 3 SEEK_CUR');
    // Every argument a bundled step gives shows in its text (a value, or a flag's name).
    const skip = new Set(['proc', 'op', 'expect', 'comment', 'data_hex']);
    for (const e of scenarios.filter((x) => !x.path.includes('/bad/'))) {
      for (const step of JSON.parse(e.text).steps) {
        const text = ns.describeStep(step, e.level || 'kernel');
        for (const [k, v] of Object.entries(step)) {
          if (skip.has(k) || v === false || v === null || (Array.isArray(v) && !v.length)) continue;
          const want = v === true ? k : typeof v === 'string' ? (k === 'data' ? JSON.stringify([...v].slice(0, 8).join('')).slice(0, -1) : v)
            : Array.isArray(v) ? (typeof v[0] === 'object' ? JSON.stringify(v[0]) : String(v[0])) : typeof v === 'object' ? null : String(v);
          if (want !== null) assert.ok(text.includes(want), `${e.path}: "${text}" lacks ${k} (${JSON.stringify(v)})`);
        }
      }
    }
  });

  await check('a usocket-level scenario loads and steps with the kernel state after each step, or is refused, never a crash', () => {
    const s = new m.Session();
    let withSockets = 0;
    for (const e of scenarios.filter((x) => x.level === 'usocket')) {
      const r = JSON.parse(s.load(e.text, e.path));
      if (!r.ok) { assert.ok(r.error.message.startsWith(e.path), r.error.message); continue; }
      assert.equal(r.stepwise, true);
      const t = JSON.parse(s.trace());
      assert.equal(t.records.length, r.ran);
      assert.equal(t.rules.length, r.ran);
      for (let k = 0; k <= r.ran; k++) {
        const v = JSON.parse(s.view(k));
        assert.equal(v.ok, true);
        assert.equal(v.after.step, k);
        assert.deepEqual(v.after.names, JSON.parse(e.text).processes);
        if (k > 0) assert.deepEqual(v.before, JSON.parse(s.view(k - 1)).after, `${e.path}: view(${k}).before`);
        if (v.after.sockets.length) withSockets++;
      }
    }
    assert.ok(withSockets > 0, 'some usocket scenario has sockets in its kernel state');
    s.delete();
  });

  await check('a journey lists each change of where an object is, and the steps that caused them', () => {
    const s = new m.Session();
    const rel = 'scenarios/stream/fds-stop-the-read.json';
    const r = JSON.parse(s.load(read(rel), rel));
    // f1's id, from the state after it was opened (step 2).
    const snap = JSON.parse(s.view(3)).after;
    const f1 = Number(Object.entries(snap.labels.objects).find(([, l]) => l === 'f1')[0]);
    const states = [...Array(r.ran + 1).keys()].map((k) => s.state(k));
    const j = JSON.parse(s.journey(f1));
    assert.equal(j.ok, true);
    assert.equal(j.name, 'f1');
    assert.deepEqual(j.events.map((e) => e.step), [2, 3, 5]);
    // Each event says what the state after its step says.
    for (const e of j.events) {
      const after = JSON.parse(s.view(e.after)).after;
      const holders = after.processes.flatMap((p) => p.fds.filter((f) => f.object === f1).map((f) => `fd ${f.fd} in ${after.names[p.proc]}`));
      assert.deepEqual(e.fds, holders, `after step ${e.step}`);
      assert.equal(e.inflight, after.objects.find((o) => o.object === f1).inflight);
    }
    assert.deepEqual(j.events[1].queued_on, ['b']);
    // The journey's own replay leaves the states where they were.
    for (let k = r.ran; k >= 0; k--) assert.equal(s.state(k), states[k], `state ${k} after the journey`);
    s.delete();
  });

  await check('no C++ exception escapes: calls before any load return error values', () => {
    const s = new m.Session();
    assert.equal(JSON.parse(s.stepTo(3)).ok, false);
    assert.equal(JSON.parse(s.snapshot()).ok, false);
    assert.equal(JSON.parse(s.divergence('not json')).ok, false);
    s.delete();
  });

  // Whether each scenario passes on the sim is the corpus tests' business; here: every one
  // loads, its trace covers what ran, and the must-fail ones do fail in the page too.
  await check('every bundled kernel scenario outside bad/ loads; expected-fail ones fail', () => {
    const s = new m.Session();
    let n = 0;
    const failing = [];
    for (const e of scenarios.filter((x) => x.folder !== 'bad' && x.level === 'kernel')) {
      const r = JSON.parse(s.load(e.text, e.path));
      assert.equal(r.ok, true, `${e.path}: ${r.error && r.error.message}`);
      const t = JSON.parse(s.trace());
      assert.equal(t.records.length, r.ran);
      if (e.folder === 'expected-fail') assert.ok(t.failures.length > 0, e.path);
      else if (t.failures.length) failing.push(e.path);
      n++;
    }
    assert.ok(n >= 30, `only ${n} scenarios`);
    if (failing.length) console.log(`  note: failing on the sim (the corpus tests report these): ${failing.join(', ')}`);
    s.delete();
  });

  await check('a state reached backward (cache or replay) equals the same state reached forward', () => {
    const s = new m.Session();
    const e = scenarios.find((x) => x.path === 'scenarios/stream/many-fds-in-order.json');
    const r = JSON.parse(s.load(e.text, e.path));
    const forward = [];
    for (let k = 0; k <= r.ran; k++) forward.push(JSON.stringify(JSON.parse(s.view(k)).after));
    s.prefetch();
    for (let k = r.ran; k >= 0; k--) {
      const v = JSON.parse(s.view(k));
      assert.equal(JSON.stringify(v.after), forward[k], `after ${k}`);
      if (k > 0) assert.equal(JSON.stringify(v.before), forward[k - 1], `before ${k}`);
    }
    // The scenario's own labels name the objects: f1..f10 travel to q as received fds.
    const end = JSON.parse(s.view(r.ran)).after;
    const q = end.processes[end.names.indexOf('q')];
    assert.deepEqual(q.fds.filter((f) => f.fd >= 4).map((f) => end.labels.objects[f.object]),
      ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10']);
    s.delete();
  });

  await check('checkpoints: a state reached by any jump equals the state reached step by step, and no move replays more than the interval', () => {
    const { generate } = require('../tools/gen-big-scenario.js');
    const text = JSON.stringify(generate(1500));
    const walker = new m.Session();
    const jumper = new m.Session();
    const r = JSON.parse(walker.load(text, 'big.json'));
    jumper.load(text, 'big.json');
    const stats = (s) => JSON.parse(s.stats());
    const { interval, checkpoints } = stats(jumper);
    assert.ok(interval >= 1 && checkpoints >= 2 && checkpoints <= r.ran / interval + 1, JSON.stringify(stats(jumper)));
    // The walker replays from the first step, one step a move, never from a checkpoint.
    const forward = [];
    for (let k = 0; k <= r.ran; k++) forward.push(walker.state(k));
    assert.equal(stats(walker).replayed, r.ran);
    assert.equal(stats(walker).restores, 1);  // the load's, to stand at step 0
    // The jumper goes everywhere in a scrambled order, then a step at a time backward.
    const order = [r.ran, 0, interval, interval - 1, interval + 1, r.ran - 1];
    for (let i = 0; i < 60; i++) order.push((i * 7919) % (r.ran + 1));
    for (let k = r.ran; k >= r.ran - 3 * interval; k--) order.push(k);
    for (const k of order) {
      const before = stats(jumper).replayed;
      assert.equal(jumper.state(k), forward[k], `state after ${k} steps`);
      assert.ok(stats(jumper).replayed - before <= interval, `${stats(jumper).replayed - before} steps replayed to reach ${k}`);
    }
    walker.delete();
    jumper.delete();
  });

  await check('a recorded trace is compared record by record: identical, then one record changed', () => {
    const s = new m.Session();
    const e = scenarios.find((x) => x.path === 'scenarios/stream/fds-stop-the-read.json');
    s.load(e.text, e.path);
    const records = JSON.parse(s.trace()).records;
    const file = { fdlab_trace: 1, scenario: 'stream/fds-stop-the-read', backend: 'native', kernel: 'test', passed: true, trace: records };
    assert.equal(JSON.parse(s.divergence(JSON.stringify(file))).found, false);
    file.trace = JSON.parse(JSON.stringify(records));
    file.trace[5].data = 'abcdefgh';
    const d = JSON.parse(s.divergence(JSON.stringify(file)));
    assert.equal(d.found, true);
    assert.equal(d.index, 5);
    assert.equal(d.sim.data, 'abcd');
    assert.equal(d.other.data, 'abcdefgh');
    assert.equal(JSON.parse(s.divergence('{"trace": []}')).ok, false);
    s.delete();
  });

  finish();
})();
