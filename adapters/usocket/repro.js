#!/usr/bin/env node
// Writes a standalone node script that reproduces one finding of `fdlab report` against the
// installed usocket package: the scenario's steps up to the finding's step as plain calls of
// the package's API, in the order and with the listeners adapters/usocket/replay.js uses (its
// variant included), and a check of that step's record against the difference the report saw.
//
// Usage: node repro.js SPEC.json SCENARIO.json [DIR]   (the script goes to stdout)
// SPEC (cli/repro_scripts.cpp): {finding, title, scenario, variant, upto, difference, reference}.
'use strict';

const fs = require('fs');
const { bytesJson, canonicalOrder } = require('./trace');

const [specFile, scenarioFile] = process.argv.slice(2);
if (!specFile || !scenarioFile) {
  process.stderr.write('usage: node repro.js SPEC.json SCENARIO.json\n');
  process.exit(64);
}
const spec = JSON.parse(fs.readFileSync(specFile, 'utf8'));
let text = fs.readFileSync(scenarioFile, 'utf8');
if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
const steps = JSON.parse(text).steps.slice(0, spec.upto + 1);

const q = (v) => JSON.stringify(v);
const hasData = (s) => 'data' in s || 'data_hex' in s || 'data_size' in s;

function dataExpr(s) {
  if ('data' in s) return `Buffer.from(${q(s.data)})`;
  if ('data_hex' in s) return `Buffer.from(${q(s.data_hex)}, 'hex')`;
  return `bytes(${s.data_size})`;
}
const fdsExpr = (s) => `[${(s.fds || []).map((l) => `fd[${q(l)}]`).join(', ')}]`;
const obj = (label) => `obj[${q(label)}]`;

// The JavaScript of one step, as replay.js's execute() does it; `cb` registers the step's
// callback when it asks for one.
function code(s, i) {
  const cbOf = (label) => (s.callback ? `cb(${q(label)}, ${i})` : null);
  switch (s.op) {
    case 'userver': return `${obj(s.as)} = watchServer(${q(s.as)}, new usocket.UServer());`;
    case 'listen': {
      const cb = cbOf(s.server);
      if (s.form === 'options') {
        const o = 'backlog' in s ? `{ path: ${q(s.path)}, backlog: ${s.backlog} }` : `{ path: ${q(s.path)} }`;
        return `${obj(s.server)}.listen(${o}${cb ? `, ${cb}` : ''});`;
      }
      const args = [q(s.path)];
      if ('backlog' in s) args.push(String(s.backlog));
      if (cb) args.push(cb);
      return `${obj(s.server)}.listen(${args.join(', ')});`;
    }
    case 'pause': return `${obj(s.server)}.pause();`;
    case 'resume': return `${obj(s.server)}.resume();`;
    case 'server_close': return `${obj(s.server)}.close();`;
    case 'usocket': {
      const opts = 'path' in s ? `{ path: ${q(s.path)} }` : 'fd' in s ? `{ fd: fd[${q(s.fd)}] }` : null;
      const args = [];
      if (opts) args.push(opts);
      if (s.callback) args.push(opts ? `constructorCb(${q(s.as)}, ${i})` : `cb(${q(s.as)}, ${i})`);
      return `${obj(s.as)} = watchSocket(${q(s.as)}, () => new usocket.USocket(${args.join(', ')}), ${'fd' in s});`;
    }
    case 'connect': {
      let target = 'fd' in s ? `{ fd: fd[${q(s.fd)}] }` : q(s.path);
      if (s.form === 'options' && 'path' in s) target = `{ path: ${q(s.path)} }`;
      return `${obj(s.socket)}.connect(${target}, ${cbOf(s.socket) || 'undefined'});`;
    }
    case 'write': case 'end': {
      const form = s.form || (hasData(s) && s.fds ? 'object' : s.fds ? 'fds' : hasData(s) ? 'buffer' : 'object');
      const cb = cbOf(s.socket);
      let chunk;
      let nodeCb = null;
      if (form === 'buffer') { chunk = dataExpr(s); nodeCb = cb; }
      else if (form === 'string') { chunk = q(s.data); nodeCb = cb; }
      else if (form === 'fds') { chunk = fdsExpr(s); nodeCb = cb; }
      else {
        const parts = [];
        if (hasData(s)) parts.push(`data: ${dataExpr(s)}`);
        if (s.fds) parts.push(`fds: ${fdsExpr(s)}`);
        if (cb && s.op === 'write') parts.push(`callback: ${cb}`);
        chunk = `{ ${parts.join(', ')} }`;
        if (s.op === 'end') nodeCb = cb;
      }
      if (s.op === 'end') {
        const args = hasData(s) || s.fds ? [chunk] : [];
        if (nodeCb) args.push(nodeCb);
        return `${obj(s.socket)}.end(${args.join(', ')});`;
      }
      return `result = returned(${obj(s.socket)}.write(${chunk}${nodeCb ? `, ${nodeCb}` : ''}));`;
    }
    case 'read': {
      const size = s.size === undefined || s.size === null ? 'null' : String(s.size);
      if ('count' in s) {
        const count = s.count === null ? 'null' : String(s.count);
        return `result = readResult(${obj(s.socket)}.read(${size}, ${count}), ${q(s.as || [])});`;
      }
      return `result = readResult(${obj(s.socket)}.read(${'size' in s ? size : ''}));`;
    }
    case 'read_until': return `result = await readUntil(${obj(s.socket)}, ${s.size}, () => events.length);`;
    case 'unshift':
      return `${obj(s.socket)}.unshift(${hasData(s) ? dataExpr(s) : 'null'}${s.fds ? `, ${fdsExpr(s)}` : ''});`;
    case 'destroy': return `${obj(s.socket)}.destroy();`;
    case 'run': return `connectionLabels = ${q(s.as || [])}; await settle(() => events.length);`;
    case 'open_fds': return 'result = openFds();';
    case 'sys.socketpair': return `created(${q(s.as)}, sys.socketpair());`;
    case 'sys.pipe': return `created(${q(s.as)}, sys.pipe());`;
    case 'sys.open_temp': return `created([${q(s.as)}], [tempFile()]);`;
    case 'sys.write': return `result = { ret: fs.writeSync(fd[${q(s.fd)}], ${dataExpr(s)}) };`;
    case 'sys.read':
      return `{ const b = Buffer.alloc(${s.len}); const n = fs.readSync(fd[${q(s.fd)}], b, 0, ${s.len}, null); ` +
        'result = bytesJson({ ret: n }, b.subarray(0, n)); }';
    case 'sys.close': return `fs.closeSync(fd[${q(s.fd)}]); result = { ret: 0 };`;
    case 'sys.give': return '// sys.give: one process here, the label simply moves';
    default: throw new Error(`repro.js: no code for op ${s.op}`);
  }
}

// Consecutive identical setup steps (hundreds of sys.open_temp) become one loop.
function body() {
  const out = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    const { expect, ...shown } = s;  // eslint-disable-line no-unused-vars
    if (s.op === 'sys.open_temp' && i + 1 < steps.length && steps[i + 1].op === 'sys.open_temp') {
      let j = i;
      const labels = [];
      while (j < steps.length && steps[j].op === 'sys.open_temp' && j < spec.upto) labels.push(steps[j++].as);
      if (labels.length > 1) {
        out.push(`  // steps ${i}–${j - 1}: sys.open_temp × ${labels.length}`);
        out.push(`  for (const label of ${q(labels)}) { created([label], [tempFile()]); }`);
        out.push(`  for (let i = ${i}; i < ${j}; i++) step(i);`);
        i = j - 1;
        continue;
      }
    }
    out.push(`  // step ${i}: ${JSON.stringify(shown).slice(0, 200)}`);
    out.push(`  result = null;`);
    out.push(`  try {`);
    out.push(`    ${code(s, i)}`);
    out.push(`  } catch (e) { result = { error: errorCode(e) }; }`);
    out.push(`  step(${i});`);
  }
  return out.join('\n');
}

const usesSys = steps.some((s) => ['sys.socketpair', 'sys.pipe', 'open_fds'].includes(s.op));
const listsFds = steps.some((s) => s.op === 'open_fds');
const ref = spec.reference.find((r) => r.step === spec.upto);
// Only what the check and a reader need: the kind, and the two sides.
const d = {};
for (const k of ['delta', 'event', 'pkg_event', 'ref', 'pkg', 'stopped']) {
  if (k in spec.difference) d[k] = spec.difference[k];
}

const script = `#!/usr/bin/env node
// usocket finding '${spec.finding}': ${spec.title}
// Generated by \`fdlab report --write\` (adapters/usocket/repro.js) from ${spec.scenario},
// steps 0–${spec.upto}${spec.variant === 'eager' ? '' : `, adapter variant ${spec.variant}`}. Do not edit: regenerate.
//
// Run: node ${'adapters/usocket/repro/' + spec.finding + '.js'}
// It uses the usocket package installed next to it (adapters/usocket/node_modules, or the one
// in $FDLAB_USOCKET_NODE_MODULES), runs the steps in a child node (so a crash or a hang of the
// package is seen, not suffered), prints each step's record, and exits 0 when the finding
// reproduced, 1 when it did not.
//
// The reference at step ${spec.upto}: ${JSON.stringify(ref)}
// The difference the report saw: ${JSON.stringify(d).slice(0, 600)}
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const modules = process.env.FDLAB_USOCKET_NODE_MODULES || path.join(__dirname, '..', 'node_modules');
const STEP = ${spec.upto};
const DIFFERENCE = ${JSON.stringify(d)};
const REFERENCE = ${JSON.stringify(ref || null)};

// Whether every field of \`want\` is in \`got\` (events are compared by their fields).
function has(got, want) {
  if (want === null || typeof want !== 'object') return JSON.stringify(got) === JSON.stringify(want);
  return got !== null && typeof got === 'object' && Object.keys(want).every((k) => has(got[k], want[k]));
}

function check(child) {
  const records = child.stdout.split('\\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const rec = records.find((r) => r.step === STEP);
  const events = (rec && rec.events) || [];
  const timedOut = !!child.error && child.error.code === 'ETIMEDOUT';
  switch (DIFFERENCE.delta) {
    // The run never finished the finding's step: it hung (killed after 10 s) or died by a
    // signal there (a crash may strike just before or just after the step's record).
    case 'never_ran':
      if (/a hang/.test(DIFFERENCE.stopped)) return timedOut && !records.some((r) => r.step > STEP);
      return !timedOut && child.signal !== null && !records.some((r) => r.step > STEP);
    case 'missing_event': return !!rec && !events.some((e) => has(e, DIFFERENCE.event));
    case 'extra_event': return !!rec && events.some((e) => has(e, DIFFERENCE.event));
    case 'event_differs': return !!rec && events.some((e) => has(e, DIFFERENCE.pkg_event));
    case 'event_order': return !!rec && JSON.stringify(events) === JSON.stringify(DIFFERENCE.pkg);
    // A result that differs from the reference's (how much data got through may vary by run).
    case 'result': return !!rec && JSON.stringify(rec.result) !== JSON.stringify(DIFFERENCE.ref);
    // One fd of an open_fds listing: the package's entry is there (flags, extra) or one of the
    // reference's is not.
    case 'open_fd_flags': case 'open_fd_extra':
      return !!rec && rec.result && (rec.result.open || []).some((e) => has(e, DIFFERENCE.pkg));
    case 'open_fd_missing': {
      if (!rec || !rec.result) return false;
      const count = (list) => list.filter((e) => has(e, DIFFERENCE.ref)).length;
      const ref = REFERENCE && REFERENCE.result ? count(REFERENCE.result.open || []) : 1;
      return count(rec.result.open || []) < ref;
    }
    default: return false;
  }
}

if (process.argv[2] !== '--steps') {
  const child = spawnSync(process.execPath, [__filename, '--steps'], { encoding: 'utf8', timeout: 10000 });
  process.stdout.write(child.stdout);
  if (child.signal) console.log(\`node was killed by \${child.signal}\${child.error ? ' (' + child.error.code + ')' : ''}\`);
  const err = child.stderr.trim().split('\\n').slice(-3).join('\\n');
  if (err) console.log('stderr: ' + err);
  const reproduced = check(child);
  console.log(reproduced ? 'REPRODUCED' : 'NOT REPRODUCED');
  process.exit(reproduced ? 0 : 1);
}

const usocket = require(path.join(modules, 'usocket'));
${usesSys ? "// socketpair, pipe and F_GETFD: node has no call for them; fdlab's helper addon (adapters/usocket/fdlab_sys).\nconst sys = require(path.join(__dirname, '..', 'fdlab_sys', 'build', 'Release', 'fdlab_sys.node'));\n" : ''}const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'usocket-repro-'));
process.chdir(dir);
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

const obj = {};      // label -> UServer or USocket
const fd = {};       // label -> fd number
const ids = {};      // label -> creation index, for the event order replay.js uses
const inodes = {};   // "dev:ino" -> label: received fds are named by the object behind them
let events = [];
let result = null;
let connectionLabels = [];

const kInline = ${require('./trace').kInline};
${fnv1aSource()}
${printableSource()}
${bytesJson.toString()}
${canonicalOrder.toString()}

function step(i) {
  const r = { step: i, result };
  const evs = canonicalOrder(events);
  if (evs.length) r.events = evs;
  console.log(JSON.stringify(r));
  events = [];
}
function record(label, event, extra) { events.push(Object.assign({ id: ids[label], on: label, event }, extra || {})); }
function inodeKey(n) {
  const st = fs.fstatSync(n, { bigint: true });
  return \`\${st.dev}:\${st.ino}\${st.isFIFO() ? ':' + (sys.getfl(n) & 3) : ''}\`;  // a pipe's two ends
}
// A socket the package made is named by the object holding it, once the package shows its fd.
function nameLibrarySocket(label, n) {
  if (typeof n !== 'number') return;
  try { const k = inodeKey(n); if (!inodes[k]) inodes[k] = label; } catch (e) { /* closed */ }
}
// write()'s own answer: true or false; null when the package returns nothing.
function returned(r) { return typeof r === 'boolean' ? r : r === undefined || r === null ? null : \`<\${typeof r}>\`; }
${listsFds ? `// The fds opened since the start, each named by its object, with FD_CLOEXEC.
function fdFlags() {
  const open = new Map();
  for (const n of fs.readdirSync('/proc/self/fd').map(Number)) {
    try { open.set(n, sys.getfd(n)); } catch (e) { /* the directory's own fd */ }
  }
  return open;
}
void process.stdout;  // node opens an fd for it on first use: before the snapshot
const fdsAtStart = new Set(fdFlags().keys());
function openFds() {
  const open = [];
  for (const [n, flags] of fdFlags()) if (!fdsAtStart.has(n)) open.push({ object: fdName(n), cloexec: (flags & 1) !== 0 });
  open.sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : a.cloexec - b.cloexec));
  return { open };
}` : ''}
function fdName(n) { try { return inodes[inodeKey(n)] || 'object#?'; } catch (e) { return \`<bad fd \${n}>\`; } }
function created(labels, fds) { labels.forEach((l, i) => { fd[l] = fds[i]; inodes[inodeKey(fds[i])] = l; }); }
function tempFile() { const f = path.join(dir, 'f' + Object.keys(fd).length); const n = fs.openSync(f, 'w+'); fs.unlinkSync(f); return n; }
function bytes(n) { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = 97 + (i % 26); return b; }
// A callback called with an error says so; the package hands a {callback} its chunk, no error.
function cb(label, step) {
  return (arg) => record(label, 'callback', arg instanceof Error ? { step, error: errorCode(arg) } : { step });
}
function constructorCb(label, step) { return () => queueMicrotask(() => record(label, 'callback', { step })); }
function errorCode(err) { return err && err.code ? err.code : \`Error: \${err && err.message}\`; }
function watchServer(label, srv) {
  ids[label] = Object.keys(ids).length;
  srv.on('listening', () => { nameLibrarySocket(label, srv.fd); record(label, 'listening'); });
  srv.on('error', (err) => record(label, 'error', { code: errorCode(err) }));
  srv.on('connection', (sock) => {
    const name = connectionLabels.length ? connectionLabels.shift() : 'connection';
    obj[name] = watchSocket(name, () => sock, true);
    nameLibrarySocket(name, sock.fd);
    record(label, 'connection', { socket: name });
  });
  return srv;
}
// \`make\` builds the socket, so its label is known before any event of the constructor.
function watchSocket(label, make, connected) {
  ids[label] = Object.keys(ids).length;
  const s = make();
  s.on('connected', () => { nameLibrarySocket(label, s.fd); record(label, 'connected'); });
  s.on('drain', () => record(label, 'drain'));
  const onReadable = () => record(label, 'readable');
  ${spec.variant === 'readable-after-connected'
    ? "if (connected) s.on('readable', onReadable); else s.once('connected', () => s.on('readable', onReadable));"
    : "s.on('readable', onReadable);"}
  s.on('fds', (fds) => record(label, 'fds', { fds: fds.map(fdName) }));
  s.on('end', () => record(label, 'end'));
  s.on('close', () => record(label, 'close'));
  s.on('error', (err) => record(label, 'error', { code: errorCode(err) }));
  return s;
}
function readResult(r, labels) {
  if (r === null || r === undefined) return null;
  if (Buffer.isBuffer(r)) return bytesJson({}, r);
  const j = {};
  if (r.data) bytesJson(j, r.data); else j.data = null;
  j.fds = (r.fds || []).map(fdName);
  (labels || []).forEach((l, i) => { if (i < r.fds.length) fd[l] = r.fds[i]; });
  return j;
}
// How fdlab's adapter waits for the package (adapters/usocket/waiting.js): until nothing has
// been emitted for 60 ms, at most 5 s; read_until reads between such waits.
${require('./waiting').settle.toString()}
${require('./waiting').readUntil.toString()}

(async () => {
${body()}
  await settle(() => events.length);  // what the package does next, a crash included, happens first
  process.exit(0);
})();
`;

function fnv1aSource() { return require('./trace').fnv1a.toString(); }
function printableSource() { return require('./trace').printable.toString(); }

process.stdout.write(script);
