// A run of C programs on the model, written as a kernel-level scenario (docs/scenario-format.md):
// one step per call the model served, each call's answer as its expectation, fds named by
// their objects. It replays on the sim and on the real kernel, and the page steps through it.
//
// Control buffers: the programs ran with wasm32's 12-byte cmsghdr, scenarios state sizes in
// x86-64's 16-byte one. A buffer of c >= 12 bytes becomes control_len c + 4, which holds the
// same number of fds in x86-64's layout ((c + 4 - 16) / 4 = (c - 12) / 4); what is written
// there differs only in the header sizes, which the expectations leave out.
(function (root) {
  'use strict';

  const TYPES = { 1: 'stream', 2: 'dgram', 5: 'seqpacket' };
  const SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
  const FCNTL = { 1: 'F_GETFD', 2: 'F_SETFD', 3: 'F_GETFL', 4: 'F_SETFL' };
  const HOW = { 0: 'SHUT_RD', 1: 'SHUT_WR', 2: 'SHUT_RDWR' };
  const SO = { 3: 'SO_TYPE', 7: 'SO_SNDBUF', 8: 'SO_RCVBUF', 10: 'SO_OOBINLINE', 16: 'SO_PASSCRED',
    42: 'SO_PEEK_OFF', 76: 'SO_PASSPIDFD', 83: 'SO_PASSRIGHTS', 84: 'SO_INQ' };
  const ILP32_CMSGHDR = 12;

  class ScenarioWriter {
    // kernel: posix/host.js's Kernel (the C API module and its handle).
    constructor(kernel, id) {
      this.kernel = kernel;
      this.id = id;
      this.steps = [];
      this.processes = [];
      this.bound = new Map();     // "proc/fd" -> label bound there
      this.objects = new Map();   // object id -> the label that names it
      this.used = new Set();
      this.notes = [];
    }
    addProcess(name) { this.processes.push(name); }

    label(proc, base) {
      let n = 1;
      while (this.used.has(`${proc}_${base}${n}`)) n++;
      const l = `${proc}_${base}${n}`;
      this.used.add(l);
      return l;
    }
    // Binds a fresh label to `fd` in `proc`; the object keeps its first label.
    bind(procName, procIndex, fd, base) {
      const l = this.label(procName, base);
      this.bound.set(`${procName}/${fd}`, l);
      const obj = this.kernel.k._fdlab_sim_fd_object(this.kernel.sim, procIndex, fd);
      if (obj > 0 && !this.objects.has(obj)) this.objects.set(obj, l);
      return { label: l, object: obj > 0 ? this.objects.get(obj) : l };
    }
    fdArg(procName, fd) { return this.bound.get(`${procName}/${fd}`) ?? fd; }
    names(kind, value) {
      const k = this.kernel;
      const out = k.room(256);
      const n = k.k._fdlab_sim_flag_names(kind, value, out, 256);
      const s = n > 0 ? k.k.UTF8ToString(out) : '';
      k.release();
      return n < 0 ? null : s ? s.split(',') : [];
    }

    // One call the host served: req as fdlab_posix.js read it, ans as the kernel answered.
    add(p, op, req, ans) {
      const proc = p.name;
      const step = { proc, op };
      const expect = {};
      const fd = this.fdArg(proc, req.fd);
      const ok = ans.ret >= 0;
      switch (op) {
        case 'socket':
        case 'socketpair':
          Object.assign(step, socketArgs(req.b));
          if (ok) {
            step.as = op === 'socket' ? this.bind(proc, p.index, ans.ret, 'sock').label
              : ans.out.map((f) => this.bind(proc, p.index, f, 'end').label);
          }
          break;
        case 'pipe2':
          step.op = 'pipe';
          if (req.a & SOCK_CLOEXEC) step.cloexec = true;
          if (ok) step.as = [this.bind(proc, p.index, ans.out[0], 'pipe_r').label,
            this.bind(proc, p.index, ans.out[1], 'pipe_w').label];
          break;
        case 'bind':
        case 'connect': {
          step.sock = fd;
          const a = address(req.name, req.nameLen);
          if (a.familyOnly && op === 'bind') step.op = 'autobind';
          else if (a.unspec && op === 'connect') step.op = 'disconnect';
          else Object.assign(step, a.arg);
          break;
        }
        case 'listen': step.sock = fd; step.backlog = req.a; break;
        case 'accept4':
          step.op = 'accept';
          step.sock = fd;
          Object.assign(step, flagArgs(req.a));
          if (ok) step.as = this.bind(proc, p.index, ans.ret, 'conn').label;
          break;
        case 'sendmsg': {
          step.sock = fd;
          Object.assign(step, bytes(req.data));
          const fds = req.control ? rights(req.control, req.controlLen) : [];
          if (fds === null) return this.skip(p, op, 'a control buffer other than one SCM_RIGHTS cmsg');
          if (fds.length) step.fds = fds.map((f) => this.fdArg(proc, f));
          if (req.name) {
            const a = address(req.name, req.nameLen);
            if (!a.arg) return this.skip(p, op, 'a nameless destination');
            step.dest = a.arg.abstract ? '@' + a.arg.path : a.arg.path;
          }
          if (req.a) step.flags = this.names(1, req.a);
          if (ok) expect.ret = ans.ret;
          break;
        }
        case 'recvmsg': {
          step.sock = fd;
          step.len = req.dataLen;
          if (req.a) step.flags = this.names(1, req.a);
          if (req.control) step.control_len = req.controlLen >= ILP32_CMSGHDR ? req.controlLen + 4 : req.controlLen;
          else if (req.controlLen > 0) { step.null_control = true; step.control_len = req.controlLen; }
          if (req.name) step.msg_name = true;
          if (ok) {
            const got = (ans.newFds || []).map((f) => this.bind(proc, p.index, f, 'recv'));
            if (got.length) step.as = got.map((g) => g.label);
            expect.ret = ans.ret;
            Object.assign(expect, bytes(ans.data));
            expect.fds = got.map((g) => g.object);
            expect.msg_flags = this.names(1, ans.out[0]);
          }
          break;
        }
        case 'read':
          step.fd = fd; step.len = req.dataLen;
          if (ok) { expect.ret = ans.ret; Object.assign(expect, bytes(ans.data)); }
          break;
        case 'write':
          step.fd = fd; Object.assign(step, bytes(req.data));
          if (ok) expect.ret = ans.ret;
          break;
        case 'close': step.fd = fd; break;
        case 'setrlimit': step.resource = 'RLIMIT_NOFILE'; step.soft = req.a; break;
        case 'open_temp':
          if (req.a & SOCK_CLOEXEC) step.cloexec = true;
          if (ok) step.as = this.bind(proc, p.index, ans.ret, 'file').label;
          break;
        case 'lseek':
          step.fd = fd; step.offset = req.a; step.whence = ['SEEK_SET', 'SEEK_CUR', 'SEEK_END'][req.b];
          if (ok) expect.ret = ans.ret;
          break;
        case 'fstat': return undefined;  // no state changes, and the format has no fstat
        case 'give': {
          const to = this.processes[req.a];
          step.fd = fd;
          step.to = to;
          if (ok) {
            const label = this.bound.get(`${proc}/${req.fd}`);
            this.bound.delete(`${proc}/${req.fd}`);
            if (label) this.bound.set(`${to}/${ans.ret}`, label);
          }
          break;
        }
        case 'dup':
          step.fd = fd;
          if (ok) step.as = this.bind(proc, p.index, ans.ret, 'dup').label;
          break;
        case 'fcntl':
          if (!FCNTL[req.a]) return this.skip(p, op, 'F_DUPFD: the scenario format has dup');
          step.fd = fd; step.cmd = FCNTL[req.a];
          if (req.a === 2 && req.b & 1) step.arg = ['FD_CLOEXEC'];
          if (req.a === 4) step.arg = (req.b & 0o4000 ? ['O_NONBLOCK'] : []).concat(req.b & 0o2000 ? ['O_APPEND'] : []);
          if (ok && (req.a === 1 || req.a === 3)) expect.ret = ans.ret;
          break;
        case 'shutdown': step.sock = fd; step.how = HOW[req.a]; break;
        case 'setsockopt':
        case 'getsockopt':
          step.sock = fd; step.opt = SO[req.b];
          if (op === 'setsockopt') step.value = req.c;
          break;
        case 'poll': {
          if (req.dataLen !== 8) return this.skip(p, op, 'poll over several fds (a scenario polls one)');
          const v = new DataView(req.data.buffer, req.data.byteOffset, 8);
          step.fd = this.fdArg(proc, v.getInt32(0, true));
          step.events = this.names(2, v.getInt16(4, true));
          if (ok) expect.ret = ans.ret;
          break;
        }
        case 'unlink': {
          const path = new TextDecoder().decode(req.name.subarray(0, req.nameLen));
          step.path = sandboxed(path);
          break;
        }
        default:
          return this.skip(p, op, 'no scenario op');
      }
      // Every return value the program saw, fd numbers included (fds are named by label in `as`).
      if (ok && expect.ret === undefined && !['socketpair', 'pipe2'].includes(op)) expect.ret = ans.ret;
      if (ans.sigpipe) expect.sigpipe = true;
      if (ans.ret === -4096) expect.blocked = true;
      else if (!ok) expect.errno = this.kernel.errnoName(ans.ret);
      if (Object.keys(expect).length) step.expect = expect;
      this.steps.push(step);
    }
    skip(p, op, why) {
      this.notes.push(`${p.name}'s ${op} was left out: ${why}`);
    }
    scenario(description) {
      return {
        fdlab: 1,
        id: this.id,
        level: 'kernel',
        title: 'C programs run on the model: ' + this.processes.join(', '),
        description: [description, ...this.notes].filter(Boolean).join(' '),
        tags: ['captured', 'wasm'],
        provenance: 'written by posix/host.js from a run of C programs linked with libfdlab_posix',
        processes: this.processes,
        steps: this.steps,
      };
    }
  }

  function socketArgs(type) {
    const a = { type: TYPES[type & 0xf] || 'stream' };
    if (type & SOCK_NONBLOCK) a.nonblock = true;
    if (type & SOCK_CLOEXEC) a.cloexec = true;
    return a;
  }
  function flagArgs(flags) {
    const a = {};
    if (flags & SOCK_NONBLOCK) a.nonblock = true;
    if (flags & SOCK_CLOEXEC) a.cloexec = true;
    return a;
  }
  // A socket path of the program, as a name inside the scenario's directory.
  function sandboxed(path) {
    return path.replace(/^\/+/, '').replace(/\//g, '_') || '_';
  }
  function address(name, len) {
    if (!name || len < 2) return {};
    const family = name[0] | (name[1] << 8);
    if (family === 0) return { unspec: true };
    if (len === 2) return { familyOnly: true };
    const path = name.subarray(2, len);
    if (path[0] === 0) return { arg: { path: latin1(path.subarray(1)), abstract: true } };
    const end = path.indexOf(0);
    return { arg: { path: sandboxed(latin1(end < 0 ? path : path.subarray(0, end))) } };
  }
  function latin1(b) { return Array.from(b, (c) => String.fromCharCode(c)).join(''); }
  function bytes(b) {
    if (!b || b.length === 0) return { data: '' };
    const printable = b.every((c) => c >= 0x20 && c < 0x7f);
    return printable ? { data: latin1(b) } : { data_hex: Array.from(b, (c) => c.toString(16).padStart(2, '0')).join('') };
  }
  // The fds of a control buffer that is exactly one SCM_RIGHTS cmsg (wasm32 layout), else null.
  function rights(control, len) {
    if (len < ILP32_CMSGHDR) return null;
    const v = new DataView(control.buffer, control.byteOffset, control.byteLength);
    const cmsgLen = v.getUint32(0, true);
    if (v.getInt32(4, true) !== 1 || v.getInt32(8, true) !== 1) return null;
    if (cmsgLen < ILP32_CMSGHDR || ((cmsgLen + 3) & ~3) !== len) return null;
    const fds = [];
    for (let at = ILP32_CMSGHDR; at + 4 <= cmsgLen; at += 4) fds.push(v.getInt32(at, true));
    return fds;
  }

  const api = { ScenarioWriter };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.FdlabScenarioWriter = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
