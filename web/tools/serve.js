#!/usr/bin/env node
// A tiny static file server for the built site (the page needs no server code; this only
// spares you file:// quirks). Serves DIR on 127.0.0.1 and prints the URL. Where the build wrote
// NAME.br or NAME.gz beside a file (web/tools/precompress.js) and the request accepts that
// encoding, it sends that instead, brotli first, with Content-Encoding and Vary.
// Usage: serve.js [DIR=build/wasm/web/site] [PORT=8080]   (PORT 0: any free port)
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
                '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml',
                '.png': 'image/png', '.wasm': 'application/wasm' };

// The encodings an Accept-Encoding header allows ("gzip, deflate, br", "br;q=0, *"), as a set.
function accepted(header) {
  const out = new Set();
  for (const part of String(header || '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    if (name && !(q && Number(q[1]) === 0)) out.add(name);
  }
  if (out.has('*')) { out.add('br'); out.add('gzip'); }
  return out;
}

// The file to send for a request of FILE: [path, encoding or null], the best precompressed
// variant the request accepts, if it is not older than the file (a file copied in by hand).
function variant(file, acceptEncoding) {
  const ok = accepted(acceptEncoding);
  const mtime = fs.statSync(file).mtimeMs;
  for (const [encoding, ext] of [['br', '.br'], ['gzip', '.gz']]) {
    if (ok.has(encoding) && fs.existsSync(file + ext) && fs.statSync(file + ext).mtimeMs >= mtime) {
      return [file + ext, encoding];
    }
  }
  return [file, null];
}

function createServer(dir) {
  const root = path.resolve(dir);
  return http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = path.join(root, url.endsWith('/') ? `${url}index.html` : url);
    if (!file.startsWith(root + path.sep) && file !== root) { res.writeHead(403).end(); return; }
    if (!fs.existsSync(file)) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'); return; }
    const [sent, encoding] = variant(file, req.headers['accept-encoding']);
    fs.readFile(sent, (err, body) => {
      if (err) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'); return; }
      const headers = { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
                        'content-length': body.length, 'cache-control': 'no-cache', vary: 'Accept-Encoding' };
      if (encoding) headers['content-encoding'] = encoding;
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
    });
  });
}

// Resolves to {server, url} once listening.
function serve(dir, port = 0) {
  const server = createServer(dir);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

module.exports = { createServer, serve };

if (require.main === module) {
  const dir = process.argv[2] || path.join(__dirname, '../../build/wasm/web/site');
  const port = Number(process.argv[3] === undefined ? 8080 : process.argv[3]);
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    console.error(`serve: ${dir}/index.html not found; build it with: cmake --build --preset wasm --target fdlab_web`);
    process.exit(1);
  }
  serve(dir, port).then(({ url }) => console.log(`fdlab visualizer: ${url}  (Ctrl-C to stop)`),
    (e) => { console.error(`serve: ${e.message}`); process.exit(1); });
}
