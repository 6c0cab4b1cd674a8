#!/usr/bin/env node
// Replays one usocket-level scenario (docs/scenario-format.md, "Level usocket") through the
// real usocket package and prints the trace: one JSON record per line, then {"done": true}.
// The records have the reference model's shape (core/usocket/usocket_replay.cpp), so fdlab
// compares them directly. Every scenario process runs inside this one node process, which is
// why fds appear only by label: received fds are named by fstat (dev, ino) against the
// objects the scenario created.
//
// Usage: node replay.js [--dir DIR] [--variant NAME] SCENARIO.json
// This is fdlab's adapter protocol (docs/adapter-protocol.md): the first line names the adapter,
// the library and the variant, then one record per step, then {"done": true}.
// Variants (VARIANTS below) drive the package differently where its behaviour depends on how it
// is driven, so that one crash does not hide a scenario's other findings.
// fdlab passes --dir: it owns that directory (creates it, removes it after this process exits
// or is killed), so nothing is left behind whatever node does. Without --dir the adapter makes
// its own under $TMPDIR and removes it when it exits normally.
//
// Exit status: 0 the scenario ran (its trace ends with {"done": true}); 2 the scenario was
// refused (unreadable, or a path that would leave its directory); 3 the adapter failed;
// 4 the package or the adapter's helper is not installed (run setup.sh); 64 bad usage.
// cli/usocket_adapter.cpp tells these apart; the reason is always on stderr.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const util = require('util');
const { canonicalOrder, bytesJson } = require('./trace');
const waiting = require('./waiting');

const kRefused = 2;
const kAdapterFailed = 3;
const kNotInstalled = 4;
const kUsage = 64;

function fail(status, message) {
  process.stderr.write(`adapter: ${message}\n`);
  process.exit(status);
}

// How listeners are attached to a USocket:
// - eager: every listener right after the constructor, as a user reading the README would.
// - readable-after-connected: the 'readable' listener (which makes node call _read at once)
//   only once the socket is connected: at construction for adopted and accepted sockets, on
//   'connected' for the others. The README's quick usage attaches it before connect().
const VARIANTS = ['eager', 'readable-after-connected'];

function parseArgs(argv) {
  const usage = `usage: node replay.js [--dir DIR] [--variant ${VARIANTS.join('|')}] SCENARIO.json`;
  const opts = { variant: 'eager' };
  while (argv.length && (argv[0] === '--dir' || argv[0] === '--variant')) {
    if (argv.length < 2) fail(kUsage, usage);
    opts[argv[0].slice(2)] = argv[1];
    argv = argv.slice(2);
  }
  if (!VARIANTS.includes(opts.variant)) fail(kUsage, `unknown variant '${opts.variant}': ${usage}`);
  if (argv.length !== 1 || argv[0].startsWith('--')) fail(kUsage, usage);
  return { file: argv[0], dir: opts.dir, variant: opts.variant };
}

// The package under test and the adapter's own helper, both installed and built by setup.sh.
// Without them no scenario can run, so this says which is missing and what to run, with its own
// exit status, instead of a stack trace. FDLAB_USOCKET_NODE_MODULES points at another
// node_modules (the tests use an empty one to check this message).
function loadPackages() {
  const setup = path.join(__dirname, 'setup.sh');
  const modules = process.env.FDLAB_USOCKET_NODE_MODULES || path.join(__dirname, 'node_modules');
  const firstLine = (e) => String(e && e.message ? e.message : e).split('\n')[0];
  let pkg;
  try {
    pkg = require(path.join(path.resolve(modules), 'usocket'));
  } catch (e) {
    fail(kNotInstalled, `the usocket package is not installed or not built in ${modules} ` +
      `(${firstLine(e)}): run ${setup}`);
  }
  const helper = path.join(__dirname, 'fdlab_sys', 'build', 'Release', 'fdlab_sys.node');
  let helperModule;
  try {
    helperModule = require(helper);
  } catch (e) {
    fail(kNotInstalled, `the adapter's helper ${helper} is not built (${firstLine(e)}): ` +
      `run ${setup}`);
  }
  let version = '?';
  try {
    version = require(path.join(path.resolve(modules), 'usocket', 'package.json')).version;
  } catch (e) { /* reported as '?' */ }
  return { usocket: pkg, sys: helperModule, version };
}

// The same input the C++ parser accepts: nlohmann::json skips a UTF-8 byte order mark,
// JSON.parse does not.
function readScenario(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(kRefused, `${file}: cannot be read: ${e.message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let scenario;
  try {
    scenario = JSON.parse(text);
  } catch (e) {
    fail(kRefused, `${file}: invalid JSON: ${e.message}`);
  }
  if (!scenario || !Array.isArray(scenario.steps)) fail(kRefused, `${file}: no "steps" array`);
  return scenario;
}

// The parser's rule for a usocket-level path (core/scenario_named.cpp, parse_sock_addr, with
// no abstract names at this level): a plain file name inside the scenario's directory. The C++
// parser refuses anything else before node runs; it is refused again here because node may be
// handed a file fdlab never parsed, and a path reaching the package is a path on the real
// file system.
const kMaxPathBytes = 4 * 108;
function pathProblem(p) {
  if (typeof p !== 'string') return 'expected a string';
  if (p.length === 0) return 'must not be empty';
  if (Buffer.byteLength(p, 'utf8') > kMaxPathBytes) return `longer than ${kMaxPathBytes} bytes`;
  if (p.includes('\0')) return 'must not contain NUL';
  if (p[0] === '/') return "must be relative to the scenario's directory";
  if (p.includes('/')) return "must be a plain name: no '/' (it would leave the scenario's directory)";
  if (p === '.' || p === '..') return `'${p}' is a directory`;
  return null;
}

// Every step is checked before the first one runs, so a refused scenario creates nothing.
function checkPaths(scenario, file) {
  scenario.steps.forEach((step, i) => {
    if (!step || typeof step !== 'object') fail(kRefused, `${file}: step ${i}: expected an object`);
    if ('abstract' in step) {
      fail(kRefused, `${file}: step ${i}: field 'abstract': this op takes a file path, never an ` +
        'abstract name');
    }
    if (!('path' in step)) return;
    const problem = pathProblem(step.path);
    if (problem) fail(kRefused, `${file}: step ${i}: field 'path': ${problem}`);
  });
}

// The scenario's directory becomes the cwd, and paths reach the package exactly as written
// (plain names, checked above), as on the native backend: nothing is joined onto a prefix,
// and the 108-byte sun_path limit is measured on the scenario's own name.
function enterDirectory(given) {
  let dir = given;
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-usocket-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  try {
    process.chdir(dir);
  } catch (e) {
    fail(kAdapterFailed, `cannot enter the scenario's directory ${dir}: ${e.message}`);
  }
  return dir;
}

const cli = parseArgs(process.argv.slice(2));
const { usocket, sys, version } = loadPackages();
const scenario = readScenario(cli.file);
checkPaths(scenario, cli.file);
const dir = enterDirectory(cli.dir);

const objects = new Map();   // label -> {id, kind, obj}
const names = [];            // creation index -> label
const fdLabels = new Map();  // fd label -> fd number
const inodes = new Map();    // "dev:ino" -> object label, for the files and sockets made here
let events = [];
let runLabels = [];          // labels for the sockets a 'run' step accepts
let generated = 0;
let currentStep = 0;

// One record per line, written as its step finishes: writes to a pipe are synchronous in node
// on Linux, so if this process hangs or dies fdlab knows the last step that finished.
function out(record) { process.stdout.write(JSON.stringify(record) + '\n'); }

function inodeKey(fd) {
  const st = fs.fstatSync(fd, { bigint: true });
  // A pipe's two ends are two descriptions of one inode: the access mode tells them apart.
  const mode = st.isFIFO() ? `:${sys.getfl(fd) & 3}` : '';
  return `${st.dev}:${st.ino}${mode}`;
}

// A socket the package made (listen, connect, accept) is named by the object holding it, when
// the package exposes its fd (obj.fd); what the scenario made keeps the scenario's label.
function nameLibrarySocket(label, fd) {
  if (typeof fd !== 'number') return;
  try {
    const key = inodeKey(fd);
    if (!inodes.has(key)) inodes.set(key, label);
  } catch (e) { /* not open (any more): nothing to name */ }
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

// `connected`: the socket has its fd already (adopted or accepted), so its 'readable'
// listener goes on at once in every variant.
function addObject(label, kind, obj, watch = true, connected = false) {
  objects.set(label, { id: names.length, kind, obj });
  names.push(label);
  if (!watch) return;
  if (kind === 'socket') watchSocket(label, obj, connected);
  else watchServer(label, obj);
}

function watchSocket(label, s, connected) {
  s.on('connected', () => {
    nameLibrarySocket(label, s.fd);
    record(label, 'connected');
  });
  s.on('drain', () => record(label, 'drain'));
  const onReadable = () => record(label, 'readable');
  if (cli.variant === 'readable-after-connected' && !connected) {
    s.once('connected', () => s.on('readable', onReadable));
  } else {
    s.on('readable', onReadable);
  }
  s.on('fds', (fds) => record(label, 'fds', { fds: fds.map(fdName) }));
  s.on('end', () => record(label, 'end'));
  s.on('close', () => record(label, 'close'));
  s.on('error', (err) => record(label, 'error', { code: errorCode(err) }));
}

function watchServer(label, srv) {
  srv.on('listening', () => {
    nameLibrarySocket(label, srv.fd);
    record(label, 'listening');
  });
  srv.on('error', (err) => record(label, 'error', { code: errorCode(err) }));
  srv.on('connection', (sock) => {
    const name = runLabels.length ? runLabels.shift() : `connection@${currentStep}.${generated++}`;
    addObject(name, 'socket', sock, true, true);
    nameLibrarySocket(name, sock.fd);
    record(label, 'connection', { socket: name });
  });
}

// A callback called with an error says so (`error`: its code); any other argument (the package
// hands a write({callback}) its chunk) is not an error.
const isError = (x) => util.types.isNativeError(x) || x instanceof Error;
function callback(label, step) {
  return (arg) => record(label, 'callback', isError(arg) ? { step, error: errorCode(arg) } : { step });
}

// write()'s own return value as the trace shows it: node's true or false; null when the
// package returns nothing (its write() override drops the Writable's answer).
function returned(r) {
  if (typeof r === 'boolean') return r;
  return r === undefined || r === null ? null : `<${typeof r}>`;
}

// The open fds with their fd flags, from /proc/self/fd. The listing holds the fd that read the
// directory, closed by the time it is returned: F_GETFD says EBADF for it, and it is left out.
function fdFlags() {
  const open = new Map();
  for (const fd of fs.readdirSync('/proc/self/fd').map(Number)) {
    try {
      open.set(fd, sys.getfd(fd));
    } catch (e) { /* the directory's fd */ }
  }
  return open;
}

// The fds open before step 0 (node's own, the adapter's) are not the scenario's. node sets up
// process.stdout on first use, and for a pipe that opens an fd of its own (/dev/null, measured
// on node 20): set it up first.
void process.stdout;
const fdsAtStart = new Set(fdFlags().keys());

// open_fds: every fd opened since the scenario began, named as received fds are, with its
// FD_CLOEXEC; sorted by name, then cloexec, as the reference sorts them.
function openFds() {
  const open = [];
  for (const [fd, flags] of fdFlags()) {
    if (fdsAtStart.has(fd)) continue;
    open.push({ object: fdName(fd), cloexec: (flags & 1) !== 0 });  // FD_CLOEXEC is 1
  }
  open.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : a.cloexec - b.cloexec));
  return { open };
}

// A callback given to the constructor is a 'connected' listener the package registers before
// the adapter can attach its own, and node runs listeners in registration order: recorded at
// once, it would come before the very event it listens to. Its record waits until that emit
// is over (a microtask); when the callback ran is unchanged.
function constructorCallback(label, step) {
  return () => queueMicrotask(() => record(label, 'callback', { step }));
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
      const p = step.path;
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
      const opts = 'path' in step ? { path: step.path }
        : 'fd' in step ? { fd: fdLabels.get(step.fd) } : undefined;
      const args = opts ? [opts] : [];
      if (cb) args.push(opts ? constructorCallback(step.as, currentStep) : cb);
      let s;
      try {
        s = new usocket.USocket(...args);
      } finally {
        if (!s) addObject(step.as, 'socket', Object.create(usocket.USocket.prototype), false);
      }
      addObject(step.as, 'socket', s, true, 'fd' in step);
      return null;
    }
    case 'connect': {
      let target = 'fd' in step ? { fd: fdLabels.get(step.fd) } : step.path;
      if (step.form === 'options' && 'path' in step) target = { path: target };
      obj('socket').connect(target, cb);
      return null;
    }
    case 'write': {
      const [chunk, wcb] = writeChunk(step, step.callback);
      return returned(wcb ? obj('socket').write(chunk, wcb) : obj('socket').write(chunk));
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
    case 'read_until': return waiting.readUntil(obj('socket'), step.size, () => events.length);
    case 'unshift':
      obj('socket').unshift(hasData(step) ? dataOf(step) : null, step.fds ? fdsOf(step) : undefined);
      return null;
    case 'destroy': obj('socket').destroy(); return null;
    case 'run': runLabels = (step.as || []).slice(); await waiting.settle(() => events.length); return null;
    case 'open_fds': return openFds();
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
  out({ adapter: 'usocket', library: `usocket@${version}`, protocol: 1, variant: cli.variant });
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
  process.exit(0);
}

main().catch((e) => {
  fail(kAdapterFailed, e.stack || String(e));
});
