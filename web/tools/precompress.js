#!/usr/bin/env node
// Writes NAME.gz and NAME.br beside each text asset of the built site (gzip level 9, brotli
// quality 11, node's own zlib), for web/tools/serve.js to send to a browser that accepts them;
// file:// and plain servers keep using the files as they are. A file whose .gz and .br are newer
// than it is left alone. Prints the site's size: raw, gzip and brotli.
// Usage: precompress.js SITE_DIR [STAMP]   (STAMP: touched when done, for the build)
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const COMPRESSED = new Set(['.html', '.js', '.css', '.json', '.svg', '.wasm', '.txt']);

function assets(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return assets(p);
    return e.isFile() && COMPRESSED.has(path.extname(e.name)) ? [p] : [];
  });
}

const fresh = (file, than) => fs.existsSync(file) && fs.statSync(file).mtimeMs >= fs.statSync(than).mtimeMs;

function precompress(site) {
  const total = { raw: 0, gzip: 0, br: 0 };
  for (const file of assets(site)) {
    if (!fresh(`${file}.gz`, file) || !fresh(`${file}.br`, file)) {
      const body = fs.readFileSync(file);
      fs.writeFileSync(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
      fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(body, { params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
    }
    total.raw += fs.statSync(file).size;
    total.gzip += fs.statSync(`${file}.gz`).size;
    total.br += fs.statSync(`${file}.br`).size;
  }
  return total;
}

module.exports = { precompress };

if (require.main === module) {
  const [site, stamp] = process.argv.slice(2);
  const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
  const t = precompress(site);
  console.log(`site: ${kb(t.raw)} raw, ${kb(t.gzip)} gzip, ${kb(t.br)} brotli`);
  if (stamp) fs.writeFileSync(stamp, `${JSON.stringify(t)}\n`);
}
