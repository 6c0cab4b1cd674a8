#!/usr/bin/env node
// The page in real headless Chromium: pick a bundled scenario, step, compare a lane with the
// simulator's own snapshot, edit a step and see the located error, load a real-kernel trace
// (recorded with `fdlab record`, then one record changed) and land on the divergence, open a
// permalink, drive it by keyboard only, axe-core, narrow window, exports, file://.
// Usage: page_test.js SITE_DIR REPO_ROOT [FDLAB_CLI]
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { openSite, harness, loadModule } = require('./browser.js');

const [siteDir, root, cli] = process.argv.slice(2);
const { check, finish } = harness();
const SCENARIO = 'scenarios/stream/fds-stop-the-read.json';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-web-'));

// What a lane shows: [{fd, object, cloexec}] read from the DOM.
const laneRows = (page, proc) => page.$$eval(`.lane[data-proc="${proc}"] tbody tr`, (rows) => rows.map((r) => ({
  fd: Number(r.dataset.fd), object: r.querySelector('td.obj .mono').textContent,
  cloexec: r.querySelector('td.flags').textContent.includes('FD_CLOEXEC') })));

async function axeViolations(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const { violations } = await page.evaluate(() => axe.run());
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

(async () => {
  const m = await loadModule(siteDir);
  const text = fs.readFileSync(path.join(root, SCENARIO), 'utf8');
  const site = await openSite(siteDir);
  const page = await site.newPage();

  await check('a bundled scenario opens from the list and a lane shows what the simulator holds', async () => {
    await page.click(`button[data-path="${SCENARIO}"]`);
    await page.focus('body');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await page.textContent('#step-counter'), 'step 4 / 7');
    const s = new m.Session();
    s.load(text, SCENARIO);
    const snap = JSON.parse(s.view(4)).after;
    for (const [i, name] of snap.names.entries()) {
      const want = snap.processes[i].fds.map((f) => ({
        fd: f.fd, object: f.object === 0 ? 'stdio' : snap.labels.objects[f.object], cloexec: f.cloexec }));
      assert.deepEqual(await laneRows(page, name), want, `lane ${name}`);
    }
    // The queued segment of b carries f1 as a badge.
    const seg = await page.textContent('.socket[data-object="2"] .seg');
    assert.match(seg, /"abcd"/);
    assert.match(seg, /f1/);
    s.delete();
  });

  await check('what changed since the previous step is highlighted', async () => {
    assert.ok(await page.$$eval('.changed', (n) => n.length) > 0);
    assert.match(await page.textContent('#changes'), /queue of b/);
  });

  await check('editing a step shows the located error with the CLI message', async () => {
    await page.click('#tab-editor');
    const broken = text.replace('{"proc": "q", "op": "recvmsg", "sock": "b", "len": 64, "fd_space": 4, "as": ["g"]',
      '{"proc": "q", "op": "recvmsg", "sock": "b", "len": "lots", "fd_space": 4, "as": ["g"]');
    assert.notEqual(broken, text, 'the edit applies');
    await page.fill('#editor', broken);
    await page.waitForSelector('#editor-error');
    const want = JSON.parse(m.parse(broken, SCENARIO)).error;
    assert.equal(await page.getAttribute('#editor-error', 'data-step'), String(want.step));
    assert.equal(await page.getAttribute('#editor-error', 'data-field'), 'len');
    assert.equal(await page.textContent('#editor-error .message'), want.message);
    await page.click('#editor-error button');
    const sel = await page.evaluate(() => { const a = document.getElementById('editor'); return a.value.slice(a.selectionStart, a.selectionEnd); });
    assert.match(sel, /"len": "lots"/);
    await page.fill('#editor', text);
    await page.waitForSelector('#editor-status .ok');
  });

  await check('a recorded native trace lands on the first divergence, both sides shown', async () => {
    let trace;
    if (cli && fs.existsSync(cli)) {
      const out = path.join(tmp, 'native.json');
      execFileSync(cli, ['record', path.join(root, SCENARIO), '-o', out]);
      trace = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.equal(trace.backend, 'native');
    } else {
      throw new Error(`the native fdlab CLI is needed to record a trace (${cli}): build the default preset`);
    }
    // As recorded, the real kernel agrees with the simulator.
    const same = path.join(tmp, 'same.json');
    fs.writeFileSync(same, JSON.stringify(trace));
    await page.setInputFiles('#trace-input', same);
    await page.waitForSelector('#divergence.same:not([hidden])');
    // A kernel that glued the two segments would have read 8 bytes at step 5.
    trace.trace[5].data = 'abcdefgh';
    trace.trace[5].ret = 8;
    const diverging = path.join(tmp, 'diverging.json');
    fs.writeFileSync(diverging, JSON.stringify(trace));
    await page.setInputFiles('#trace-input', diverging);
    await page.waitForSelector('#divergence:not(.same):not([hidden])');
    assert.equal(await page.evaluate(() => window.fdlabApp.step), 6);
    const sides = await page.$$eval('#divergence .sides pre', (p) => p.map((x) => x.textContent));
    assert.match(sides[0], /"data": "abcd"\s*\(differs\)/);
    assert.match(sides[1], /"data": "abcdefgh"/);
    assert.match(await page.textContent('.trace .row.diverged'), /first divergence: 5 q recvmsg/);
    await page.keyboard.press('Home');
    await page.click('#go-divergence');
    assert.equal(await page.evaluate(() => window.fdlabApp.step), 6);
  });

  await check('a permalink opens the same scenario at the same step, bundled or edited', async () => {
    await page.evaluate(() => window.fdlabApp.goTo(3));
    const hash = await page.evaluate(() => window.fdlabApp.writePermalink());
    assert.match(hash, /^#s=scenarios%2Fstream%2Ffds-stop-the-read\.json&step=3$/);
    const other = await site.newPage(hash);
    assert.equal(await other.evaluate(() => window.fdlabApp.step), 3);
    assert.equal(await other.evaluate(() => window.fdlabApp.summary.id), 'stream/fds-stop-the-read');
    await other.close();
    const edited = text.replace('"efgh"', '"wxyz"');
    await page.fill('#editor', edited);
    await page.waitForFunction(() => window.fdlabApp.source.text.includes('wxyz'));
    await page.evaluate(() => window.fdlabApp.goTo(5));
    const zhash = await page.evaluate(() => window.fdlabApp.writePermalink());
    assert.match(zhash, /^#z=[\w-]+&step=5$/);
    const third = await site.newPage(zhash);
    assert.equal(await third.evaluate(() => window.fdlabApp.step), 5);
    assert.equal(await third.inputValue('#editor'), edited);
    await third.close();
  });

  await check('keyboard only: search, open, step, jump to end, start and the next failing expectation', async () => {
    const k = await site.newPage();
    await k.keyboard.press('/');
    assert.equal(await k.evaluate(() => document.activeElement.id), 'search');
    await k.keyboard.type('glued across');
    // Tab past the tag filter to the only matching scenario.
    for (let i = 0; i < 80; i++) {
      await k.keyboard.press('Tab');
      if (await k.evaluate(() => document.activeElement.dataset.path || '')) break;
    }
    assert.equal(await k.evaluate(() => document.activeElement.dataset.path), 'scenarios/expected-fail/fds-glued-across-segments.json');
    await k.keyboard.press('Enter');
    assert.equal(await k.evaluate(() => window.fdlabApp.summary.id), 'expected-fail/fds-glued-across-segments');
    await k.keyboard.press('Escape');
    await k.evaluate(() => document.activeElement.blur());
    await k.keyboard.press('End');
    const end = await k.evaluate(() => window.fdlabApp.summary.ran);
    assert.equal(await k.evaluate(() => window.fdlabApp.step), end);
    await k.keyboard.press('Home');
    assert.equal(await k.evaluate(() => window.fdlabApp.step), 0);
    await k.keyboard.press('n');
    const failing = await k.evaluate(() => window.fdlabApp.failing[0]);
    assert.equal(await k.evaluate(() => window.fdlabApp.step), failing + 1);
    assert.match(await k.textContent('#step-card'), /expectation failed/);
    // The buttons and the scrubber work from the keyboard too.
    await k.focus('#go-back');
    await k.keyboard.press('Enter');
    assert.equal(await k.evaluate(() => window.fdlabApp.step), failing);
    await k.focus('#scrubber');
    await k.keyboard.press('ArrowRight');
    assert.equal(await k.evaluate(() => window.fdlabApp.step), failing + 1);
    // Focus is always visible: the focused control draws an outline.
    const outline = await k.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none');
    await k.close();
  });

  await check('axe-core: no serious or critical violations (state, editor with an error, divergence)', async () => {
    await page.setInputFiles('#trace-input', path.join(tmp, 'diverging.json'));
    await page.waitForSelector('#divergence:not([hidden])');
    const problems = await axeViolations(page);
    await page.click('#tab-editor');
    await page.fill('#editor', text.replace('"op": "recvmsg"', '"op": "recvmgs"'));
    await page.waitForSelector('#editor-error');
    problems.push(...await axeViolations(page));
    await page.fill('#editor', text);
    await page.waitForSelector('#editor-status .ok');
    assert.deepEqual(problems, []);
  });

  await check('a bundled malformed scenario shows its error instead of a state', async () => {
    await page.click('#tab-catalogue');
    await page.click('button[data-path="scenarios/bad/unknown-op.json"]');
    await page.waitForSelector('#editor-error');
    assert.match(await page.textContent('#editor-error .message'), /^scenarios\/bad\/unknown-op\.json: step 1: field 'op': unknown op 'sendfile'/);
    assert.match(await page.textContent('#step-card'), /does not parse/);
  });

  await check('exports: the scenario as a file and the state as SVG', async () => {
    await page.click('#tab-catalogue');
    await page.click(`button[data-path="${SCENARIO}"]`);
    await page.evaluate(() => window.fdlabApp.goTo(4));
    const [svg] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
    const body = fs.readFileSync(await svg.path(), 'utf8');
    assert.match(body, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(body, /socket b \(stream\)/);
    assert.match(body, /f1/);
    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-scenario')]);
    assert.equal(fs.readFileSync(await json.path(), 'utf8'), text);
  });

  await check('a narrow window (400 px) needs no horizontal scrolling', async () => {
    const narrow = await site.newPage(`#s=${encodeURIComponent(SCENARIO)}&step=4`);
    await narrow.setViewportSize({ width: 400, height: 800 });
    const [scrollW, innerW] = await narrow.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
    assert.ok(scrollW <= innerW + 1, `scrollWidth ${scrollW} > ${innerW}`);
    await narrow.close();
  });

  await check('the site works from file:// (no server)', async () => {
    const p = await site.context.newPage();
    await p.goto(`file://${path.resolve(siteDir, 'index.html')}#s=${encodeURIComponent(SCENARIO)}&step=2`);
    await p.evaluate(() => window.fdlabApp.ready.then(() => true));
    assert.equal(await p.evaluate(() => window.fdlabApp.step), 2);
    await p.close();
  });

  await check('no page errors', async () => {
    assert.deepEqual(site.errors, []);
  });

  await site.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  finish();
})();
