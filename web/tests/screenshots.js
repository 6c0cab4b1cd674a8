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
];

(async () => {
  const site = await openSite(siteDir);
  for (const s of shots) {
    const page = await site.newPage(s.hash);
    await page.setViewportSize({ width: s.width, height: s.height });
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(outDir, s.name) });
    console.log(`wrote ${path.join(outDir, s.name)}`);
    await page.close();
  }
  if (site.errors.length) console.error(site.errors.join('\n'));
  await site.close();
})();
