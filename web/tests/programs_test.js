#!/usr/bin/env node
// The Programs tab in headless Chromium (issue 17): examples/fdpass's C programs, built with
// libfdlab_posix, run in the page as two processes of the simulated kernel; their run opens as
// a scenario the visualizer steps through, with the trap (MSG_CTRUNC) where the client's
// control buffer had no room; the written scenario replays on the page's own simulator
// without a failure; axe-core finds nothing on the tab.
// Usage: programs_test.js SITE_DIR
'use strict';
const assert = require('assert/strict');
const { openSite, harness, axeViolations } = require('./browser.js');

const [siteDir] = process.argv.slice(2);
const { check, finish } = harness();

(async () => {
  const site = await openSite(siteDir);
  try {
    const page = await site.newPage();
    await page.click('#tab-programs');
    await page.click('#programs-run');
    await page.waitForFunction(() => window.fdlabApp.lastProgramsRun ||
      /failed/.test(document.getElementById('programs-status').textContent), null, { timeout: 60000 });
    const run = await page.evaluate(() => {
      const r = window.fdlabApp.lastProgramsRun;
      return r && { processes: r.processes, deadlock: r.deadlock, scenario: r.scenario,
        status: document.getElementById('programs-status').textContent };
    });

    await check('both programs ran to exit 0 in the page, no deadlock', async () => {
      assert.ok(run, 'no run');
      assert.deepEqual(run.processes.map((p) => [p.name, p.exit]), [['server', 0], ['client', 0]]);
      assert.equal(run.deadlock, null);
      const client = run.processes[1].output;
      assert.equal(client.length, 4, client.join('\n'));
      assert.match(client[0], /^fdpass_client: "file 1 for notes" fd \d+: contents of notes #1$/);
      assert.match(client[1], /came without its fd \(MSG_CTRUNC: the kernel closed it\)$/);
    });

    await check('the run is loaded as a scenario that passes on the page\'s simulator', async () => {
      const shown = await page.evaluate(() => ({
        title: document.getElementById('scenario-title').textContent,
        failing: window.fdlabApp.failing,
        error: window.fdlabApp.trace && window.fdlabApp.trace.error,
        steps: window.fdlabApp.steps.length,
      }));
      assert.match(shown.title, /^programs\/fdpass/);
      assert.equal(shown.steps, run.scenario.steps.length);
      assert.ok(shown.steps > 20, `${shown.steps} steps`);
      assert.deepEqual(shown.failing, []);
      assert.ok(!shown.error, JSON.stringify(shown.error));
    });

    await check('stepping to the client\'s second recvmsg shows MSG_CTRUNC', async () => {
      const recvs = run.scenario.steps.map((s, i) => [s, i]).filter(([s]) => s.proc === 'client' && s.op === 'recvmsg');
      assert.equal(recvs.length, 4);
      const [second, at] = recvs[1];
      assert.deepEqual(second.expect.msg_flags, ['MSG_CTRUNC']);
      assert.deepEqual(second.expect.fds, []);
      // goTo takes how many steps have run: step `at` is shown once at + 1 have.
      await page.evaluate((k) => window.fdlabApp.goTo(k + 1), at);
      const card = await page.textContent('#step-card');
      assert.match(card, /MSG_CTRUNC/);
      assert.match(await page.textContent('#step-counter'), new RegExp(`after step ${at}\\b`));
    });

    await check('axe-core: no violations on the Programs tab', async () => {
      await page.click('#tab-programs');
      assert.deepEqual(await axeViolations(page), []);
    });
    await check('no page errors', async () => assert.deepEqual(site.errors, []));
  } finally {
    await site.close();
    finish();
  }
})();
