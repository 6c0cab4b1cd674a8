#!/usr/bin/env node
// Replays one usocket-level scenario (docs/scenario-format.md, "Level usocket") through the
// real usocket package and prints the trace: one JSON record per line, then {"done": true}.
// The records have the reference model's shape (core/usocket/usocket_replay.cpp), so fdlab
// compares them directly. Every scenario process runs inside this one node process, which is
// why fds appear only by label: received fds are named by fstat (dev, ino) against the
// objects the scenario created.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const usocket = require('usocket');
const sys = require('./fdlab_sys/build/Release/fdlab_sys.node');
const { canonicalOrder, bytesJson } = require('./trace');

const scenario = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-usocket-'));

const objects = new Map();   // label -> {id, kind, obj}
const names = [];            // creation index -> label
const fdLabels = new Map();  // fd label -> fd number
const inodes = new Map();    // "dev:ino" -> object label, for the files and sockets made here
let events = [];
let runLabels = [];          // labels for the sockets a 'run' step accepts
let generated = 0;
let currentStep = 0;

function out(record) { process.stdout.write(JSON.stringify(record) + '\n'); }

function inodeKey(fd) {
  const st = fs.fstatSync(fd, { bigint: true });
  return `${st.dev}:${st.ino}`;
}

function fdName(fd) {
  if (typeof fd !== 'number') return `<${typeof fd}>`;  // the package handed back a non-fd
  try {
    return inodes.get(inodeKey(fd)) || 'object#?';
  } catch (e) {
    return `<bad fd ${fd}>`;
  }
}

function errorCode(err) {
  if (err && err.code) return err.code;
  const known = {
    'connect on already connected USocket': 'EISCONN',
    'listen on already listened UServer': 'EALREADY',
  };
  const msg = err && err.message ? err.message : String(err);
  return known[msg] || `Error: ${msg}`;
}

function record(label, event, extra) {
  events.push(Object.assign({ id: objects.get(label).id, on: label, event }, extra || {}));
}

function addObject(label, kind, obj, watch = true) {
  objects.set(label, { id: names.length, kind, obj });
  names.push(label);
  if (!watch) return;
  if (kind === 'socket') watchSocket(label, obj);
  else watchServer(label, obj);
}

function watchSocket(label, s) {
  s.on('connected', () => record(label, 'connected'));
  s.on('readable', () => record(label, 'readable'));
  s.on('fds', (fds) => record(label, 'fds', { fds: fds.map(fdName) }));
  s.on('end', () => record(label, 'end'));
  s.on('close', () => record(label, 'close'));
  s.on('error', (err) => record(label, 'error', { code: errorCode(err) }));
}

function watchServer(label, srv) {
  srv.on('listening', () => record(label, 'listening'));
  srv.on('error', (err) => record(label, 'error', { code: errorCode(err) }));
  srv.on('connection', (sock) => {
    const name = runLabels.length ? runLabels.shift() : `connection@${currentStep}.${generated++}`;
    addObject(name, 'socket', sock);
    record(label, 'connection', { socket: name });
  });
}

function callback(label, step) { return () => record(label, 'callback', { step }); }

// Waits until nothing has happened for a while: the package's work runs on libuv's poller and
// thread pool, so quiet for `quietMs` is the adapter's "nothing more happens".
async function settle(quietMs = 60, maxMs = 5000) {
  const start = Date.now();
  let seen = -1;
  let quietSince = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 10));
    if (events.length !== seen) {
      seen = events.length;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) {
      return;
    }
  }
}

function dataOf(step) {
  if ('data' in step) return Buffer.from(step.data, 'utf8');
  if ('data_hex' in step) return Buffer.from(step.data_hex, 'hex');
  if ('data_size' in step) {
    const b = Buffer.alloc(step.data_size);
    for (let i = 0; i < b.length; i++) b[i] = 97 + (i % 26);
    return b;
  }
  return undefined;
}
const hasData = (s) => 'data' in s || 'data_hex' in s || 'data_size' in s;
const fdsOf = (s) => (s.fds || []).map((l) => fdLabels.get(l));

function writeChunk(step, withCallback) {
  const form = step.form || (hasData(step) && step.fds ? 'object'
    : step.fds ? 'fds' : hasData(step) ? 'buffer' : 'object');
  const cb = withCallback ? callback(step.socket, currentStep) : undefined;
  if (form === 'buffer') return [dataOf(step), cb];
  if (form === 'string') return [step.data, cb];
  if (form === 'fds') return [fdsOf(step), cb];
  const chunk = {};
  if (hasData(step)) chunk.data = dataOf(step);
  if (step.fds) chunk.fds = fdsOf(step);
  if (cb) chunk.callback = cb;
  return [chunk, undefined];
}

function created(labels, fds) {
  labels.forEach((l, i) => {
    fdLabels.set(l, fds[i]);
    inodes.set(inodeKey(fds[i]), l);
  });
  return null;
}

function readResult(step, r) {
  if (r === null || r === undefined) return null;
  if (Buffer.isBuffer(r)) return bytesJson({}, r);
  const j = {};
  if (r.data) bytesJson(j, r.data);
  else j.data = null;
  j.fds = (r.fds || []).map(fdName);
  (step.as || []).forEach((l, i) => { if (i < r.fds.length) fdLabels.set(l, r.fds[i]); });
  return j;
}

async function readUntil(s, size) {
  let got = Buffer.alloc(0);
  for (;;) {
    let r = s.read(size - got.length);
    if (r === null) r = s.read();
    if (r) got = Buffer.concat([got, r]);
    if (got.length >= size) break;
    const before = events.length;
    await settle();
    if (events.length === before) break;
  }
  return bytesJson({}, got);
}

function sysCall(fn) {
  try {
    return fn();
  } catch (e) {
    return { error: e.code || String(e) };
  }
}

async function execute(step) {
  const obj = (key) => objects.get(step[key]).obj;
  const cb = step.callback ? callback(step.server || step.socket || step.as, currentStep) : undefined;
  switch (step.op) {
    case 'userver': addObject(step.as, 'server', new usocket.UServer()); return null;
    case 'listen': {
      const p = path.join(dir, step.path);
      if (step.form === 'options') {
        const o = { path: p };
        if ('backlog' in step) o.backlog = step.backlog;
        return obj('server').listen(o, cb), null;
      }
      const args = [p];
      if ('backlog' in step) args.push(step.backlog);
      if (cb) args.push(cb);
      obj('server').listen(...args);
      return null;
    }
    case 'pause': obj('server').pause(); return null;
    case 'resume': obj('server').resume(); return null;
    case 'server_close': obj('server').close(); return null;
    case 'usocket': {
      // Listeners go on right after the constructor, as a user's would: every event the
      // package emits comes from the loop, later.
      const opts = 'path' in step ? { path: path.join(dir, step.path) }
        : 'fd' in step ? { fd: fdLabels.get(step.fd) } : undefined;
      const args = opts ? [opts] : [];
      if (cb) args.push(cb);
      let s;
      try {
        s = new usocket.USocket(...args);
      } finally {
        if (!s) addObject(step.as, 'socket', Object.create(usocket.USocket.prototype), false);
      }
      addObject(step.as, 'socket', s);
      return null;
    }
    case 'connect': {
      let target = 'fd' in step ? { fd: fdLabels.get(step.fd) } : path.join(dir, step.path);
      if (step.form === 'options' && 'path' in step) target = { path: target };
      obj('socket').connect(target, cb);
      return null;
    }
    case 'write': {
      const [chunk, wcb] = writeChunk(step, step.callback);
      if (wcb) obj('socket').write(chunk, wcb);
      else obj('socket').write(chunk);
      return null;
    }
    case 'end': {
      const args = hasData(step) || step.fds ? [writeChunk(step, false)[0]] : [];
      if (cb) args.push(cb);
      obj('socket').end(...args);
      return null;
    }
    case 'read': {
      const s = obj('socket');
      if ('count' in step) return readResult(step, s.read(step.size === undefined ? null : step.size, step.count));
      return readResult(step, 'size' in step ? s.read(step.size) : s.read());
    }
    case 'read_until': return readUntil(obj('socket'), step.size);
    case 'unshift':
      obj('socket').unshift(hasData(step) ? dataOf(step) : null, step.fds ? fdsOf(step) : undefined);
      return null;
    case 'destroy': obj('socket').destroy(); return null;
    case 'run': runLabels = (step.as || []).slice(); await settle(); return null;
    case 'sys.socketpair': return sysCall(() => created(step.as, sys.socketpair()));
    case 'sys.pipe': return sysCall(() => created(step.as, sys.pipe()));
    case 'sys.open_temp': return sysCall(() => {
      const f = path.join(dir, `file-${currentStep}`);
      const fd = fs.openSync(f, 'w+');
      fs.unlinkSync(f);
      return created([step.as], [fd]);
    });
    case 'sys.write': return sysCall(() => ({ ret: fs.writeSync(fdLabels.get(step.fd), dataOf(step)) }));
    case 'sys.read': return sysCall(() => {
      const b = Buffer.alloc(step.len);
      const n = fs.readSync(fdLabels.get(step.fd), b, 0, step.len, null);
      return bytesJson({ ret: n }, b.subarray(0, n));
    });
    case 'sys.lseek': return sysCall(() => ({
      ret: sys.lseek(fdLabels.get(step.fd), step.offset,
        { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2 }[step.whence || 'SEEK_SET']),
    }));
    case 'sys.close': return sysCall(() => { fs.closeSync(fdLabels.get(step.fd)); return { ret: 0 }; });
    case 'sys.give': return null;  // one process here: the label simply moves
    default: throw new Error(`unknown op ${step.op}`);
  }
}

async function main() {
  for (let i = 0; i < scenario.steps.length; i++) {
    const step = scenario.steps[i];
    currentStep = i;
    events = [];
    let result;
    try {
      result = await execute(step);
    } catch (e) {
      result = { error: errorCode(e) };
    }
    const r = { step: i, proc: step.proc, op: step.op, result };
    const evs = canonicalOrder(events);
    if (evs.length) r.events = evs;
    out(r);
  }
  out({ done: true });
  for (const { kind, obj } of objects.values()) {
    try { if (kind === 'socket') obj.destroy(); else obj.close(); } catch (e) { /* closing */ }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`adapter: ${e.stack || e}\n`);
  process.exit(3);
});
