#!/usr/bin/env node
// Screenshots of the page for the README, made with the tests' own tooling (headless Chromium
// through playwright-core). Usage: screenshots.js SITE_DIR OUT_DIR
'use strict';
const path = require('path');
const { openSite } = require('./browser.js');

const [siteDir, outDir] = process.argv.slice(2);
const shots = [
  { name: 'visualizer-kernel.png', hash: '#s=scenarios%2Fstream%2Ffds-stop-the-read.json&step=5', width: 1280, height: 800 },
  { name: 'visualizer-usocket.png', hash: '#s=scenarios%2Fusocket%2Fquick-usage.json&step=8', width: 1280, height: 800 },
  { name: 'visualizer-narrow.png', hash: '#s=scenarios%2Fstream%2Fpeek-installs-new-fds.json&step=4', width: 420, height: 900 },
  // f1's journey open, the pointer on b's box: its fds lit in every process.
  { name: 'visualizer-journey.png', hash: '#s=scenarios%2Fstream%2Ffds-stop-the-read.json&step=4', width: 1280, height: 800,
    act: async (page) => {
      await page.click('.lane[data-proc="p"] button[data-journey]:text-is("f1")');
      await page.evaluate(() => { document.getElementById('state').scrollTop = 0; });
      await page.hover('.socket[aria-label="socket b"] .sock-head');
    } },
];

(async () => {
  const site = await openSite(siteDir);
  for (const s of shots) {
    const page = await site.newPage(s.hash);
    await page.setViewportSize({ width: s.width, height: s.height });
    if (s.act) await s.act(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(outDir, s.name) });
    console.log(`wrote ${path.join(outDir, s.name)}`);
    await page.close();
  }
  if (site.errors.length) console.error(site.errors.join('\n'));
  await site.close();
})();
