#!/usr/bin/env node
// Speed in headless Chromium (the target: every step redrawn in under 16 ms at p95, the first
// pass after a load included; a 10,000-step scenario loaded in under 1 s). A step is timed
// from goTo to the end of the layout it caused (forced), so style and layout count, paint not.
// Cases: every bundled scenario stepped through forward then back, each on a page that has
// run nothing before (cold code); the largest bundled one; generated ones of 10^4 and 10^5
// steps: load, the first 200 steps forward, a jump to the middle, 100 forward, 200 back
// (without a pause for the idle prefetch), jumps like a scrubber's, each twice (cold, then
// warm). Prints median/p95/max and the load average; asserts only generous bounds on times
// (this machine is shared) and exact bounds on counts: how many simulator steps a move may
// replay, which does not depend on the machine's load.
// Usage: perf_test.js SITE_DIR [--quick: every fifth bundled scenario, and not the 10^5-step
// case (ctest runs it so: the whole takes minutes on a loaded machine)]
//   [--cases=bundled,largest,10000,100000: only these]
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { openSite, harness } = require('./browser.js');
const { generate } = require('../tools/gen-big-scenario.js');

const [siteDir, ...flags] = process.argv.slice(2);
const quick = flags.includes('--quick');
const only = (flags.find((f) => f.startsWith('--cases=')) || '').slice('--cases='.length).split(',').filter(Boolean);
const wanted = (name) => !only.length || only.includes(name);
const { check, finish } = harness();
const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// Runs in the page. plan: 'through' (every step forward, then back to 0) or 'big' (as above).
async function measure(page, text, name, plan) {
  return page.evaluate(async ({ text, name, plan }) => {
    const app = window.fdlabApp;
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const stats = (a) => {
      const s = [...a].sort((x, y) => x - y);
      return { n: s.length, median: s[s.length >> 1], p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] };
    };
    // Simulator steps replayed by the playground so far (not the recording run), if it counts.
    const replayed = () => (app.session.stats ? JSON.parse(app.session.stats()).replayed : NaN);
    const moves = [];  // {kind, ms, replayed}
    const time = (kind, k) => {
      const r0 = replayed();
      const t = performance.now();
      app.goTo(k);
      void document.body.offsetHeight;
      moves.push({ kind, ms: performance.now() - t, replayed: replayed() - r0 });
    };
    await frame();
    let t0 = performance.now();
    app.editor.setText(text);
    app.loadText(text, { name });
    void document.body.offsetHeight;
    const load = performance.now() - t0;
    await frame();
    const loadPainted = performance.now() - t0;
    const n = app.summary.ran;
    if (plan === 'through') {
      for (let k = 1; k <= n; k++) time('forward', k);
      for (let k = n - 1; k >= 0; k--) time('back', k);
    } else {
      for (let k = 1; k <= Math.min(200, n); k++) time('forward', k);
      const mid = Math.floor(n / 2);
      time('jump', mid);
      for (let k = mid + 1; k <= mid + 100; k++) time('forward', k);
      for (let k = mid + 99; k >= mid - 100; k--) time('back', k);
      // A scrubber dragged to and fro: a spread of places, back and forth.
      for (let i = 1; i <= 24; i++) time('jump', Math.floor((((i * 7) % 25) / 25) * n));
      time('jump', n);
      time('jump', 0);
    }
    const of = (kind) => moves.filter((m) => m.kind === kind);
    const out = { steps: n, load, loadPainted, interval: app.session.stats ? JSON.parse(app.session.stats()).interval : NaN };
    for (const kind of ['forward', 'back', 'jump']) {
      if (!of(kind).length) continue;
      out[kind] = stats(of(kind).map((m) => m.ms));
      out[`${kind}Replayed`] = Math.max(...of(kind).map((m) => m.replayed));
    }
    out.step = stats(moves.filter((m) => m.kind !== 'jump').map((m) => m.ms));
    return out;
  }, { text, name, plan });
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
const dist = (s) => (s ? `median ${ms(s.median)} ms, p95 ${ms(s.p95)}, max ${ms(s.max)}` : '-');
const fmt = (r) => `${r.steps} steps: load ${r.load.toFixed(0)} ms (${r.loadPainted.toFixed(0)} to paint); ` +
  `forward ${dist(r.forward)}; back ${dist(r.back)}` + (r.jump ? `; jumps ${dist(r.jump)}` : '') +
  (Number.isNaN(r.interval) ? '' : `; at most ${Math.max(r.forwardReplayed, r.backReplayed || 0, r.jumpReplayed || 0)} sim steps replayed a move (checkpoints every ${r.interval})`);

// The most steps one move may replay: from the nearest checkpoint behind it.
function assertReplayBound(r) {
  if (Number.isNaN(r.interval)) return;
  assert.ok(r.forwardReplayed <= r.interval, `a step forward replayed ${r.forwardReplayed} steps`);
  if (r.back) assert.ok(r.backReplayed <= r.interval, `a step back replayed ${r.backReplayed} steps`);
  if (r.jump) assert.ok(r.jumpReplayed <= r.interval, `a jump replayed ${r.jumpReplayed} steps`);
}

(async () => {
  const t0 = Date.now();
  console.log(`load average ${loadavg()} on ${os.cpus().length} CPUs`);
  const site = await openSite(siteDir);
  const page = await site.newPage();
  console.log(`page ready (module compiled, first scenario drawn) in ${Date.now() - t0} ms including browser launch`);
  const bundled = await page.evaluate(() => window.FDLAB_SCENARIOS
    .filter((e) => e.folder !== 'bad' && e.steps > 0).map((e) => ({ path: e.path, steps: e.steps, level: e.level, size: e.text.length })));

  if (wanted('bundled')) await check(`${quick ? 'every fifth' : 'every'} bundled scenario, stepped through forward and back`, async () => {
    // Each scenario on a page that has run nothing but the start-up scenario: a few pages, one
    // scenario each, then the rest on the same pages (their code is warm: counted apart).
    const all = [];
    const cold = [];
    let worst = null;
    const pages = [];
    const chosen = quick ? bundled.filter((e, i) => i % 5 === 0) : bundled;
    for (const [i, e] of chosen.entries()) {
      const fresh = i % (quick ? 8 : 40) === 0;
      let p = pages[pages.length - 1];
      if (fresh) {
        if (p) await p.close();
        p = await site.newPage();
        pages.push(p);
      }
      const text = await p.evaluate((path) => window.FDLAB_SCENARIOS.find((x) => x.path === path).text, e.path);
      const r = await measure(p, text, e.path, 'through');
      assertReplayBound(r);
      all.push(r);
      if (fresh) cold.push(r);
      if (!worst || r.step.p95 > worst.r.step.p95) worst = { path: e.path, r };
    }
    await pages[pages.length - 1].close();
    // The distribution over every step of every scenario, from each scenario's quantiles is not
    // exact: count the moves instead (each scenario's median, p95 and max are what is printed).
    const p95s = all.map((r) => r.step.p95).sort((a, b) => a - b);
    const maxes = all.map((r) => r.step.max).sort((a, b) => a - b);
    console.log(`  ${all.length} scenarios, ${all.reduce((s, r) => s + r.steps, 0)} steps: ` +
      `per-scenario step p95: median ${ms(p95s[p95s.length >> 1])} ms, worst ${ms(p95s[p95s.length - 1])} (${worst.path}); ` +
      `per-scenario max: median ${ms(maxes[maxes.length >> 1])} ms, worst ${ms(maxes[maxes.length - 1])}`);
    console.log(`  first scenario on a fresh page (cold code): ${cold.map((r) => `p95 ${ms(r.step.p95)} max ${ms(r.step.max)}`).join('; ')}`);
    console.log(`  worst: ${worst.path}: ${fmt(worst.r)}`);
    assert.ok(p95s[p95s.length >> 1] < 200);
  });

  if (wanted('largest')) await check('the largest bundled scenario, twice', async () => {
    const largest = bundled.filter((e) => e.level === 'kernel')
      .reduce((a, b) => (b.steps > a.steps || (b.steps === a.steps && b.size > a.size) ? b : a));
    const p = await site.newPage();
    const text = await p.evaluate((path) => window.FDLAB_SCENARIOS.find((x) => x.path === path).text, largest.path);
    const r = await measure(p, text, largest.path, 'big');
    console.log(`  ${largest.path} (cold): ${fmt(r)}`);
    const again = await measure(p, text, largest.path, 'big');
    console.log(`  again (warm): ${fmt(again)}`);
    await p.close();
    assertReplayBound(r);
    assert.ok(r.load < 5000);
    assert.ok(again.forward.median < 200 && again.back.median < 200);
  });

  for (const size of (quick ? [10000] : [10000, 100000]).filter((n) => wanted(String(n)))) {
    await check(`a generated ${size}-step scenario, twice`, async () => {
      const text = JSON.stringify(generate(size));
      const p = await site.newPage();
      console.log(`  load average ${loadavg()}`);
      const cold = await measure(p, text, `big-${size}.json`, 'big');
      console.log(`  first load (cold code): ${fmt(cold)}`);
      const r = await measure(p, text, `big-${size}.json`, 'big');
      console.log(`  again (warm): ${fmt(r)}`);
      await p.close();
      assert.equal(r.steps, size);
      assertReplayBound(cold);
      assertReplayBound(r);
      // Generous: the machine is shared, and at 10^5 steps the scenario parser alone took about
      // a minute here (docs/performance.md).
      assert.ok(cold.load < Math.max(20000, size), `load ${cold.load} ms`);
      assert.ok(r.forward.median < 200 && r.back.median < 200);
    });
  }

  await check('the size of the page\'s files', async () => {
    let total = 0;
    const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const size = fs.statSync(p).size;
        total += size;
        if (!p.includes(`${path.sep}js${path.sep}`)) console.log(`  ${path.relative(siteDir, p)}: ${(size / 1024).toFixed(1)} KiB`);
      }
    });
    walk(siteDir);
    const js = fs.readdirSync(path.join(siteDir, 'js')).reduce((s, f) => s + fs.statSync(path.join(siteDir, 'js', f)).size, 0);
    console.log(`  js/*.js: ${(js / 1024).toFixed(1)} KiB; total ${(total / 1024).toFixed(1)} KiB`);
    assert.ok(total < 8 << 20);
  });

  console.log(`load average ${loadavg()} at the end (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  assert.deepEqual(site.errors, []);
  await site.close();
  finish();
})();
