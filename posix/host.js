// The host of C programs on the model: one simulated kernel (fdlab_kernel.js, the C API of
// capi/ built with Emscripten) shared by every process of a run, each process an instance of
// a program built with libfdlab_posix. Node and the page load this same file.
//
// Scheduling is deterministic: JavaScript runs one instance at a time, and an instance gives
// way at each call into the kernel (Asyncify). A call that would wait is retried after any
// other process's call; when every live process waits, nothing can ever wake them: on Linux
// the program would hang there, here each waiting call fails with EDEADLK and the run reports
// the deadlock with who waited where.
(function (root) {
  'use strict';

  const BLOCKED = -4096;
  const UNSUPPORTED = -4097;
  // posix/fdlab_posix.c's request ops, in order.
  const OPS = [null, 'socket', 'socketpair', 'pipe2', 'bind', 'listen', 'connect', 'accept4',
    'sendmsg', 'recvmsg', 'read', 'write', 'close', 'dup', 'fcntl', 'shutdown', 'setsockopt',
    'getsockopt', 'poll', 'unlink', 'use_process', 'give', 'fstat',
    'open_temp', 'lseek', 'setrlimit'];
  // wasm32's struct cmsghdr (musl): cmsg_len, cmsg_level, cmsg_type, 4 bytes each.
  const CMSG_HDR = 12;

  class Kernel {
    constructor(k) {
      this.k = k;
      this.sim = k._fdlab_sim_new();
      this.temps = [];
    }
    bytes(src) {
      const p = this.k._malloc(Math.max(1, src ? src.length : 0));
      if (src) this.k.HEAPU8.set(src, p);
      this.temps.push(p);
      return p;
    }
    room(n) { return this.bytes(new Uint8Array(n)); }
    i32(p, v) { if (v !== undefined) this.k.HEAP32[p >> 2] = v; return this.k.HEAP32[p >> 2]; }
    read(p, n) { return this.k.HEAPU8.slice(p, p + n); }
    release() { for (const p of this.temps) this.k._free(p); this.temps = []; }
    errnoName(err) {
      return this.k.UTF8ToString(this.k._fdlab_sim_errno_name(err));
    }
    // One request of fdlab_posix.c against the C API; {ret, out, data, control, name, newFds}.
    call(proc, req) {
      const k = this.k, s = this.sim, fd = req.fd;
      const ans = { ret: 0, out: [], newFds: [] };
      try {
        switch (OPS[req.op]) {
          case 'socket':
            ans.ret = k._fdlab_sim_socket(s, proc, req.a, req.b, req.c);
            if (ans.ret >= 0) ans.newFds = [ans.ret];
            break;
          case 'socketpair':
          case 'pipe2': {
            const sv = this.room(8);
            ans.ret = OPS[req.op] === 'socketpair'
              ? k._fdlab_sim_socketpair(s, proc, req.a, req.b, req.c, sv)
              : k._fdlab_sim_pipe2(s, proc, sv, req.a);
            if (ans.ret >= 0) ans.out = ans.newFds = [this.i32(sv), this.i32(sv + 4)];
            break;
          }
          case 'bind':
          case 'connect': {
            const f = OPS[req.op] === 'bind' ? k._fdlab_sim_bind : k._fdlab_sim_connect;
            ans.ret = f(s, proc, fd, req.name ? this.bytes(req.name) : 0, req.nameLen);
            break;
          }
          case 'listen': ans.ret = k._fdlab_sim_listen(s, proc, fd, req.a); break;
          case 'accept4': {
            const name = req.name ? this.room(req.nameLen) : 0;
            const len = this.room(4);
            this.i32(len, req.nameLen);
            ans.ret = k._fdlab_sim_accept4(s, proc, fd, name, req.name ? len : 0, req.a);
            if (ans.ret >= 0) {
              ans.newFds = [ans.ret];
              if (name) { ans.name = this.read(name, req.nameLen); ans.out = [0, 0, this.i32(len)]; }
            }
            break;
          }
          case 'sendmsg': {
            const msg = this.msghdr(this.bytes(req.data), req.dataLen,
              req.control ? this.bytes(req.control) : 0, req.controlLen,
              req.name ? this.bytes(req.name) : 0, req.nameLen);
            ans.ret = k._fdlab_sim_sendmsg(s, proc, fd, msg, req.a);
            ans.sigpipe = k._fdlab_sim_raised_sigpipe(s) === 1;
            break;
          }
          case 'recvmsg': {
            const data = this.room(req.dataLen);
            const control = req.control ? this.room(req.controlLen) : 0;
            const name = req.name ? this.room(req.nameLen) : 0;
            const msg = this.msghdr(data, req.dataLen, control, req.controlLen, name, req.nameLen);
            ans.ret = k._fdlab_sim_recvmsg(s, proc, fd, msg, req.a);
            if (ans.ret >= 0) {
              ans.data = this.read(data, Math.min(ans.ret, req.dataLen));
              const controllen = this.i32(msg + 20);
              if (control) ans.control = this.read(control, req.controlLen);
              if (name) ans.name = this.read(name, req.nameLen);
              ans.out = [this.i32(msg + 24), controllen, this.i32(msg + 4)];
              ans.newFds = ans.control ? rightsIn(ans.control, controllen) : [];
            }
            break;
          }
          case 'read': {
            const buf = this.room(req.dataLen);
            ans.ret = k._fdlab_sim_read(s, proc, fd, buf, req.dataLen);
            if (ans.ret >= 0) ans.data = this.read(buf, ans.ret);
            break;
          }
          case 'write':
            ans.ret = k._fdlab_sim_write(s, proc, fd, this.bytes(req.data), req.dataLen);
            ans.sigpipe = k._fdlab_sim_raised_sigpipe(s) === 1;
            break;
          case 'close': ans.ret = k._fdlab_sim_close(s, proc, fd); break;
          case 'dup':
            ans.ret = k._fdlab_sim_dup(s, proc, fd);
            if (ans.ret >= 0) ans.newFds = [ans.ret];
            break;
          case 'fcntl':
            ans.ret = k._fdlab_sim_fcntl(s, proc, fd, req.a, req.b);
            if (ans.ret >= 0 && req.a === 0) ans.newFds = [ans.ret];  // F_DUPFD
            break;
          case 'shutdown': ans.ret = k._fdlab_sim_shutdown(s, proc, fd, req.a); break;
          case 'setsockopt': ans.ret = k._fdlab_sim_setsockopt(s, proc, fd, req.a, req.b, req.c); break;
          case 'getsockopt': {
            const v = this.room(4);
            ans.ret = k._fdlab_sim_getsockopt(s, proc, fd, req.a, req.b, v);
            ans.out = [0, 0, 0, this.i32(v)];
            break;
          }
          case 'poll': {
            const p = this.bytes(req.data);
            ans.ret = k._fdlab_sim_poll(s, proc, p, req.dataLen / 8);
            if (ans.ret >= 0) ans.data = this.read(p, req.dataLen);
            break;
          }
          case 'unlink': {
            const path = new Uint8Array(req.nameLen + 1);
            path.set(req.name.subarray(0, req.nameLen));
            ans.ret = k._fdlab_sim_unlink(s, proc, this.bytes(path));
            break;
          }
          case 'open_temp':
            ans.ret = k._fdlab_sim_open_temp(s, proc, req.a);
            if (ans.ret >= 0) ans.newFds = [ans.ret];
            break;
          case 'setrlimit': ans.ret = k._fdlab_sim_setrlimit_nofile(s, proc, req.a); break;
          case 'lseek': ans.ret = k._fdlab_sim_lseek(s, proc, fd, req.a, req.b); break;
          case 'fstat': {
            const object = k._fdlab_sim_fd_object(s, proc, fd);
            ans.ret = object < 0 ? object : k._fdlab_sim_fd_type(s, proc, fd);
            if (ans.ret >= 0) { ans.out = [object, ans.ret]; ans.ret = 0; }
            break;
          }
          case 'give':
            ans.ret = k._fdlab_sim_give(s, proc, fd, req.a);
            break;
          default:
            throw new Error('fdlab host: unknown request ' + req.op);
        }
      } finally {
        this.release();
      }
      return ans;
    }
    msghdr(data, dataLen, control, controlLen, name, nameLen) {
      // wasm32 musl: msg_name, msg_namelen, msg_iov, msg_iovlen, msg_control, msg_controllen,
      // msg_flags (4 bytes each); struct iovec: iov_base, iov_len.
      const iov = this.room(8);
      this.i32(iov, data); this.i32(iov + 4, dataLen);
      const m = this.room(28);
      [name, nameLen, iov, 1, control, controlLen, 0].forEach((v, i) => this.i32(m + 4 * i, v));
      return m;
    }
  }

  // The fds of every SCM_RIGHTS cmsg in `control` (the first `used` bytes).
  function rightsIn(control, used) {
    const view = new DataView(control.buffer, control.byteOffset, control.byteLength);
    const fds = [];
    for (let at = 0; at + CMSG_HDR <= used;) {
      const len = view.getUint32(at, true);
      if (len < CMSG_HDR) break;
      if (view.getInt32(at + 4, true) === 1 && view.getInt32(at + 8, true) === 1)
        for (let i = at + CMSG_HDR; i + 4 <= Math.min(at + len, used); i += 4) fds.push(view.getInt32(i, true));
      at += (len + 3) & ~3;
    }
    return fds;
  }

  // A run: processes, the calls they made (the log) and how each ended.
  class Host {
    // options.id: the id of the scenario the run is written as (ScenarioWriter).
    constructor(kernelModule, options = {}) {
      this.kernel = new Kernel(kernelModule);
      const Writer = typeof module !== 'undefined' && module.exports
        ? require('./scenario_writer.js').ScenarioWriter : root.FdlabScenarioWriter.ScenarioWriter;
      this.writer = new Writer(this.kernel, options.id || 'programs/run');
      this.processes = [];  // {name, index, alive, waiting, exit, output}
      this.log = [];
      this.deadlock = null;
      this.waiters = [];    // resolvers of calls waiting for another process's call
    }
    errnoName(err) { return this.kernel.errnoName(err); }
    getpid(module) {
      const p = this.processes[module.fdlabProcess];
      return p ? this.kernel.k._fdlab_sim_getpid(this.kernel.sim, p.index) : 0;
    }
    process(name, extra = {}) {
      const index = this.kernel.k._fdlab_sim_add_process(this.kernel.sim);
      const p = { name, index, alive: true, waiting: null, exit: null, output: [], ...extra };
      this.processes[index] = p;
      this.writer.addProcess(name);
      return p;
    }
    processOf(module) {
      if (module.fdlabProcess === undefined) throw new Error('fdlab host: an instance with no process');
      return this.processes[module.fdlabProcess];
    }
    // One call of a program: retried while it would wait and someone else can still act.
    async call(module, req) {
      if (OPS[req.op] === 'use_process') {
        while (this.processes.length <= req.a) this.process('p' + this.processes.length, { solo: true });
        module.fdlabProcess = req.a;
        // One instance playing every process: nobody else can ever wake a waiting call.
        module.fdlabSolo = true;
        return { ret: 0, out: [] };
      }
      return this.serve(module, this.processOf(module), req);
    }
    async serve(module, p, req) {
      const wait = OPS[req.op] === 'poll' ? req.a : -1;  // poll's timeout; -1: forever
      for (;;) {
        const ans = this.kernel.call(p.index, req);
        const pollEmpty = OPS[req.op] === 'poll' && ans.ret === 0 && wait !== 0;
        if (ans.ret !== BLOCKED && !pollEmpty) {
          this.record(p, req, ans);
          this.wake();
          return ans;
        }
        if (module.fdlabSolo) {
          const final = pollEmpty ? ans : { ret: BLOCKED, out: [] };
          this.record(p, req, final);
          return final;
        }
        p.waiting = describe(req);
        const outcome = await new Promise((resolve) => {
          this.waiters.push({ p, resolve });
          this.idleCheck();
        });
        p.waiting = null;
        if (outcome === 'deadlock') {
          if (pollEmpty && wait > 0) {  // the timeout passes: nothing else can happen first
            this.record(p, req, ans);
            return ans;
          }
          this.record(p, req, { ret: BLOCKED, out: [] });
          return { ret: BLOCKED, out: [] };
        }
      }
    }
    wake() {
      const w = this.waiters;
      this.waiters = [];
      for (const { resolve } of w) resolve('retry');
    }
    // When every started process waits or has exited: the next program starts, or, with none
    // left to start, the waiting ones can never be woken (a deadlock). Deferred one turn, so
    // that a process just woken gets to run first.
    idleCheck() {
      setTimeout(() => {
        const live = this.processes.filter((q) => q && q.alive && !q.solo);
        if (live.some((q) => !q.waiting)) return;
        if (this.startNext) {
          const start = this.startNext;
          this.startNext = null;
          start();
          return;
        }
        if (this.waiters.length === 0) return;
        this.deadlock = live.map((q) => ({ process: q.name, waiting_in: q.waiting }));
        const w = this.waiters;
        this.waiters = [];
        for (const { resolve } of w) resolve('deadlock');
      }, 0);
    }
    record(p, req, ans) {
      if (OPS[req.op] === 'fstat') return;  // a question, no call of the run
      if (ans.ret === UNSUPPORTED) {
        const why = `fdlab: the model cannot serve ${describe(req)} as asked (capi/include/fdlab/sim.h: FDLAB_SIM_UNSUPPORTED)`;
        p.output.push(why);
        this.writer.skip(p, OPS[req.op], 'the model cannot serve it');
        this.log.push({ process: p.name, op: OPS[req.op], fd: req.fd, ret: ans.ret, errno: 'unsupported' });
        return;
      }
      this.writer.add(p, OPS[req.op], req, ans);
      const entry = { process: p.name, op: OPS[req.op], fd: req.fd, ret: ans.ret };
      if (ans.ret < 0) entry.errno = ans.ret === BLOCKED ? 'blocked' : this.errnoName(ans.ret);
      if (ans.newFds && ans.newFds.length) entry.fds = ans.newFds;
      if (OPS[req.op] === 'recvmsg' && ans.ret >= 0) entry.msg_flags = ans.out[0];
      this.log.push(entry);
    }
    exited(p, status) {
      if (!p.alive) return;
      p.alive = false;
      p.exit = status;
      this.kernel.k._fdlab_sim_exit_process(this.kernel.sim, p.index);
      this.wake();
      this.idleCheck();
    }
    // Runs `programs` ({name, create: the program's module factory, args, stdin?, stdout?,
    // stderr?}; stdin as Emscripten takes it: a function giving the next byte or null)
    // as processes, and resolves when every one has exited. They start in order: each once
    // every process started before it waits or has exited (start the server, then, once it
    // waits in accept, the client), so a run is the same every time.
    async run(programs) {
      const done = [];
      for (const prog of programs) {
        if (done.length) await new Promise((resolve) => { this.startNext = resolve; this.idleCheck(); });
        done.push(this.start(prog));
      }
      await Promise.all(done);
      return {
        processes: this.processes.filter((q) => !q.solo).map((q) => ({ name: q.name, exit: q.exit, output: q.output })),
        log: this.log,
        deadlock: this.deadlock,
        scenario: this.writer.scenario(this.deadlock
          ? 'The run ended in a deadlock: ' + this.deadlock.map((d) => `${d.process} in ${d.waiting_in}`).join(', ') + '.'
          : ''),
        state: JSON.parse(this.snapshot()),
      };
    }
    start(prog) {
      const p = this.process(prog.name);
      return new Promise((resolve) => {
        const finish = (status) => { this.exited(p, status); resolve(); };
        const main = async () => {
          const m = await prog.create({
            ...(prog.stdin ? { stdin: prog.stdin } : {}),
            fdlabHost: this,
            fdlabProcess: p.index,
            print: (line) => { p.output.push(line); if (prog.stdout) prog.stdout(line); },
            printErr: (line) => { p.output.push(line); if (prog.stderr) prog.stderr(line); },
            // exit() ends the program here; Emscripten's own quit would end node itself.
            quit: (status, toThrow) => { finish(status); throw toThrow; },
            onAbort: (what) => { p.output.push('abort: ' + what); finish(134); },
          });
          const args = [prog.name, ...(prog.args || [])];
          const argv = m._malloc(4 * (args.length + 1));
          args.forEach((a, i) => { m.HEAP32[(argv >> 2) + i] = m.allocateUTF8(a); });
          m.HEAP32[(argv >> 2) + args.length] = 0;
          const status = await m.ccall('main', 'number', ['number', 'number'], [args.length, argv], { async: true });
          m._fflush(0);
          finish(status);
        };
        main().catch((e) => {
          if (!(e && e.name === 'ExitStatus')) { p.output.push(String(e && e.stack || e)); finish(1); }
        });
      });
    }
    snapshot() {
      const k = this.kernel.k;
      const p = k._fdlab_sim_snapshot_json(this.kernel.sim);
      const s = k.UTF8ToString(p);
      k._fdlab_sim_string_free(p);
      return s;
    }
  }

  function describe(req) {
    return OPS[req.op] + (req.fd >= 0 ? ' on fd ' + req.fd : '');
  }

  const api = { Host, BLOCKED, UNSUPPORTED };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.FdlabPosixHost = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
