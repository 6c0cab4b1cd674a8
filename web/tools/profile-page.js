#!/usr/bin/env node
// Where a step of the page goes, measured in headless Chromium through the DevTools protocol:
// the sampling profiler's self time by function (wasm functions by name, so the simulator, the
// snapshot's JSON and the replay show apart from the page's JavaScript), and the renderer's
// own work (style, layout, paint) from a trace. For finding the cost, not for asserting it.
// Usage: profile-page.js SITE_DIR [STEPS=10000 | path/to/scenario.json] [what=forward|back|jump|cold]
'use strict';
const fs = require('fs');
const { openSite } = require('../tests/browser.js');
const { generate } = require('./gen-big-scenario.js');

const [siteDir, which = '10000', what = 'forward'] = process.argv.slice(2);

// The moves profiled, in the page: `what` picks them; the scenario is loaded before.
async function moves(page, kind) {
  return page.evaluate(async (kind) => {
    const app = window.fdlabApp;
    const n = app.summary.ran;
    const mid = Math.floor(n / 2);
    const times = [];
    const time = (k) => { const t = performance.now(); app.goTo(k); void document.body.offsetHeight; times.push(performance.now() - t); };
    if (kind === 'forward' || kind === 'cold') for (let k = mid - 100; k <= mid; k++) time(k);
    if (kind === 'back') { time(mid); for (let k = mid - 1; k >= mid - 100; k--) time(k); }
    if (kind === 'through') for (let rep = 0; rep < 20; rep++) { for (let k = 1; k <= n; k++) time(k); for (let k = n - 1; k >= 0; k--) time(k); }
    if (kind === 'load') return { count: 0, median: 0, p95: 0, max: 0 };
    if (kind === 'jump') for (let i = 0; i < 40; i++) time(Math.floor(((i * 7919) % 40) * n / 40));
    const s = [...times].sort((a, b) => a - b);
    return { count: s.length, median: s[s.length >> 1], p95: s[Math.floor(s.length * 0.95)], max: s[s.length - 1] };
  }, kind);
}

(async () => {
  const site = await openSite(siteDir);
  const page = await site.newPage();
  const text = /^\d+$/.test(which) ? JSON.stringify(generate(Number(which))) : fs.readFileSync(which, 'utf8');
  // FDLAB_CSS: extra style rules to try (an experiment on the layout's cost).
  if (process.env.FDLAB_CSS) await page.addStyleTag({ content: process.env.FDLAB_CSS });
  const cdp = await page.context().newCDPSession(page);
  const load = () => page.evaluate((text) => {
    const t = performance.now();
    window.fdlabApp.editor.setText(text);
    window.fdlabApp.loadText(text, { name: 'profiled.json' });
    return performance.now() - t;
  }, text);
  if (what !== 'cold' && what !== 'load') console.log(`load ${(await load()).toFixed(0)} ms`);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,blink', transferMode: 'ReturnAsStream' });
  if (what === 'cold' || what === 'load') console.log(`load ${(await load()).toFixed(0)} ms`);
  const r = await moves(page, what);
  const { profile } = await cdp.send('Profiler.stop');
  const done = new Promise((res) => cdp.once('Tracing.tracingComplete', res));
  await cdp.send('Tracing.end');
  const { stream } = await done;
  let json = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    json += chunk.data;
    if (chunk.eof) break;
  }
  console.log(`${what}: ${r.count} moves, median ${r.median.toFixed(2)} ms, p95 ${r.p95.toFixed(2)}, max ${r.max.toFixed(2)}`);

  // Self time by function, from the samples.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? f.url.replace(/^.*\//, '') : ''}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) || 0) + (dt[i] || 0) / 1000);
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFile = new Map();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id).callFrame;
    const file = f.url ? (f.url.includes('fdlab.js') || /^wasm/.test(f.url) || f.url.match(/^[0-9a-f]+$/) ? 'wasm + fdlab.js' : f.url.replace(/^.*\//, '')) : f.functionName.startsWith('wasm') || f.functionName.includes('::') ? 'wasm + fdlab.js' : f.functionName.startsWith('(') ? f.functionName : 'native (DOM, JSON)';
    byFile.set(file, (byFile.get(file) || 0) + (dt[i] || 0) / 1000);
  });
  console.log('by file: ' + [...byFile].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', '));
  console.log(`profile: ${total.toFixed(0)} ms sampled; self time by function:`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`);

  // The renderer's work by event name.
  const events = JSON.parse(json).traceEvents || JSON.parse(json);
  const byName = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur) continue;
    if (!['UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'RecalculateStyles', 'ParseHTML',
      'HitTest', 'UpdateLayerTree', 'CompositeLayers', 'FunctionCall', 'V8.GCScavenger', 'MajorGC', 'MinorGC',
      'V8.GC_MC_BACKGROUND_MARKING'].includes(e.name)) continue;
    const x = byName.get(e.name) || { n: 0, ms: 0, cpu: 0 };
    x.n++; x.ms += e.dur / 1000; x.cpu += (e.tdur || 0) / 1000;
    byName.set(e.name, x);
  }
  if (process.env.FDLAB_LAYOUTS) {
    for (const e of events.filter((x) => x.name === 'Layout' && x.ph === 'X').slice(0, Number(process.env.FDLAB_LAYOUTS)))
      console.log(`  Layout ${(e.dur / 1000).toFixed(2)} ms ${JSON.stringify(e.args)}`.slice(0, 600));
    for (const e of events.filter((x) => x.name === 'UpdateLayoutTree' && x.ph === 'X').slice(0, Number(process.env.FDLAB_LAYOUTS)))
      console.log(`  Style ${(e.dur / 1000).toFixed(2)} ms ${JSON.stringify(e.args)}`.slice(0, 600));
  }
  console.log('renderer:');
  for (const [k, v] of [...byName].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${v.ms.toFixed(1).padStart(8)} ms (${v.cpu.toFixed(1)} ms on the CPU) in ${v.n} × ${k}`);
  await site.close();
})();
