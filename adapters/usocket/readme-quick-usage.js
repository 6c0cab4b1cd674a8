#!/usr/bin/env node
// Runs the README's "Quick Usage" example of usocket as written, and prints one JSON line:
//   {"completed": bool, "received": {"data": "...", "fds": n} | null, "events": [...],
//    "stderr_note": null | "..."}
// and exits 0 whatever happened.
//
// The example runs in a child node process (this script with --child), so that an abort of node
// itself (the addon's assertions) is caught: the parent reports the child's exit status or
// signal and the tail of its stderr. A watchdog kills the child after 5 s (the example waits
// 500 ms before sending). The child works in a private temporary directory, removed afterwards.
//
// The package under test: FDLAB_USOCKET_NODE_MODULES/usocket (as for replay.js), else
// node_modules/usocket beside this script.
//
// The example's text: seed/usocket-README.txt is garbled by extraction (each "X.read(ARG" is
// cut out, closing braces and the example's last lines are missing). The package ships its
// README.md uncut (node_modules/usocket/README.md, "#### Quick Usage."), and it is the same text
// wherever the seed is legible: the code below is that README.md's, line for line. The lines the
// seed lacks are marked "README gap:". Nothing of the example is changed: `require` and
// `__dirname` are the harness's (see runExample), so `require('usocket')` is the package under
// test and `__dirname + "/socket"` lies in the private directory; `fs.close(fd)` is called as
// written (node's default close callback).
//
// "completed" is true when the example reached its last statement (client.end(), after a read
// that returned the message) and its process then exited by itself with status 0.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const kWatchdogMs = 5000;
const kEventFd = 3;  // the child's event log: one line per event, written synchronously

// ---- the example, as in the package's README.md ------------------------------------------------

function runExample(require, __dirname, __filename) {
  var fs = require('fs');
  var usocket = require('usocket');

  var server = new usocket.UServer();
  var client = new usocket.USocket();

  server.listen(__dirname + "/socket", function() {
    client.connect(__dirname + "/socket");
  });  // README gap: "});" missing in the seed

  server.on('connection', function(connection) {
    var msg = Buffer.from("message");
    var fd = fs.openSync(__filename, "r");
    setTimeout(function() {
      connection.end({ data: msg, fds: [fd], callback: function() { fs.close(fd); } });
    }, 500);
  });  // README gap: "});" missing in the seed

  client.on('connected', function() { client.read(0); });  // README gap: seed has "{; }"

  client.on('readable', function() {
    var msg = client.read(7, 1);  // README gap: seed has "var msg =, 1);" (not read(null, 1))
    if (!msg) return;
    fs.close(msg.fds[0]);  // README gap: this line and the three below are missing in the seed
    server.close();
    client.end();
  })
}

// ---- the child: the example, with every event and call of interest logged -------------------

function child(dir) {
  const modules = process.env.FDLAB_USOCKET_NODE_MODULES || path.join(__dirname, 'node_modules');
  const log = (line) => {
    try { fs.writeSync(kEventFd, JSON.stringify(line) + '\n'); } catch (e) { /* parent gone */ }
  };
  let pkg;
  try {
    pkg = require(path.join(path.resolve(modules), 'usocket'));
  } catch (e) {
    log({ event: `cannot load usocket from ${modules}: ${String(e.message).split('\n')[0]}` });
    process.exit(70);
  }

  // Names for the example's objects: the USocket the example constructs is 'client', the one
  // the server hands out is 'connection', the UServer is 'server'.
  const clients = new WeakSet();
  const connections = new WeakSet();
  const nameOf = (o) => (o instanceof pkg.UServer ? 'server'
    : connections.has(o) ? 'connection' : clients.has(o) ? 'client' : 'usocket');
  const describe = (v) => {
    if (v === null || v === undefined) return String(v);
    if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('latin1'));
    if (typeof v === 'object') {
      const parts = [];
      if ('data' in v) parts.push(`data: ${describe(v.data)}`);
      if ('fds' in v) parts.push(`fds: ${Array.isArray(v.fds) ? v.fds.length : describe(v.fds)}`);
      if ('callback' in v) parts.push('callback');
      return `{${parts.join(', ')}}`;
    }
    return JSON.stringify(v);
  };

  // Events, as the objects emit them (no listener is added: an 'error' nobody listens to
  // still throws, as it would in the example).
  const quiet = new Set(['newListener', 'removeListener']);
  const wrapEmit = (proto) => {
    const emit = proto.emit;
    proto.emit = function(ev, ...args) {
      if (ev === 'connection' && args[0]) connections.add(args[0]);
      if (!quiet.has(ev)) {
        let extra = '';
        if (ev === 'fds') extra = ` (${args[0].length} fd)`;
        if (ev === 'error') extra = ` (${(args[0] && (args[0].code || args[0].message)) || args[0]})`;
        log({ event: `${nameOf(this)}: '${ev}'${extra}` });
      }
      return emit.apply(this, [ev, ...args]);
    };
  };
  wrapEmit(pkg.USocket.prototype);
  wrapEmit(pkg.UServer.prototype);

  // The calls the example makes, with what they return.
  let received = null;
  const read = pkg.USocket.prototype.read;
  pkg.USocket.prototype.read = function(size, count) {
    const r = read.apply(this, arguments);
    if (arguments.length >= 2) {
      log({ event: `${nameOf(this)}.read(${describe(size)}, ${describe(count)}) -> ${describe(r)}` });
      if (r && !received) {
        received = { data: r.data ? r.data.toString('latin1') : null, fds: (r.fds || []).length };
        log({ received });
      }
    }
    return r;
  };
  for (const [proto, method] of [[pkg.USocket.prototype, 'connect'], [pkg.USocket.prototype, 'end'],
    [pkg.UServer.prototype, 'listen'], [pkg.UServer.prototype, 'close']]) {
    const orig = proto[method];
    proto[method] = function(...args) {
      const who = nameOf(this);
      if (who !== 'usocket') {  // not the server's own connect({fd}) of an accepted socket
        const shown = args.filter((a) => typeof a !== 'function').map((a) =>
          (typeof a === 'string' && a.startsWith(dir) ? JSON.stringify('<dir>' + a.slice(dir.length)) : describe(a)));
        log({ event: `${who}.${method}(${shown.join(', ')})` });
        if (who === 'client' && method === 'end' && received) log({ reached_end: true });
      }
      return orig.apply(this, args);
    };
  }

  // The example's require: 'usocket' is the package under test, 'fs' logs close().
  const loggedFs = Object.assign(Object.create(fs), {
    close(fd, ...rest) {
      log({ event: `fs.close(${fd})` });
      return fs.close(fd, ...rest);
    },
  });
  const Client = function USocket(...args) {
    const s = new pkg.USocket(...args);
    clients.add(s);
    return s;
  };
  Client.prototype = pkg.USocket.prototype;
  const example = Object.assign(Object.create(pkg), { USocket: Client });
  const exampleRequire = (name) => (name === 'usocket' ? example : name === 'fs' ? loggedFs : require(name));

  process.on('exit', (code) => log({ event: `process exit (${code})` }));
  runExample(exampleRequire, dir, __filename);
}

// ---- the parent: runs the child, watches it, reports --------------------------------------------

function parent() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usocket-readme-'));
  const result = { completed: false, received: null, events: [], stderr_note: null };
  let reachedEnd = false;
  let pending = '';
  let stderr = '';
  let watchdog = false;
  let finished = false;

  const takeLines = (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let j;
      try { j = JSON.parse(line); } catch (e) { continue; }
      if (j.event) {
        const last = result.events[result.events.length - 1];
        const m = last && /^(.*?)(?: x(\d+))?$/.exec(last);
        if (m && m[1] === j.event) result.events[result.events.length - 1] = `${j.event} x${Number(m[2] || 1) + 1}`;
        else result.events.push(j.event);
      }
      if (j.received) result.received = j.received;
      if (j.reached_end) reachedEnd = true;
    }
  };

  const finish = (code, signal) => {
    if (finished) return;
    finished = true;
    if (watchdog) result.events.push(`watchdog: no exit within ${kWatchdogMs / 1000} s, killed`);
    else if (signal) result.events.push(`node killed by ${signal}`);
    else result.events.push(`node exited with status ${code}`);
    result.completed = reachedEnd && !watchdog && !signal && code === 0;
    // The tail of the child's stderr, led by the line that names the failure (an assertion,
    // an uncaught error) when the tail does not show it.
    const lines = stderr.trim().split('\n').filter((l) => l.length);
    const tail = lines.slice(-6);
    const key = lines.find((l) => /Assertion|Error|FATAL/.test(l));
    if (key && !tail.includes(key)) tail.unshift(key, '...');
    result.stderr_note = tail.length ? tail.join('\n').slice(-1200) : null;
    fs.rmSync(dir, { recursive: true, force: true });
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  };

  let c;
  try {
    c = spawn(process.execPath, [__filename, '--child', dir], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: process.env,
    });
  } catch (e) {
    stderr = `cannot start node: ${e.message}`;
    return finish(null, null);
  }
  c.stdio[3].setEncoding('utf8');
  c.stdio[3].on('data', takeLines);
  c.stdout.setEncoding('utf8');
  c.stdout.on('data', (d) => { for (const l of d.split('\n')) if (l) result.events.push(`stdout: ${l}`); });
  c.stderr.setEncoding('utf8');
  c.stderr.on('data', (d) => { stderr = (stderr + d).slice(-8000); });
  c.on('error', (e) => { stderr += `\n${e.message}`; finish(null, null); });
  const timer = setTimeout(() => { watchdog = true; c.kill('SIGKILL'); }, kWatchdogMs);
  // 'close' comes after the child's pipes are drained, so every logged event is in.
  c.on('close', (code, signal) => { clearTimeout(timer); finish(code, signal); });
}

if (process.argv[2] === '--child') child(process.argv[3]);
else parent();
