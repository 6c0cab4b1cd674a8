// Draws one state of the simulator: a lane per process with its fd table, then every socket
// with its receive queue (segments with their bytes and fds as badges), the fds in flight,
// pipes and files. Whatever changed since the previous step carries the class "changed".
'use strict';
(function (ns) {
  const { el } = ns;
  const KIND = { unix_socket: 'socket', regular: 'file', pipe_read: 'pipe (read)',
                 pipe_write: 'pipe (write)', tty: 'tty' };
  const changedMark = (on) => (on ? el('span', { class: 'vh' }, ' (changed)') : null);

  function fdBadge(state, id) {
    const o = state.objects.find((x) => x.object === id);
    return el('span', { class: 'badge', title: o ? KIND[o.kind] || o.kind : '' }, ns.objectName(state, id));
  }

  function lane(state, proc, changes, acting) {
    const name = state.names[proc.proc];
    const byFd = new Map();
    for (const [label, fd] of Object.entries(state.labels.fds[proc.proc] || {})) {
      if (!byFd.has(fd)) byFd.set(fd, []);
      byFd.get(fd).push(label);
    }
    const kinds = new Map(state.objects.map((o) => [o.object, o.kind]));
    const rows = proc.fds.map((f) => {
      const changed = changes.keys.has(`fd/${proc.proc}/${f.fd}`);
      const object = ns.objectName(state, f.object);
      const labels = (byFd.get(f.fd) || []).filter((l) => l !== object);
      return el('tr', { class: changed ? 'changed' : null, 'data-fd': f.fd },
        el('td', { class: 'num' }, f.fd),
        el('td', { class: 'obj' }, el('span', { class: 'mono' }, object),
          labels.length && labels.length <= 3 ? el('span', { class: 'mono', title: 'fd labels bound to this number' },
            ` (${labels.join(', ')})`) : null, changedMark(changed)),
        el('td', null, KIND[kinds.get(f.object)] || kinds.get(f.object) || ''),
        el('td', { class: 'flags' }, f.cloexec ? el('span', { class: 'badge cloexec' }, 'FD_CLOEXEC') : ''));
    });
    return el('section', { class: `lane${acting ? ' acting' : ''}`, 'data-proc': name,
                           'aria-label': `process ${name}${acting ? ', did this step' : ''}` },
      el('h3', null, name, acting ? el('span', { class: 'vh' }, ' (did this step)') : null),
      el('table', null,
        el('caption', { class: 'vh' }, `fd table of ${name}`),
        el('thead', null, el('tr', null, el('th', { scope: 'col' }, 'fd'), el('th', { scope: 'col' }, 'object'),
          el('th', { scope: 'col' }, 'kind'), el('th', { scope: 'col' }, 'flags'))),
        el('tbody', null, rows)));
  }

  function segment(state, seg, changed, i) {
    const bytes = seg.bytes !== undefined ? seg.bytes
      : seg.data !== undefined ? seg.data.length : (seg.data_hex || '').length / 2;
    const shown = seg.data !== undefined ? ns.shortBytes(seg.data, 40) : `hex ${(seg.data_hex || '').slice(0, 32)}`;
    return el('li', { class: `seg${changed ? ' changed' : ''}`, 'data-segment': i },
      shown, el('span', { class: 'n' }, ` ${bytes} B`),
      seg.fds.map((id) => el('span', { class: 'badge inflight', title: 'fd in flight in this segment' },
        el('span', { class: 'vh' }, 'fd '), ns.objectName(state, id))),
      changedMark(changed));
  }

  // A full queue can hold hundreds of segments; past this many only their count is drawn.
  const SHOWN_SEGMENTS = 48;

  function socketBox(state, s, objects, changes) {
    const o = objects.get(s.object) || {};
    const name = ns.objectName(state, s.object);
    const changed = changes.keys.has(`sock/${s.object}`) || changes.keys.has(`queue/${s.object}`) ||
      changes.keys.has(`obj/${s.object}`);
    const segs = changes.segments.get(s.object) || new Set();
    const peer = s.peer === undefined ? 'none' : s.peer === null ? 'closed' : ns.objectName(state, s.peer);
    return el('article', { class: `box socket${changed ? ' changed' : ''}`, 'data-object': s.object,
                           'aria-label': `socket ${name}` },
      el('div', { class: 'sock-head' },
        el('span', { class: 'label' }, name), el('span', null, s.type),
        el('span', null, `peer ${peer}`),
        el('span', null, `refs ${o.refs}`),
        o.inflight ? el('span', { class: 'badge inflight' }, `in flight ×${o.inflight}`) : null,
        s.shutdown.length ? el('span', { class: 'warn' }, `shutdown ${s.shutdown.join('+')}`) : null,
        s.sk_err ? el('span', { class: 'warn' }, `pending ${s.sk_err}`) : null,
        changedMark(changed)),
      s.queue.length ? el('ol', { class: 'queue', 'aria-label': `receive queue of ${name}` },
        s.queue.slice(0, SHOWN_SEGMENTS).map((seg, i) => segment(state, seg, segs.has(i), i)),
        s.queue.length > SHOWN_SEGMENTS ? el('li', { class: 'more' }, `…and ${s.queue.length - SHOWN_SEGMENTS} more segments, ` +
          `${s.queue.slice(SHOWN_SEGMENTS).reduce((n, g) => n + g.fds.length, 0)} fds among them`) : null)
        : el('p', { class: 'queue empty' }, 'receive queue empty'));
  }

  function group(title, children) {
    if (!children.length) return null;
    return el('section', { class: 'group', 'aria-label': title }, el('h2', null, title), ...children);
  }

  ns.renderState = function renderState(view, changes, acting) {
    const state = view.after;
    const lanes = document.getElementById('lanes');
    if (state.stepwise === false) {
      lanes.replaceChildren(el('p', { class: 'note' }, 'A usocket-level scenario: core replays it in one run, so ',
        'the trace shows each step\'s result and the events it caused (below, and in the step card), ',
        'but not the kernel state between steps.'));
      document.getElementById('kernel-objects').replaceChildren();
      return;
    }
    lanes.replaceChildren(...state.processes.map((p) => lane(state, p, changes, p.proc === acting)));
    const objects = new Map(state.objects.filter((o) => o.object !== 0).map((o) => [o.object, o]));
    // Where each in-flight object sits: which queue, how many times.
    const where = new Map();
    for (const s of state.sockets)
      for (const seg of s.queue)
        for (const id of seg.fds) where.set(id, (where.get(id) || []).concat(ns.objectName(state, s.object)));
    const inflight = [...objects.values()].filter((o) => o.inflight > 0).map((o) =>
      el('li', { class: changes.keys.has(`obj/${o.object}`) ? 'changed' : null },
        el('span', { class: 'badge inflight' }, ns.objectName(state, o.object)),
        ` ${KIND[o.kind] || o.kind}: ${o.inflight} in flight, ${o.refs} refs`,
        where.has(o.object) ? ` — queued on ${[...new Set(where.get(o.object))].join(', ')}` : ''));
    const pipes = state.pipes.map((p) => el('article', { class: `box${changes.keys.has(`pipe/${p.read_end}`) ? ' changed' : ''}` },
      el('span', { class: 'mono' }, ns.objectName(state, p.read_end)),
      ` pipe: ${p.bytes} bytes buffered, writer ${p.writer_open ? 'open' : 'closed'}`));
    const files = [...objects.values()].filter((o) => o.kind === 'regular').map((o) =>
      el('tr', { class: changes.keys.has(`obj/${o.object}`) ? 'changed' : null },
        el('td', { class: 'mono' }, ns.objectName(state, o.object)), el('td', null, o.size), el('td', null, o.offset),
        el('td', null, o.refs), el('td', null, o.inflight), el('td', null, o.status.join(' '))));
    const filesTable = files.length ? [el('table', null,
      el('thead', null, el('tr', null, ['file', 'size', 'offset', 'refs', 'in flight', 'status'].map((h) =>
        el('th', { scope: 'col' }, h)))), el('tbody', null, files))] : [];
    document.getElementById('kernel-objects').replaceChildren(...[
      group('Sockets', state.sockets.map((s) => socketBox(state, s, objects, changes))),
      group('In flight', inflight.length ? [el('ul', null, inflight)] : []),
      group('Pipes', pipes),
      group('Files', filesTable),
    ].filter(Boolean));
  };

  // The step just run: what it asked, what came back, its expectation and whether it held.
  ns.renderStepCard = function renderStepCard(info) {
    const card = document.getElementById('step-card');
    if (!info) {
      card.replaceChildren(el('p', { style: 'margin:0' }, 'Before the first step: each process has fds 0, 1, 2. ',
        'Step with → or the scrubber.'));
      return;
    }
    const { index, step, record, expect, failures } = info;
    const events = record && Array.isArray(record.events) && record.events.length
      ? el('div', null, 'Events: ', el('ol', { class: 'events' }, record.events.map((e) =>
        el('li', { class: 'mono' }, `${e.on} '${e.event}'${Object.keys(e).length > 2 ? ` ${JSON.stringify(
          Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'on' && k !== 'event')))}` : ''}`)))) : null;
    card.replaceChildren(...[
      el('div', null, el('strong', null, `Step ${index}: `), el('span', { class: 'op' }, ns.describeStep(step))),
      el('div', null, 'Result: ', el('span', { class: 'result' }, ns.describeRecord(record))),
      events,
      expect ? el('div', { class: failures.length ? 'warn' : '' },
        failures.length ? '✗ expectation failed' : '✓ expectation holds',
        el('span', { class: 'mono' }, ` ${JSON.stringify(expect)}`),
        failures.length ? el('ul', null, failures.map((f) => el('li', null, f))) : null) : null].filter(Boolean));
  };

  ns.renderChanges = function renderChanges(changes, step) {
    const box = document.getElementById('changes');
    if (step === 0) { box.replaceChildren(); return; }
    box.replaceChildren(changes.notes.length
      ? el('details', { open: true }, el('summary', null, `Changed by this step (${changes.notes.length})`),
        el('ul', null, changes.notes.slice(0, 12).map((n) => el('li', null, n))),
        changes.notes.length > 12 ? el('p', null, `…and ${changes.notes.length - 12} more`) : null)
      : el('p', { style: 'margin:0' }, 'No change to the state.'));
  };
})(window.Fdlab = window.Fdlab || {});
