#!/usr/bin/env node
// Speed in headless Chromium: loading a scenario (parse, replay, trace, first draw) and one step
// (simulator + redraw, layout forced), for the largest bundled scenario and a generated
// 10,000-step one (each loaded twice: cold code, then again), the load average around them; and
// the size of the page's files. Prints the numbers; asserts only
// generous bounds (the targets are 1 s and 16 ms; this machine is shared).
// Usage: perf_test.js SITE_DIR
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { openSite, harness } = require('./browser.js');
const { generate } = require('../tools/gen-big-scenario.js');

const [siteDir] = process.argv.slice(2);
const { check, finish } = harness();

// Runs in the page: load, then steps forward and back, each timed with layout forced.
async function measure(page, text, name) {
  return page.evaluate(async ({ text, name }) => {
    const app = window.fdlabApp;
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    await frame();
    let t0 = performance.now();
    app.editor.setText(text);
    app.loadText(text, { name });
    void document.body.offsetHeight;
    const load = performance.now() - t0;
    await frame();
    const loadPainted = performance.now() - t0;
    const stats = (a) => { const s = [...a].sort((x, y) => x - y); return { median: s[s.length >> 1], p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] }; };
    const time = (k) => { const t = performance.now(); app.goTo(k); void document.body.offsetHeight; return performance.now() - t; };
    const n = app.summary.ran;
    const mid = Math.floor(n / 2);
    const steps = Math.min(100, n);
    time(mid - steps);
    const forward = [];
    for (let k = mid - steps + 1; k <= mid; k++) forward.push(time(k));
    await new Promise((r) => setTimeout(r, 400)); // the page prefetches the states behind, when idle
    const back = [];
    for (let k = mid - 1; k >= mid - steps; k--) back.push(time(k));
    t0 = performance.now(); app.goTo(n); void document.body.offsetHeight;
    const jumpEnd = performance.now() - t0;
    t0 = performance.now(); app.goTo(0); void document.body.offsetHeight;
    const jumpStart = performance.now() - t0;
    return { steps: n, load, loadPainted, forward: stats(forward), back: stats(back), jumpEnd, jumpStart };
  }, { text, name });
}

const fmt = (r) => `${r.steps} steps: load ${r.load.toFixed(0)} ms (${r.loadPainted.toFixed(0)} ms to paint); ` +
  `step forward median ${r.forward.median.toFixed(2)} ms, p95 ${r.forward.p95.toFixed(2)}, max ${r.forward.max.toFixed(2)}; ` +
  `step back median ${r.back.median.toFixed(2)} ms, p95 ${r.back.p95.toFixed(2)}, max ${r.back.max.toFixed(2)}; ` +
  `jump to end ${r.jumpEnd.toFixed(1)} ms, to start ${r.jumpStart.toFixed(1)} ms`;

(async () => {
  const t0 = Date.now();
  // The machine is shared: step times follow its load.
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`load average ${load()} on ${os.cpus().length} CPUs`);
  const site = await openSite(siteDir);
  const page = await site.newPage();
  console.log(`page ready (module compiled, first scenario drawn) in ${Date.now() - t0} ms including browser launch`);

  await check('the largest bundled scenario', async () => {
    const largest = await page.evaluate(() => {
      const list = window.FDLAB_SCENARIOS.filter((e) => e.folder !== 'bad' && e.level === 'kernel');
      return list.reduce((a, b) => (b.steps > a.steps || (b.steps === a.steps && b.text.length > a.text.length) ? b : a));
    });
    const r = await measure(page, largest.text, largest.path);
    console.log(`  ${largest.path}: ${fmt(r)}`);
    const again = await measure(page, largest.text, largest.path);
    console.log(`  again: ${fmt(again)}`);
    assert.ok(r.load < 5000);
    assert.ok(again.forward.median < 200 && again.back.median < 200);
  });

  await check('a generated 10,000-step scenario', async () => {
    const text = JSON.stringify(generate(10000));
    // Warm: the first big parse also pays for compiling the code it runs.
    const cold = await measure(page, text, 'big-10000.json');
    console.log(`  first load (cold code): ${fmt(cold)}`);
    const r = await measure(page, text, 'big-10000.json');
    console.log(`  again: ${fmt(r)}`);
    assert.equal(r.steps, 10000);
    assert.ok(cold.load < 5000, `load ${cold.load} ms`);
    assert.ok(r.forward.median < 200 && r.back.median < 200);
  });

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

  console.log(`load average ${load()} at the end`);
  assert.deepEqual(site.errors, []);
  await site.close();
  finish();
})();
