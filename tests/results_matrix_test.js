// The results matrix from three real reports (issue 16, item 4): bundled scenarios replayed on
// the sim, the real kernel and the real npm usocket package, each --json report checked against
// docs/report.schema.json (ajv), merged by `fdlab merge`, and the page driven in headless
// Chromium from file://: its columns, rows, groups, cells, filters and visualizer links, and
// that it loads nothing. Exits 77 (ctest: skipped) only when Chromium is absent.
//   node tests/results_matrix_test.js FDLAB SOURCE_ROOT
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const [fdlab, root] = process.argv.slice(2);
const modules = path.join(root, 'web', 'node_modules');
const Ajv2020 = require(path.join(modules, 'ajv', 'dist', '2020'));
const CHROMIUM = process.env.FDLAB_CHROMIUM || '/usr/bin/chromium';

let failures = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}`);
  if (!ok) failures += 1;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-matrix-'));
const scenarioFiles = ['stream/fds-stop-the-read.json', 'expected-fail/expect-data-hex-not-utf8.json',
  'usocket/pause-resume.json', 'usocket/listen-path-callback.json']
  .map((f) => path.join(root, 'scenarios', f));
const scenarioOf = Object.fromEntries(scenarioFiles.map((f) => {
  const s = JSON.parse(fs.readFileSync(f, 'utf8'));
  return [s.id, s];
}));

// --- three real reports ------------------------------------------------------------------------
const backends = ['sim', 'native', 'usocket'];
const reports = {};
for (const b of backends) {
  const out = path.join(tmp, `${b}.json`);
  const r = spawnSync(fdlab, ['replay', ...scenarioFiles, '-b', b, '--json', out, '--label', `${b} run`],
    { encoding: 'utf8' });
  check(`fdlab replay -b ${b} ran (exit 0 or 1)`, r.status === 0 || r.status === 1, r.stdout + r.stderr);
  reports[b] = JSON.parse(fs.readFileSync(out, 'utf8'));
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(path.join(root, 'docs', 'report.schema.json'), 'utf8')));
for (const b of backends) {
  check(`the ${b} report follows docs/report.schema.json`, validate(reports[b]), ajv.errorsText(validate.errors));
  const run = reports[b].run;
  check(`the ${b} report names this kernel, machine and backend`,
    run.kernel === os.release() && run.machine.length > 0 && run.backends.join() === b &&
    /^[0-9]+\.[0-9]+\.[0-9]+/.test(run.fdlab_version), JSON.stringify(run));
}
// A report carrying expectations (and --trace) follows it too.
const expectations = path.join(tmp, 'x.json');
fs.writeFileSync(expectations, JSON.stringify({ fdlab_expectations: 1, expectations: [
  { scenario: 'expected-fail/*', status: 'FAIL', reason: 'on purpose', link: 'https://example.org/1' },
  { scenario: 'stream/fds-stop-the-read', backend: 'native', kernel: { from: '2.6' }, status: 'SKIP', reason: 'r' }] }));
const xr = spawnSync(fdlab, ['replay', ...scenarioFiles.slice(0, 2), '-b', 'both', '-x', expectations, '--trace',
  '--json', path.join(tmp, 'x-report.json')], { encoding: 'utf8' });
check('a run with expectations exits 0', xr.status === 0, xr.stdout + xr.stderr);
const xreport = JSON.parse(fs.readFileSync(path.join(tmp, 'x-report.json'), 'utf8'));
check('a report with expectations and traces follows the schema', validate(xreport), ajv.errorsText(validate.errors));
const validateX = ajv.compile(JSON.parse(fs.readFileSync(path.join(root, 'docs', 'expectations.schema.json'), 'utf8')));
for (const f of [expectations, path.join(root, 'docs', 'examples', 'expectations.json')])
  check(`${path.basename(f)} follows docs/expectations.schema.json`,
    validateX(JSON.parse(fs.readFileSync(f, 'utf8'))), ajv.errorsText(validateX.errors));
check('the schema refuses a report with an unknown field',
  !validate({ ...reports.sim, extra: 1 }));

// --- merge -------------------------------------------------------------------------------------
const site = path.join(root, 'build', 'wasm', 'web', 'site', 'index.html');
const visualizer = fs.existsSync(site) ? `file://${site}` : 'visualizer/index.html';
const html = path.join(tmp, 'matrix.html');
const m = spawnSync(fdlab, ['merge', ...backends.map((b) => path.join(tmp, `${b}.json`)),
  '--html', html, '--markdown', path.join(tmp, 'matrix.md'), '--visualizer', visualizer], { encoding: 'utf8' });
check('fdlab merge exits 0', m.status === 0, m.stdout + m.stderr);

// What the page must show, from the reports themselves.
const ids = Object.keys(scenarioOf);
const statusOf = (b, id) => reports[b].scenarios.find((s) => s.id === id).backends[b];
const failingIds = ids.filter((id) => backends.some((b) => !['pass', 'skipped'].includes(statusOf(b, id).status)));
const xfailId = 'expected-fail/expect-data-hex-not-utf8';
const xfailStep = statusOf('sim', xfailId).failures[0].step;

(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`SKIP: no Chromium at ${CHROMIUM}: the page is not drawn`);
    fs.rmSync(tmp, { recursive: true, force: true });
    // A failure before the page (a report off its schema) is still a failure.
    process.exit(failures === 0 ? 77 : 1);
  }
  const { chromium } = require(path.join(modules, 'playwright-core'));
  const browser = await chromium.launch({ executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    const requests = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${html}`);

    const columns = await page.$$eval('#matrix thead th', (ths) => ths.slice(1).map((th) => th.textContent));
    check('three columns, one per report', columns.length === 3 &&
      backends.every((b, i) => columns[i].endsWith(b)), JSON.stringify(columns));
    const rows = await page.$$eval('#matrix tr.scenario', (trs) => trs.map((tr) => tr.dataset.id));
    check('a row per scenario', rows.length === ids.length && ids.every((id) => rows.includes(id)),
      JSON.stringify(rows));
    const groups = await page.$$eval('#matrix tbody[data-rule]', (bs) => bs.map((b) => b.dataset.rule));
    const wanted = [...new Set(ids.map((id) => (scenarioOf[id].rules || ['(no rule named)'])[0]))].sort();
    check('rows grouped by their first rule', JSON.stringify(groups) === JSON.stringify(wanted),
      `${JSON.stringify(groups)} vs ${JSON.stringify(wanted)}`);

    const cell = (id, col) => page.$eval(`#matrix tr.scenario[data-id="${id}"]`, (tr, c) => {
      const td = tr.querySelectorAll('td')[c];
      const a = td.querySelector('a');
      return { cls: td.className, text: td.textContent, href: a ? a.getAttribute('href') : null };
    }, col);
    const x = await cell(xfailId, 0);
    check('the failing scenario is FAIL on the sim', x.cls === 'FAIL', JSON.stringify(x));
    const link = `${visualizer}#s=${encodeURIComponent(`scenarios/${xfailId}.json`)}&step=${xfailStep + 1}`;
    check('its cell links to the visualizer after the failing step', x.href === link, `${x.href} vs ${link}`);
    const k = await cell('stream/fds-stop-the-read', 2);
    check('a kernel-level scenario is SKIP on the usocket package', k.cls === 'SKIP', JSON.stringify(k));
    for (const id of ids.filter((i) => scenarioOf[i].level === 'usocket')) {
      const u = await cell(id, 2);
      const want = { pass: 'PASS', FAIL: 'FAIL', error: 'ERROR', timeout: 'ERROR' }[statusOf('usocket', id).status];
      check(`${id} on the package shows its report's result (${want})`, u.cls === want, JSON.stringify(u));
    }

    const visible = () => page.$$eval('#matrix tr.scenario', (trs) =>
      trs.filter((tr) => tr.offsetParent !== null).map((tr) => tr.dataset.id));
    check('every row shows at first', (await visible()).length === ids.length);
    await page.selectOption('#show', 'fails');
    const shown = await visible();
    check('the failing filter shows the scenarios failing somewhere',
      shown.length === failingIds.length && failingIds.every((id) => shown.includes(id)),
      `${JSON.stringify(shown)} vs ${JSON.stringify(failingIds)}`);
    await page.selectOption('#show', 'all');
    await page.fill('#search', 'fds-stop');
    check('the search shows the matching scenario only',
      JSON.stringify(await visible()) === JSON.stringify(['stream/fds-stop-the-read']));
    check('the page loads nothing but itself',
      requests.every((u) => u.startsWith('file://')) && requests.length === 1, JSON.stringify(requests));
    check('no page errors', errors.length === 0, errors.join('\n'));

    if (fs.existsSync(site)) {
      const viz = await browser.newPage();
      await viz.goto(link);
      await viz.evaluate(() => window.fdlabApp.ready.then(() => true));
      const step = await viz.evaluate(() => window.fdlabApp.step);
      check('the link opens the visualizer at that step', step === xfailStep + 1, `step ${step}`);
    } else {
      console.log(`note: ${site} is not built (the wasm preset): the link's target is not opened`);
    }
  } finally {
    await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`results matrix tests: ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
