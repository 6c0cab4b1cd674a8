// What changed between two states of the simulator (the step before and the step shown): a set
// of keys for highlighting and a few sentences for people (and screen readers).
'use strict';
(function (ns) {
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // Each state's index is computed once: stepping forward or back, the page hands the same
  // state objects back (app.goTo keeps the states it holds), so only the new state is walked
  // and serialized.
  const indexes = new WeakMap();
  function index(state) {
    if (!state) return new Map();
    let m = indexes.get(state);
    if (m) return m;
    m = new Map();
    indexes.set(state, m);
    state.processes.forEach((p) => {
      for (const f of p.fds) m.set(`fd/${p.proc}/${f.fd}`, f);
    });
    for (const o of state.objects) if (o.object !== 0) m.set(`obj/${o.object}`, o);
    for (const s of state.sockets) {
      const { queue, ...head } = s;
      m.set(`sock/${s.object}`, head);
      m.set(`queue/${s.object}`, queue);
    }
    for (const p of state.pipes) m.set(`pipe/${p.read_end}`, p);
    for (const b of state.bound || []) m.set(`bound/${b.abstract !== undefined ? `@${b.abstract}` : b.path}`, b);
    return m;
  }

  // A segment as JSON text, once per segment object: a full queue holds hundreds of them, and
  // the same objects come back as the next step's "before".
  const segTexts = new WeakMap();
  function segText(seg) {
    if (seg === undefined) return undefined;
    let t = segTexts.get(seg);
    if (t === undefined) {
      t = JSON.stringify(seg);
      segTexts.set(seg, t);
    }
    return t;
  }

  // The index's values as JSON text, once per state.
  const textsOf = new WeakMap();
  function texts(state, m) {
    let t = textsOf.get(state);
    if (t) return t;
    t = new Map();
    for (const [k, v] of m) t.set(k, k.startsWith('queue/') ? v.map(segText).join('\n') : JSON.stringify(v));
    textsOf.set(state, t);
    return t;
  }

  // Segments unchanged if found at the same place counted from the head or from the tail
  // (a receive consumes the head, a send appends at the tail).
  function changedSegments(before, after) {
    const out = new Set();
    const shift = before.length - after.length;
    after.forEach((seg, i) => {
      const t = segText(seg);
      if (!(segText(before[i]) === t || segText(before[i + shift]) === t)) out.add(i);
    });
    return out;
  }

  ns.computeChanges = function computeChanges(before, after) {
    const keys = new Set();
    const notes = [];
    const segments = new Map(); // socket object -> Set of changed segment indexes
    if (!before) return { keys, notes, segments };
    const b = index(before);
    const a = index(after);
    const name = (id) => ns.objectName(after, id);
    const procName = (p) => after.names[p] || `process ${p}`;
    const bt = texts(before, b);
    const at = texts(after, a);
    for (const [k, v] of a) {
      const old = b.get(k);
      if (old !== undefined && bt.get(k) === at.get(k)) continue;
      keys.add(k);
      const [kind, x, y] = k.split('/');
      if (kind === 'fd') {
        const what = `${procName(Number(x))}: fd ${y} → ${ns.objectName(after, v.object)}${v.cloexec ? ' (FD_CLOEXEC)' : ''}`;
        notes.push(old === undefined ? `${what} (new)` : `${what} (changed)`);
      } else if (kind === 'queue') {
        const set = changedSegments(old || [], v);
        segments.set(Number(x), set);
        const delta = v.length - (old || []).length;
        notes.push(`queue of ${name(Number(x))}: ${v.length} segment${v.length === 1 ? '' : 's'}` +
          (delta > 0 ? ` (+${delta})` : delta < 0 ? ` (${delta})` : ' (changed)'));
      } else if (kind === 'obj' && old === undefined) {
        notes.push(`new ${v.kind.replace('_', ' ')} ${name(v.object)}`);
      } else if (kind === 'obj') {
        if (old.refs !== v.refs) notes.push(`${name(v.object)}: refs ${old.refs} → ${v.refs}`);
        if (old.inflight !== v.inflight) notes.push(`${name(v.object)}: in flight ${old.inflight} → ${v.inflight}`);
      } else if (kind === 'sock' && old !== undefined) {
        notes.push(`socket ${name(v.object)} changed (${['state', 'shutdown', 'sk_err', 'peer', 'address', 'passcred', 'backlog', 'pending']
          .filter((f) => !same(old[f], v[f])).join(', ') || 'state'})`);
      } else if (kind === 'bound') {
        const where = k.slice('bound/'.length);
        notes.push(v.socket === null ? `${where}: its socket is gone (connect → ECONNREFUSED)` : `${where} bound to ${name(v.socket)}`);
      } else if (kind === 'pipe') {
        notes.push(`pipe ${name(v.read_end)}: ${v.bytes} bytes${v.writer_open ? '' : ', writer closed'}`);
      }
    }
    for (const [k, v] of b) {
      if (a.has(k)) continue;
      const [kind, x, y] = k.split('/');
      if (kind === 'fd') notes.push(`${procName(Number(x))}: fd ${y} closed (was ${ns.objectName(before, v.object)})`);
      if (kind === 'obj') notes.push(`${ns.objectName(before, v.object)} released`);
      if (kind === 'bound') notes.push(`${k.slice('bound/'.length)} removed`);
    }
    return { keys, notes, segments };
  };
})(window.Fdlab = window.Fdlab || {});
