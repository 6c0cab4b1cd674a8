// What the browser tests share: the site served on 127.0.0.1, headless Chromium (Debian's
// package, driven by playwright-core, launched as ../shared/TOOLCHAIN.md says), a page with
// its errors collected, and a tiny check/report harness.
'use strict';
const { serve } = require('../tools/serve.js');
const { harness, loadModule } = require('./browser-free.js');

let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.error('playwright-core is missing: run `npm ci` in web/ (scripts/setup does)');
  process.exit(1);
}

const CHROMIUM = process.env.FDLAB_CHROMIUM || '/usr/bin/chromium';

async function openSite(siteDir, { width = 1280, height = 800 } = {}) {
  const { server, url } = await serve(siteDir, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--no-first-run'] });
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  const errors = [];
  const newPage = async (hash = '') => {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(url + hash);
    await page.evaluate(() => window.fdlabApp.ready.then(() => true));
    return page;
  };
  const close = async () => { await browser.close(); server.close(); };
  return { url, browser, context, newPage, errors, close };
}

// The scenario editor (CodeMirror, not a form field): its text and selection, and replacing
// its text as a person would (focus it, select all, type or paste the new text in one go).
const editorText = (page) => page.evaluate(() => window.fdlabApp.editor.text);
const editorSelection = (page) => page.evaluate(() => {
  const { state } = window.fdlabApp.editor.view;
  return state.sliceDoc(state.selection.main.from, state.selection.main.to);
});
async function fillEditor(page, text) {
  await page.click('#editor .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

// axe-core's violations on the page as it stands, one line each; `impacts` keeps only those.
async function axeViolations(page, { impacts = null } = {}) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const { violations } = await page.evaluate(() => axe.run());
  return violations.filter((v) => !impacts || impacts.includes(v.impact))
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

module.exports = { openSite, harness, loadModule, axeViolations, editorText, editorSelection, fillEditor };
