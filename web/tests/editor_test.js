#!/usr/bin/env node
// The scenario editor in headless Chromium (issue 15): line numbers, the inline marker at the
// bad field, completion of ops and fields from the op table, Tab leaves the editor.
// Usage: editor_test.js SITE_DIR REPO_ROOT
'use strict';
const assert = require('assert/strict');
const fs = require('fs');
const path = require('path');
const { openSite, harness, loadModule, editorText, fillEditor } = require('./browser.js');

const [siteDir, root] = process.argv.slice(2);
const { check, finish } = harness();
const SCENARIO = 'scenarios/stream/fds-stop-the-read.json';
const USOCKET = 'scenarios/usocket/quick-usage.json';

async function axeViolations(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const { violations } = await page.evaluate(() => axe.run());
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

// Puts the cursor at a character offset of the editor's text, the editor focused.
const placeCursor = (page, offset) => page.evaluate((at) => window.fdlabApp.editor.cm.select(at, at), offset);

// The labels of the completion list once it is open.
async function completionLabels(page) {
  await page.waitForSelector('.cm-tooltip-autocomplete li');
  return page.$$eval('.cm-tooltip-autocomplete li .cm-completionLabel', (x) => x.map((l) => l.textContent));
}

(async () => {
  const m = await loadModule(siteDir);
  const ops = JSON.parse(m.ops());
  const text = fs.readFileSync(path.join(root, SCENARIO), 'utf8');
  const site = await openSite(siteDir);

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
    assert.deepEqual(await axeViolations(page), []);
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
    assert.deepEqual(await axeViolations(page), [], 'with the completion list open');
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

  await check('no page errors', async () => {
    assert.deepEqual(site.errors, []);
  });

  await site.close();
  finish();
})();
