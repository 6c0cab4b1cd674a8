#!/usr/bin/env node
// The scenario editor in headless Chromium (issue 15): typing keeps the step and the view (the
// last good result stays, marked stale, while the text does not parse), errors after an edit
// name '<editor>', line numbers, the inline marker at the bad field, completion of ops and
// fields from the op table, Tab leaves the editor, axe-core; and web/tools/serve.js sending the
// precompressed assets (brotli, gzip, or as they are) to the page.
// Usage: editor_test.js SITE_DIR REPO_ROOT
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const http = require('http');
const path = require('path');
const zlib = require('zlib');
const { openSite, harness, loadModule, axeViolations, editorText, fillEditor } = require('./browser.js');
const { serve } = require('../tools/serve.js');

const [siteDir, root] = process.argv.slice(2);
const { check, finish } = harness();
const SCENARIO = 'scenarios/stream/fds-stop-the-read.json';
const BAD = 'scenarios/bad/unknown-op.json';
const USOCKET = 'scenarios/usocket/quick-usage.json';
const SERIOUS = { impacts: ['serious', 'critical'] };

// What the page shows: the counter, how many process lanes, whether it is marked stale.
const sample = (page) => page.evaluate(() => ({
  counter: document.getElementById('step-counter').textContent,
  lanes: document.querySelectorAll('#lanes .lane').length,
  stale: document.body.hasAttribute('data-stale'),
}));

// Puts the cursor at a character offset of the editor's text, the editor focused.
const placeCursor = (page, offset) => page.evaluate((at) => window.fdlabApp.editor.cm.select(at, at), offset);

// The labels of the completion list once it is open.
async function completionLabels(page) {
  await page.waitForSelector('.cm-tooltip-autocomplete li');
  return page.$$eval('.cm-tooltip-autocomplete li .cm-completionLabel', (x) => x.map((l) => l.textContent));
}

// GET path with an Accept-Encoding header: {status, headers, body (Buffer as sent)}.
function get(url, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const headers = acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding };
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

(async () => {
  const m = await loadModule(siteDir);
  const ops = JSON.parse(m.ops());
  const text = fs.readFileSync(path.join(root, SCENARIO), 'utf8');
  const site = await openSite(siteDir);

  await check('typing a new step at step 3, a key every 300 ms, keeps the state and the step (bug 1)', async () => {
    const page = await site.newPage(`#s=${encodeURIComponent(SCENARIO)}&step=3`);
    await page.click('#tab-editor');
    assert.deepEqual(await sample(page), { counter: 'after step 2 (3 of 7 run)', lanes: 2, stale: false });
    // After the last step's closing brace: the new step goes at the end.
    await placeCursor(page, text.lastIndexOf('}\n  ]') + 1);
    const typed = ',\n{"proc": "q", "op": "close", "fd": "b"}';
    const samples = [];
    for (const key of typed) {
      await page.keyboard.type(key);
      await page.waitForTimeout(300);
      samples.push(await sample(page));
    }
    for (const [i, s] of samples.entries()) {
      assert.ok(s.lanes > 0, `sample ${i} (after ${JSON.stringify(typed.slice(0, i + 1))}): the state view is empty`);
      assert.ok(['after step 2 (3 of 7 run)', 'after step 2 (3 of 8 run)'].includes(s.counter), `sample ${i}: counter ${s.counter}`);
    }
    await page.waitForFunction(() => !document.body.hasAttribute('data-stale') &&
      document.getElementById('step-counter').textContent === 'after step 2 (3 of 8 run)');
    assert.ok(samples.some((s) => s.stale), 'some texts on the way did not parse, and the view said so');
    const steps = JSON.parse(await editorText(page)).steps;
    assert.deepEqual(steps[7], { proc: 'q', op: 'close', fd: 'b' });
    assert.equal(await page.evaluate(() => window.fdlabApp.step), 3);
    await page.close();
  });

  await check('while the text does not parse the last good result stays, stale, and still steps', async () => {
    const page = await site.newPage(`#s=${encodeURIComponent(SCENARIO)}&step=4`);
    await page.click('#tab-editor');
    const lanes = await page.$$eval('#lanes .lane', (x) => x.map((l) => l.dataset.proc));
    await fillEditor(page, text.replace('"steps": [', '"steps": [[['));
    await page.waitForSelector('body[data-stale]');
    assert.deepEqual(await page.$$eval('#lanes .lane', (x) => x.map((l) => l.dataset.proc)), lanes);
    assert.equal(await page.textContent('#step-counter'), 'after step 3 (4 of 7 run)');
    assert.match(await page.textContent('#scenario-title'), /^<editor>: scenario error \(showing the last version that parsed\)$/);
    assert.match(await page.textContent('#editor-error .note'), /last version that parsed/);
    assert.ok(await page.$$eval('.trace .row', (r) => r.length) > 0, 'the trace stays');
    assert.deepEqual(await axeViolations(page, SERIOUS), []);
    // The stale view still steps.
    await page.click('#go-forward');
    assert.equal(await page.textContent('#step-counter'), 'after step 4 (5 of 7 run)');
    // Fixed, it replays, at the step shown.
    await fillEditor(page, text.replace('"efgh"', '"efgi"'));
    await page.waitForFunction(() => !document.body.hasAttribute('data-stale'));
    assert.equal(await page.textContent('#step-counter'), 'after step 4 (5 of 7 run)');
    assert.equal(await page.evaluate(() => window.fdlabApp.source.text.includes('efgi')), true);
    await page.close();
  });

  await check('after an edit, errors and the title name <editor>, not the bundled file (bug 6)', async () => {
    const page = await site.newPage(`#s=${encodeURIComponent(SCENARIO)}&step=2`);
    await page.click('#tab-editor');
    const broken = text.replace('"len": 64, "fd_space": 4, "as": ["g"]', '"len": "lots", "fd_space": 4, "as": ["g"]');
    assert.notEqual(broken, text);
    await fillEditor(page, broken);
    await page.waitForSelector('#editor-error');
    const message = await page.textContent('#editor-error .message');
    assert.equal(message, JSON.parse(m.parse(broken, '<editor>')).error.message);
    assert.match(message, /^<editor>: step 5: field 'len'/);
    assert.match(await page.textContent('#scenario-title'), /^<editor>: /);
    // A bundled scenario that does not parse, then edited: the same.
    await page.click('#tab-catalogue');
    await page.click(`button[data-path="${BAD}"]`);
    await page.waitForSelector('#editor-error');
    assert.match(await page.textContent('#editor-error .message'), /^scenarios\/bad\/unknown-op\.json: /);
    const bad = await editorText(page);
    await fillEditor(page, bad.replace('"fdlab": 1', '"fdlab": 1 '));
    await page.waitForFunction(() => /^<editor>: /.test(document.querySelector('#editor-error .message').textContent));
    assert.match(await page.textContent('#editor-error .message'), /^<editor>: step 1: field 'op': unknown op 'sendfile'/);
    assert.match(await page.textContent('#scenario-title'), /^<editor>: scenario error$/);
    // Back to a bundled text exactly, it is that file again.
    await fillEditor(page, text);
    await page.waitForSelector('#editor-status .ok');
    assert.equal(await page.evaluate(() => window.fdlabApp.source.name), SCENARIO);
    await page.close();
  });

  await check('the editor has line numbers and marks the bad field inline and in the gutter', async () => {
    const page = await site.newPage(`#s=${encodeURIComponent(SCENARIO)}&step=0`);
    await page.click('#tab-editor');
    const numbers = await page.$$eval('.cm-lineNumbers .cm-gutterElement', (x) => x.map((g) => g.textContent));
    const lines = text.split('\n').length;
    for (let n = 1; n <= lines; n++) assert.ok(numbers.includes(String(n)), `line number ${n} of ${lines}`);
    await fillEditor(page, text.replace('"len": 64, "fd_space": 4, "as": ["g"]', '"len": "lots", "fd_space": 4, "as": ["g"]'));
    await page.waitForSelector('.cm-lintRange-error');
    const marked = await page.$$eval('.cm-lintRange-error', (x) => x.map((e) => e.textContent).join(''));
    assert.equal(marked, '"len": "lots"');
    assert.deepEqual(await axeViolations(page, SERIOUS), []);
    // The gutter marker sits on the line of step 5.
    const line = text.split('\n').findIndex((l) => l.includes('"as": ["g"]')) + 1;
    const markerTop = await page.$eval('.cm-lint-marker-error', (e) => e.getBoundingClientRect().top);
    const lineTop = await page.$$eval('.cm-lineNumbers .cm-gutterElement', (x, n) =>
      x.find((g) => g.textContent === String(n)).getBoundingClientRect().top, line);
    assert.ok(Math.abs(markerTop - lineTop) < 8, `marker at ${markerTop}, line ${line} at ${lineTop}`);
    assert.equal(await page.getAttribute('#editor .cm-content', 'aria-invalid'), 'true');
    assert.match(await page.getAttribute('#editor .cm-content', 'aria-describedby'), /\beditor-error\b/);
    // Fixed, the marker goes.
    await fillEditor(page, text);
    await page.waitForSelector('#editor-status .ok');
    assert.equal(await page.$$eval('.cm-lintRange-error', (x) => x.length), 0);
    assert.equal(await page.getAttribute('#editor .cm-content', 'aria-invalid'), null);
    await page.close();
  });

  await check('completion offers the level\'s op names, and the fields the step\'s op declares', async () => {
    const page = await site.newPage(`#s=${encodeURIComponent(SCENARIO)}&step=0`);
    await page.click('#tab-editor');
    // An op value emptied: typing "se" offers the kernel ops that start so, and takes one.
    const emptied = text.replace('"op": "sendmsg", "sock": "a", "data": "efgh"', '"op": "", "sock": "a", "data": "efgh"');
    await fillEditor(page, emptied);
    await placeCursor(page, emptied.indexOf('"op": ""') + 7);
    await page.keyboard.type('se');
    const labels = await completionLabels(page);
    const kernelOps = ops.kernel.flatMap((o) => [o.op, ...o.aliases]);
    assert.ok(labels.includes('sendmsg'), labels.join(' '));
    assert.ok(labels.every((l) => kernelOps.includes(l)), labels.join(' '));
    assert.ok(!labels.includes('recvmsg'), labels.join(' '));
    assert.deepEqual(await axeViolations(page, SERIOUS), [], 'with the completion list open');
    while ((await page.textContent('.cm-tooltip-autocomplete li[aria-selected] .cm-completionLabel')) !== 'sendmsg') {
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    assert.equal(await editorText(page), text);
    await page.waitForSelector('#editor-status .ok');
    // A key inside the recvmsg step: its op's fields and the keys every step has, less those there.
    const recv = text.indexOf('"fd_space": 4, "expect"') + '"fd_space": 4,'.length;
    await placeCursor(page, recv);
    await page.keyboard.type(' "');
    const fields = await completionLabels(page);
    const present = ['proc', 'op', 'sock', 'len', 'fd_space', 'expect'];
    const declared = ops.kernel.find((o) => o.op === 'recvmsg').fields.map((f) => f.name);
    const want = ['proc', 'op', 'expect', 'comment', ...declared].filter((n) => !present.includes(n));
    assert.deepEqual([...fields].sort(), [...new Set(want)].sort());
    await page.keyboard.press('Escape');
    // A usocket scenario completes usocket ops (Ctrl-Space on an empty op).
    const us = fs.readFileSync(path.join(root, USOCKET), 'utf8');
    const firstOp = /"op": "(\w+)"/.exec(us);
    const usEmptied = us.replace(firstOp[0], '"op": ""');
    await page.evaluate((t) => window.fdlabApp.editor.setText(t), usEmptied);
    await placeCursor(page, usEmptied.indexOf('"op": ""') + 7);
    await page.keyboard.press('Control+Space');
    const usLabels = await completionLabels(page);
    assert.deepEqual([...usLabels].sort(), ops.usocket.map((o) => o.op).sort());
    await page.close();
  });

  await check('keyboard: keys typed in the editor stay there, and Tab leaves it', async () => {
    const page = await site.newPage(`#s=${encodeURIComponent(SCENARIO)}&step=2`);
    await page.click('#tab-editor');
    await placeCursor(page, text.indexOf('\n', text.indexOf('"rules"')) - 1);
    // n, d, Home and the arrows step the page elsewhere; in the editor they edit and move the cursor.
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.type('n');
    assert.equal(await page.evaluate(() => window.fdlabApp.step), 2);
    assert.match(await editorText(page), /"rules": \["stream.fd-boundary"\],n\n/);
    await page.keyboard.press('Backspace');
    const before = await editorText(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => !!document.activeElement.closest('.cm-editor')), false);
    assert.equal(await page.evaluate(() => document.activeElement === document.body), false);
    assert.equal(await editorText(page), before);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => !!document.activeElement.closest('.cm-content')), true);
    await page.close();
  });

  await check('serve.js sends brotli, gzip or the file as it is, as Accept-Encoding allows', async () => {
    const { server, url } = await serve(siteDir, 0);
    try {
      for (const name of ['index.html', 'fdlab.js', 'codemirror.js', 'editor.css']) {
        const raw = fs.readFileSync(path.join(siteDir, name));
        const type = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
                       '.css': 'text/css; charset=utf-8' }[path.extname(name)];
        const cases = [['gzip, deflate, br, zstd', 'br'], ['gzip, deflate', 'gzip'], ['br;q=0, gzip', 'gzip'],
          ['identity', undefined], [undefined, undefined], ['*', 'br']];
        for (const [accept, encoding] of cases) {
          const r = await get(url + name, accept);
          assert.equal(r.status, 200);
          assert.equal(r.headers['content-encoding'], encoding, `${name} for ${accept}`);
          assert.equal(r.headers['content-type'], type);
          assert.equal(r.headers.vary, 'Accept-Encoding');
          assert.equal(Number(r.headers['content-length']), r.body.length);
          const body = encoding === 'br' ? zlib.brotliDecompressSync(r.body)
            : encoding === 'gzip' ? zlib.gunzipSync(r.body) : r.body;
          assert.ok(body.equals(raw), `${name} for ${accept}: the same bytes`);
          if (encoding) assert.ok(r.body.length < raw.length * (raw.length > 10000 ? 0.4 : 0.7), `${name}: ${r.body.length} of ${raw.length}`);
        }
      }
      assert.equal((await get(`${url}nothing-here.js`, 'br')).status, 404);
    } finally {
      server.close();
    }
    // A .br older than its file (the file changed by hand since the build) is not sent.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-serve-'));
    fs.writeFileSync(path.join(dir, 'a.js'), 'new();\n'.repeat(100));
    fs.writeFileSync(path.join(dir, 'a.js.br'), zlib.brotliCompressSync('old();\n'.repeat(100)));
    fs.utimesSync(path.join(dir, 'a.js.br'), new Date(0), new Date(0));
    const stale = await serve(dir, 0);
    try {
      const r = await get(`${stale.url}a.js`, 'br');
      assert.equal(r.headers['content-encoding'], undefined);
      assert.equal(r.body.toString(), 'new();\n'.repeat(100));
    } finally {
      stale.server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  await check('the page loads through serve.js with brotli, and works', async () => {
    const page = await site.context.newPage();
    const encodings = new Map();
    page.on('response', async (r) => { encodings.set(new URL(r.url()).pathname, r.headers()['content-encoding']); });
    await page.goto(`${site.url}#s=${encodeURIComponent(SCENARIO)}&step=4`);
    await page.evaluate(() => window.fdlabApp.ready.then(() => true));
    assert.equal(await page.textContent('#step-counter'), 'after step 3 (4 of 7 run)');
    for (const p of ['/', '/fdlab.js', '/codemirror.js', '/scenarios.js', '/js/app.js', '/style.css', '/editor.css']) {
      assert.equal(encodings.get(p), 'br', `${p}: ${encodings.get(p)}`);
    }
    await page.close();
  });

  await check('no page errors', async () => {
    assert.deepEqual(site.errors, []);
  });

  await site.close();
  finish();
})();
