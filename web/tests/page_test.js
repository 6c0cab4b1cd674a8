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
const { openSite, harness, loadModule, axeViolations, editorText, editorSelection, fillEditor } = require('./browser.js');

const [siteDir, root, cli] = process.argv.slice(2);
const { check, finish } = harness();
const SCENARIO = 'scenarios/stream/fds-stop-the-read.json';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-web-'));

// What a lane shows: [{fd, object, cloexec}] read from the DOM.
const laneRows = (page, proc) => page.$$eval(`.lane[data-proc="${proc}"] tbody tr`, (rows) => rows.map((r) => ({
  fd: Number(r.dataset.fd), object: r.querySelector('td.obj .mono').textContent,
  cloexec: r.querySelector('td.flags').textContent.includes('FD_CLOEXEC') })));

(async () => {
  const m = await loadModule(siteDir);
  const text = fs.readFileSync(path.join(root, SCENARIO), 'utf8');
  const site = await openSite(siteDir);
  const page = await site.newPage();

  await check('a bundled scenario opens from the list and a lane shows what the simulator holds', async () => {
    await page.click(`button[data-path="${SCENARIO}"]`);
    await page.focus('body');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await page.textContent('#step-counter'), 'after step 3 (4 of 7 run)');
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
    await fillEditor(page, broken);
    await page.waitForSelector('#editor-error');
    const want = JSON.parse(m.parse(broken, '<editor>')).error;
    assert.equal(await page.getAttribute('#editor-error', 'data-step'), String(want.step));
    assert.equal(await page.getAttribute('#editor-error', 'data-field'), 'len');
    assert.equal(await page.textContent('#editor-error .message'), want.message);
    await page.click('#editor-error button');
    assert.match(await editorSelection(page), /"len": "lots"/);
    await fillEditor(page, text);
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
    await fillEditor(page, edited);
    await page.waitForFunction(() => window.fdlabApp.source.text.includes('wxyz'));
    await page.evaluate(() => window.fdlabApp.goTo(5));
    const zhash = await page.evaluate(() => window.fdlabApp.writePermalink());
    assert.match(zhash, /^#z=[\w-]+&step=5$/);
    const third = await site.newPage(zhash);
    assert.equal(await third.evaluate(() => window.fdlabApp.step), 5);
    assert.equal(await editorText(third), edited);
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

  await check('axe-core: no violations of any impact (state, editor with an error, divergence)', async () => {
    await page.setInputFiles('#trace-input', path.join(tmp, 'diverging.json'));
    await page.waitForSelector('#divergence:not([hidden])');
    const problems = await axeViolations(page);
    await page.click('#tab-editor');
    await fillEditor(page, text.replace('"op": "recvmsg"', '"op": "recvmgs"'));
    await page.waitForSelector('#editor-error');
    problems.push(...await axeViolations(page));
    await fillEditor(page, text);
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
    // A kernel scenario, a named one (bound paths, a pending connection) and a usocket timeline.
    for (const [rel, step] of [[SCENARIO, 4], ['scenarios/named/connect-accept-send-fds.json', 7],
      ['scenarios/usocket/quick-usage.json', 8]]) {
      const narrow = await site.newPage(`#s=${encodeURIComponent(rel)}&step=${step}`);
      await narrow.setViewportSize({ width: 400, height: 800 });
      const [scrollW, innerW] = await narrow.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
      assert.ok(scrollW <= innerW + 1, `${rel}: scrollWidth ${scrollW} > ${innerW}`);
      await narrow.close();
    }
  });

  await check('the site works from file:// (no server)', async () => {
    const p = await site.context.newPage();
    await p.goto(`file://${path.resolve(siteDir, 'index.html')}#s=${encodeURIComponent(SCENARIO)}&step=2`);
    await p.evaluate(() => window.fdlabApp.ready.then(() => true));
    assert.equal(await p.evaluate(() => window.fdlabApp.step), 2);
    await p.close();
  });

  await check('named sockets: bound paths, listen queues and credentials match the simulator at every step', async () => {
    const NAMED = ['scenarios/named/connect-accept-send-fds.json', 'scenarios/named/abstract-namespace.json',
      'scenarios/named/backlog-plus-one.json'];
    const seen = { pending: 0, creds: 0, abstract: 0, path: 0 };
    const n = await site.newPage(`#s=${encodeURIComponent(NAMED[0])}&step=0`);
    for (const rel of NAMED) {
      const s = new m.Session();
      const summary = JSON.parse(s.load(fs.readFileSync(path.join(root, rel), 'utf8'), rel));
      await n.evaluate((r) => window.fdlabApp.loadText(window.FDLAB_SCENARIOS.find((e) => e.path === r).text, { path: r }), rel);
      for (let k = 0; k <= summary.ran; k++) {
        await n.evaluate((step) => window.fdlabApp.goTo(step), k);
        const snap = JSON.parse(s.view(k)).after;
        const name = (id) => (id === 0 ? 'stdio' : snap.labels.objects[id] !== undefined ? snap.labels.objects[id] : `#${id}`);
        // The bound-paths table: one row per name, in the simulator's order.
        const want = snap.bound.map((b) => [b.abstract !== undefined ? `@${b.abstract}` : b.path,
          b.socket === null ? 'socket closed (ECONNREFUSED)' : name(b.socket)]);
        const got = await n.$$eval('table.bound tbody tr', (rows) => rows.map((r) =>
          [r.cells[0].textContent, r.cells[2].textContent]));
        assert.deepEqual(got, want, `${rel} step ${k}: bound paths`);
        for (const b of snap.bound) seen[b.abstract !== undefined ? 'abstract' : 'path']++;
        // Each listener: its backlog and its pending connections (client, queued bytes, creds).
        for (const sock of snap.sockets.filter((x) => x.state === 'listening')) {
          const box = `.socket[data-object="${sock.object}"]`;
          assert.match(await n.textContent(`${box} .listen-head`), new RegExp(`^backlog ${sock.backlog}: ${sock.pending.length} pending`),
            `${rel} step ${k}: backlog of ${name(sock.object)}`);
          const rows = await n.$$eval(`${box} .pending > li`, (li) => li.map((x) => ({
            from: x.firstChild.textContent, segs: [...x.querySelectorAll('.seg')].map((g) => g.textContent) })));
          assert.equal(rows.length, sock.pending.length, `${rel} step ${k}: pending of ${name(sock.object)}`);
          sock.pending.forEach((p, i) => {
            assert.equal(rows[i].from, `from ${p.client === null ? '(client closed)' : name(p.client)}`);
            assert.equal(rows[i].segs.length, p.queue.length);
            p.queue.forEach((g, j) => {
              if (g.data !== undefined) assert.ok(rows[i].segs[j].includes(JSON.stringify(g.data)), rows[i].segs[j]);
              for (const id of g.fds) assert.ok(rows[i].segs[j].includes(name(id)), rows[i].segs[j]);
              if (g.creds) { seen.creds++; assert.ok(rows[i].segs[j].includes(`cred ${snap.names[g.creds.proc]}`), rows[i].segs[j]); }
            });
            seen.pending++;
          });
        }
        // Credentials on ordinary queues too.
        for (const sock of snap.sockets) {
          const segs = await n.$$eval(`.socket[data-object="${sock.object}"] > .queue .seg`, (x) => x.map((g) => g.textContent));
          sock.queue.slice(0, segs.length).forEach((g, j) => {
            assert.equal(segs[j].includes('cred '), Boolean(g.creds), `${rel} step ${k}: creds badge on ${name(sock.object)}`);
          });
        }
      }
      s.delete();
    }
    // The scenarios above do exercise each part.
    assert.ok(seen.pending > 0 && seen.creds > 0 && seen.abstract > 0 && seen.path > 0, JSON.stringify(seen));
    // connect-accept-send-fds after step 6: q's "hello" with w waits, with q's credentials, on
    // the connection l has not accepted yet.
    await n.evaluate((r) => window.fdlabApp.loadText(window.FDLAB_SCENARIOS.find((e) => e.path === r).text, { path: r }, 7), NAMED[0]);
    assert.match(await n.textContent('.socket.listening .pending'), /from c\s*"hello" 5 B\s*fd w\s*credentials cred q/);
    assert.match(await n.textContent('.socket[aria-label="socket c"] .sock-head'), /waiting in l's accept queue/);
    assert.deepEqual(await axeViolations(n), []);
    await n.close();
  });

  await check('usocket level: the event loop timeline shows each step\'s events by object, current step highlighted', async () => {
    const US = 'scenarios/usocket/write-object-data-fds-callback.json';
    const s = new m.Session();
    s.load(fs.readFileSync(path.join(root, US), 'utf8'), US);
    const records = JSON.parse(s.trace()).records;
    s.delete();
    const columns = records.map((r, i) => (r.events && r.events.length ? i : -1)).filter((i) => i >= 0);
    const objects = [...new Set(records.flatMap((r) => (r.events || []).map((e) => e.on)))];
    assert.deepEqual(objects, ['w', 'r']);
    const u = await site.newPage();
    await u.click('#tab-catalogue');
    await u.fill('#search', 'write-object-data-fds-callback');
    await u.click(`button[data-path="${US}"]`);
    await u.focus('body');
    assert.ok(await u.isVisible('#timeline'));
    // Before any step nothing is current; every column is still to come.
    assert.equal(await u.$$eval('#timeline th.current', (x) => x.length), 0);
    for (let i = 0; i < 7; i++) await u.keyboard.press('ArrowRight');
    assert.equal(await u.evaluate(() => window.fdlabApp.step), 7);
    const grid = await u.$$eval('#timeline tbody tr', (rows) => rows.map((r) => ({
      on: r.dataset.object,
      cells: [...r.querySelectorAll('td')].map((td) => ({ col: Number(td.dataset.col), cls: td.className,
        events: [...td.querySelectorAll('.ev .name')].map((x) => x.textContent) })) })));
    assert.deepEqual(grid.map((r) => r.on), objects);
    for (const row of grid) {
      assert.deepEqual(row.cells.map((c) => c.col), columns);
      for (const c of row.cells) {
        assert.deepEqual(c.events, records[c.col].events.filter((e) => e.on === row.on).map((e) => e.event), `${row.on} step ${c.col}`);
        assert.equal(c.cls, c.col === 6 ? 'current' : c.col > 6 ? 'future' : '');
      }
    }
    // Step 6 ran the loop: w's write callback, then r's fds [f1] and readable.
    assert.match(await u.textContent('#timeline tr[data-object="w"] td.current'), /callback for step 5/);
    assert.match(await u.textContent('#timeline tr[data-object="r"] td.current'), /fds \[f1\]\s*readable/);
    assert.equal(await u.getAttribute('#timeline th.current button', 'aria-current'), 'step');
    // Keyboard: a column heading is a button that goes to the state after that step.
    await u.focus(`#timeline th[data-col="${columns[0]}"] button`);
    await u.keyboard.press('Enter');
    assert.equal(await u.evaluate(() => window.fdlabApp.step), columns[0] + 1);
    assert.equal(await u.getAttribute('#timeline th.current', 'data-col'), String(columns[0]));
    assert.deepEqual(await axeViolations(u), []);
    await u.close();
  });

  await check('a long fd table (hundreds of fds) is drawn a row at a time, and is still a table of every fd', async () => {
    const rel = 'scenarios/limits/numbering-up-to-rlimit.json';
    const step = 600;
    const p = await site.newPage(`#s=${encodeURIComponent(rel)}&step=${step}`);
    const s = new m.Session();
    s.load(fs.readFileSync(path.join(root, rel), 'utf8'), rel);
    const snap = JSON.parse(s.view(step)).after;
    s.delete();
    const fds = snap.processes[snap.names.indexOf('p')].fds;
    assert.ok(fds.length > 500, `${fds.length} fds`);
    assert.equal(await p.getAttribute('.lane[data-proc="p"] table', 'class'), 'fds long');
    assert.equal(await p.$eval('.lane[data-proc="p"] tbody tr', (r) => getComputedStyle(r).display), 'grid');
    const want = fds.map((f) => ({ fd: f.fd, object: f.object === 0 ? 'stdio' : snap.labels.objects[f.object], cloexec: f.cloexec }));
    assert.deepEqual(await laneRows(p, 'p'), want);
    // What assistive technology gets: a table, a row for every fd (and the heading row).
    const cdp = await p.context().newCDPSession(p);
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const count = (role) => nodes.filter((n) => !n.ignored && n.role && n.role.value === role).length;
    assert.ok(count('table') >= 2, `${count('table')} tables`);
    assert.ok(count('row') >= fds.length + 1, `${count('row')} rows for ${fds.length} fds`);
    assert.ok(count('cell') >= 4 * fds.length, `${count('cell')} cells`);
    assert.deepEqual(await axeViolations(p), []);
    await p.close();
  });

  await check('no page errors', async () => {
    assert.deepEqual(site.errors, []);
  });

  await site.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  finish();
})();
