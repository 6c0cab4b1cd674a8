#!/usr/bin/env node
// The visualizer's second version in real headless Chromium: one numbering of steps, the
// scenario's description and rules before its first step, a reason for every step from the
// rules catalogue, arrows from fds to objects and lit objects, an object's journey, whole traces
// side by side with the values that differ marked, usocket-level scenarios stepped with their
// kernel state, and the bugs found by trying it as a new user (bidi characters in data, an empty
// SVG export, a card wider than a 400 px window, trace rows out of the keyboard's reach).
// Usage: visualizer_test.js SITE_DIR REPO_ROOT [FDLAB_CLI]
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { openSite, harness, loadModule, axeViolations } = require('./browser.js');

const [siteDir, root, cli] = process.argv.slice(2);
const { check, finish } = harness();
const SCENARIO = 'scenarios/stream/fds-stop-the-read.json';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-web-v2-'));
const read = (rel) => fs.readFileSync(path.join(root, rel), 'utf8');
const hash = (rel, step) => `#s=${encodeURIComponent(rel)}&step=${step}`;

// A scenario written here, loaded as if typed.
const load = (page, scenario, step = 0) => page.evaluate(([t, k]) => window.fdlabApp.loadText(t, { name: '<test>' }, k),
  [JSON.stringify(scenario), step]);

(async () => {
  const m = await loadModule(siteDir);
  const site = await openSite(siteDir);
  const page = await site.newPage(hash(SCENARIO, 0));

  await check('one numbering: the counter, the card, the trace row and the divergence all name step 5', async () => {
    await page.evaluate(() => window.fdlabApp.goTo(6));
    assert.equal(await page.textContent('#step-counter'), 'after step 5 (6 of 7 run)');
    assert.match(await page.textContent('#step-card h2'), /^Step 5: q recvmsg/);
    assert.match(await page.textContent('.trace .row.current'), /^\s*\S*\s*(expectation holds: )?5 q recvmsg/);
    await page.evaluate(() => window.fdlabApp.goTo(0));
    assert.equal(await page.textContent('#step-counter'), 'before step 0 (0 of 7 run)');
  });

  await check('before step 0 the card shows the description and each rule with its first sentence', async () => {
    const sc = JSON.parse(read(SCENARIO));
    const card = await page.textContent('#step-card');
    assert.ok(card.includes(sc.description), card);
    const rule = JSON.parse(read('docs/rules/stream.json')).rules.find((r) => r.id === 'stream.fd-boundary');
    assert.ok(card.includes('stream.fd-boundary'), card);
    assert.ok(card.includes(rule.rule.slice(0, 40)), `${card} lacks the rule's text`);
  });

  await check('a reason for the step: the rules the simulator applied, from the catalogue', async () => {
    const s = new m.Session();
    s.load(read(SCENARIO), SCENARIO);
    const rules = JSON.parse(s.trace()).rules;
    s.delete();
    // The first read stops at the segment that carried fds: the simulator says which rule did it.
    assert.ok(rules[5].includes('stream.fd-boundary'), JSON.stringify(rules[5]));
    await page.evaluate(() => window.fdlabApp.goTo(6));
    const why = await page.textContent('#step-card .why');
    for (const id of rules[5]) assert.ok(why.includes(id), `${why} lacks ${id}`);
    const title = await page.getAttribute('.trace .row.current', 'title');
    assert.match(title, /stream\.fd-boundary/);
    // A step no rule decided says what its op gives, from the op table: socketpair.
    await page.evaluate(() => window.fdlabApp.goTo(1));
    assert.match(await page.textContent('#step-card .why'), /^Why: no rule of the catalogue decided this step: socketpair gives two fds/);
  });

  await check('arrows: one from each fd row to its object\'s box, and pointing at a socket lights its fds in every process', async () => {
    await page.evaluate(() => window.fdlabApp.goTo(4));
    await page.waitForFunction(() => document.querySelectorAll('svg.arrows path').length > 0);
    const [fdArrows, rowsWithTarget] = await page.evaluate(() => {
      const targets = new Set([...document.querySelectorAll('[data-target]')].map((t) => t.dataset.target));
      return [document.querySelectorAll('svg.arrows path.fd').length,
        [...document.querySelectorAll('.lane tr[data-object]')].filter((r) => targets.has(r.dataset.object)).length];
    });
    assert.equal(fdArrows, rowsWithTarget);
    // After step 3, f1 rides on b's queue: an in-flight arrow goes to that segment.
    assert.ok(await page.$$eval('svg.arrows path.inflight', (p) => p.length) >= 1);
    // b's box: p holds no fd of b (it gave it to q), q holds one.
    const s = new m.Session();
    s.load(read(SCENARIO), SCENARIO);
    const snap = JSON.parse(s.view(4)).after;
    s.delete();
    const b = Object.entries(snap.labels.objects).find(([, l]) => l === 'b')[0];
    const holders = snap.processes.flatMap((p) => p.fds.filter((f) => String(f.object) === b).map((f) => `${snap.names[p.proc]}:${f.fd}`));
    await page.hover(`.socket[data-object="${b}"] .sock-head`);
    const lit = await page.$$eval('.lane tr.lit', (rows) => rows.map((r) => `${r.closest('.lane').dataset.proc}:${r.dataset.fd}`));
    assert.deepEqual(lit.sort(), holders.sort());
    assert.ok(await page.$$eval(`svg.arrows path.lit[data-object="${b}"]`, (p) => p.length) === holders.length);
  });

  await check('an object\'s journey: opened in p, in flight on b, received by q, each a link to its step', async () => {
    await page.click('.lane[data-proc="p"] button[data-journey]:text-is("f1")');
    await page.waitForSelector('#journey:not([hidden]) ol');
    const items = await page.$$eval('#journey li', (li) => li.map((x) => x.textContent));
    assert.equal(items.length, 3, items.join(' | '));
    assert.match(items[0], /^step 2 fd \d+ in p$/);
    assert.match(items[1], /^step 3 fd \d+ in p; in flight ×1 on b$/);
    assert.match(items[2], /^step 5 fd \d+ in p, fd 4 in q$/);
    await page.click('#journey li:nth-child(2) button');
    assert.equal(await page.evaluate(() => window.fdlabApp.step), 4);
    assert.equal(await page.getAttribute('#journey li:nth-child(2)', 'aria-current'), 'step');
  });

  await check('whole traces side by side: every row has both results, only the rows that differ are marked, down to the value', async () => {
    if (!cli || !fs.existsSync(cli)) throw new Error(`the native fdlab CLI is needed to record a trace (${cli})`);
    const out = path.join(tmp, 'native.json');
    execFileSync(cli, ['record', path.join(root, SCENARIO), '-o', out]);
    const trace = JSON.parse(fs.readFileSync(out, 'utf8'));
    // A kernel that gave the fd another number at step 5.
    trace.trace[5].fds[0].fd = 7;
    fs.writeFileSync(out, JSON.stringify(trace));
    await page.setInputFiles('#trace-input', out);
    await page.waitForSelector('#divergence:not(.same):not([hidden])');
    assert.match(await page.textContent('#divergence h2'), /^First divergence: step 5$/);
    const rows = await page.$$eval('.trace.compare .row', (r) => r.map((x) => ({ step: Number(x.dataset.step) - 1,
      differs: x.classList.contains('differs'), other: x.querySelector('.other') && x.querySelector('.other').textContent })));
    assert.equal(rows.length, 7);
    assert.deepEqual(rows.filter((r) => r.differs).map((r) => r.step), [5]);
    assert.ok(rows.every((r) => r.other), 'every row shows the other side');
    assert.match(rows[5].other, /fds 7=f1/);
    // Only the number that differs is marked, not the whole "fds" list.
    const marked = await page.$$eval('#divergence .sides > div:first-child pre .diff-key', (x) => x.map((n) => n.textContent));
    assert.deepEqual(marked.map((t) => t.replace(' (differs)', '')), ['4']);
    assert.match(await page.textContent('#step-card'), /native.*fds 7=f1/s);
    await page.click('#divergence button:text-is("Close")');
    assert.equal(await page.$$eval('.trace.compare', (x) => x.length), 0);
  });

  await check('the trace is reachable by keyboard: ↓ and ↑ on the focused list move a step, its row active', async () => {
    await page.evaluate(() => window.fdlabApp.goTo(2));
    await page.focus('#trace');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => window.fdlabApp.step), 3);
    assert.equal(await page.getAttribute('#trace', 'aria-activedescendant'), 'trace-row-2');
    assert.equal(await page.getAttribute('#trace-row-2', 'aria-selected'), 'true');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.evaluate(() => window.fdlabApp.step), 1);
  });

  await check('bidi controls in data are shown escaped: the row reads left to right and keeps its end', async () => {
    const data = '\u202Eabcdefghij 0123456789 klmnopq';
    await load(page, { fdlab: 1, id: 'bidi', level: 'kernel', provenance: ['test'], rules: ['stream.fd-boundary'], processes: ['p'], steps: [
      { proc: 'p', op: 'socketpair', type: 'stream', as: ['a', 'b'] },
      { proc: 'p', op: 'sendmsg', sock: 'a', data },
      { proc: 'p', op: 'recvmsg', sock: 'b', len: 64 }] }, 2);
    const texts = await page.evaluate(() => [...document.querySelectorAll('.trace .row, #step-card, #lanes, #kernel-objects')]
      .map((n) => n.textContent).join('\n'));
    assert.ok(!/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/.test(texts), 'a bidi control reached the page');
    assert.match(texts, /\\u202eabcdefghij/);
    const svgText = await page.evaluate(() => window.Fdlab.stateToSvg(window.fdlabApp.view.after, 't'));
    assert.ok(!/[\u202A-\u202E]/.test(svgText));
  });

  await check('valid UTF-8 is shown as text, other bytes as hex', async () => {
    await load(page, { fdlab: 1, id: 'utf8', level: 'kernel', provenance: ['test'], rules: ['stream.fd-boundary'], processes: ['p'], steps: [
      { proc: 'p', op: 'socketpair', type: 'stream', as: ['a', 'b'] },
      { proc: 'p', op: 'sendmsg', sock: 'a', data: 'héllo' },
      { proc: 'p', op: 'sendmsg', sock: 'a', data_hex: 'ff00fe' }] }, 3);
    const segs = await page.$$eval('.seg', (s) => s.map((x) => x.textContent));
    assert.ok(segs.some((t) => t.includes('"héllo"')), segs.join(' | '));
    assert.ok(segs.some((t) => t.includes('hex ff00fe')), segs.join(' | '));
  });

  await check('a usocket-level scenario steps with its kernel state; its SVG export is not empty', async () => {
    const US = 'scenarios/usocket/write-object-data-fds-callback.json';
    const u = await site.newPage(hash(US, 7));
    const s = new m.Session();
    s.load(read(US), US);
    const snap = JSON.parse(s.view(7)).after;
    s.delete();
    assert.ok(snap.processes.length > 0 && snap.sockets.length > 0, 'the sim keeps the kernel state of a usocket run');
    for (const p of snap.processes) {
      const rows = await u.$$eval(`.lane[data-proc="${snap.names[p.proc]}"] tbody tr`, (r) => r.map((x) => Number(x.dataset.fd)));
      assert.deepEqual(rows, p.fds.map((f) => f.fd));
    }
    assert.equal(await u.$$eval('.socket', (x) => x.length), snap.sockets.length);
    const [svg] = await Promise.all([u.waitForEvent('download'), u.click('#export-svg')]);
    const body = fs.readFileSync(await svg.path(), 'utf8');
    assert.match(body, /process /);
    assert.match(body, /socket /);
    assert.match(body, /step 6: /);
    await u.close();
  });

  await check('the catalogue: tags folded, the first scenario a few Tabs from the search, malformed ones last, the loaded one in sight', async () => {
    const c = await site.newPage(hash('scenarios/usocket/write-object-data-fds-callback.json', 0));
    // Far down the list, the loaded scenario is scrolled into the list's view.
    const inSight = await c.evaluate(() => {
      const b = document.querySelector('#catalogue button[aria-current=true]').getBoundingClientRect();
      const box = document.getElementById('catalogue').getBoundingClientRect();
      return document.getElementById('catalogue').scrollTop > 0 && b.top >= box.top && b.bottom <= box.bottom;
    });
    assert.ok(inSight, 'the loaded scenario is scrolled into the list\'s view');
    assert.equal(await c.$eval('#tag-filter details', (d) => d.open), false);
    await c.focus('#search');
    let tabs = 0;
    while (!(await c.evaluate(() => document.activeElement.dataset.path || '')) && tabs < 10) {
      await c.keyboard.press('Tab');
      tabs++;
    }
    assert.ok(tabs <= 3, `${tabs} Tabs`);
    const folders = await c.$$eval('#catalogue section', (x) => x.map((s) => s.getAttribute('aria-label')));
    assert.equal(folders[folders.length - 1], 'folder bad');
    await c.close();
  });

  await check('a step\'s text names every argument, addresses included', async () => {
    await page.evaluate(() => {
      const e = window.FDLAB_SCENARIOS.find((x) => x.path === 'scenarios/named/connect-accept-send-fds.json');
      window.fdlabApp.loadText(e.text, { path: e.path }, 0);
    });
    const steps = JSON.parse(read('scenarios/named/connect-accept-send-fds.json')).steps;
    const i = steps.findIndex((st) => st.op === 'bind');
    assert.ok(i >= 0);
    const row = await page.textContent(`#trace-row-${i}`);
    const address = steps[i].path || steps[i].name || steps[i].address;
    assert.ok(address && row.includes(address), `${row} lacks ${address}`);
  });

  await check('400 px: the card wraps a long expectation, the stepper stays in reach when the page scrolls', async () => {
    const n = await site.newPage(hash(SCENARIO, 6));
    await n.setViewportSize({ width: 400, height: 700 });
    const [sw, cw] = await n.$eval('#step-card', (c) => [c.scrollWidth, c.clientWidth]);
    assert.ok(sw <= cw + 1, `step card ${sw} > ${cw}`);
    await n.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const r = await n.$eval('#go-forward', (b) => { const x = b.getBoundingClientRect(); return [x.top, x.bottom, innerHeight]; });
    assert.ok(r[0] >= 0 && r[1] <= r[2], `the Forward button is at ${r[0]}..${r[1]} of ${r[2]}`);
    await n.close();
  });

  await check('axe-core: no violations of any impact (state, arrows, journey, side by side)', async () => {
    const a = await site.newPage(hash(SCENARIO, 4));
    const problems = await axeViolations(a);
    await a.click('.lane[data-proc="p"] button[data-journey]:text-is("f1")');
    problems.push(...await axeViolations(a));
    await a.goto(`${site.url}${hash('scenarios/usocket/write-object-data-fds-callback.json', 3)}`);
    await a.evaluate(() => window.fdlabApp.ready.then(() => true));
    problems.push(...await axeViolations(a));
    assert.deepEqual(problems, []);
    await a.close();
  });

  await check('no page errors', async () => {
    assert.deepEqual(site.errors, []);
  });

  await site.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  finish();
})();
