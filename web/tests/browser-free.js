// The test harness without the browser (for node-only tests): check/finish and the module.
'use strict';
const path = require('path');

function harness() {
  const results = [];
  const check = async (name, fn) => {
    const t0 = Date.now();
    try {
      await fn();
      results.push(true);
      console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    } catch (e) {
      results.push(false);
      console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    }
  };
  const finish = () => {
    const failed = results.filter((r) => !r).length;
    console.log(`${results.length - failed} of ${results.length} checks passed`);
    process.exitCode = failed ? 1 : 0;
  };
  return { check, finish };
}

const loadModule = (siteDir) => require(path.resolve(siteDir, 'fdlab.js'))();

module.exports = { harness, loadModule };
