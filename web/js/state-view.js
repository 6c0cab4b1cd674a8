// Draws one state of the simulator: a lane per process with its fd table, then the bound names
// (paths and abstract names), every socket with its receive queue (segments with their bytes,
// fds and credentials as badges) and, for a listener, its backlog and pending connections, the
// fds in flight, pipes and files. Whatever changed since the previous step carries the class
// "changed". The DOM is kept between steps and updated in place, keyed by process, fd, object
// and name: a node whose content did not change is not touched, so a step costs what it changed.
'use strict';
(function (ns) {
  const { el } = ns;
  const KIND = { unix_socket: 'socket', regular: 'file', pipe_read: 'pipe (read)',
                 pipe_write: 'pipe (write)', dev_null: '/dev/null' };
  const changedMark = (on) => (on ? el('span', { class: 'vh' }, ' (changed)') : null);

  // Past this many rows a table is drawn a row at a time (class "long", style.css): a table's
  // own layout measures every cell again when one row changes, hundreds of them every step.
  // Its parts carry their ARIA roles, which keep it a table once its display is not one.
  const LONG_ROWS = 48;
  const setLong = (table, rows) => {
    const long = rows > LONG_ROWS;
    if (table.classList.contains('long') !== long) table.classList.toggle('long', long);
  };
  const row = (attrs, ...cells) => el('tr', { ...attrs, role: 'row' }, ...cells);
  const cell = (attrs, ...content) => el('td', { ...attrs, role: 'cell' }, ...content);
  const heads = (names) => el('thead', { role: 'rowgroup' }, el('tr', { role: 'row' },
    names.map((h) => el('th', { scope: 'col', role: 'columnheader' }, h))));

  // Makes container's children follow items, keyed by key(item): a child whose signature is the
  // same stays; one whose signature changed is rebuilt by build(item); missing ones go; order is
  // fixed with as few moves as possible. The container holds only keyed children.
  ns.reconcile = function reconcile(container, items, key, sig, build) {
    const old = new Map();
    for (const c of container.children) old.set(c.dataset.key, c);
    const want = [];
    for (const item of items) {
      const k = String(key(item));
      const s = sig(item);
      let node = old.get(k);
      if (!node || node.fdlabSig !== s) {
        const fresh = build(item, node);
        if (fresh !== node) {
          fresh.dataset.key = k;
          if (node) node.replaceWith(fresh);
          node = fresh;
        }
        node.fdlabSig = s;
      }
      old.delete(k);
      want.push(node);
    }
    for (const n of old.values()) n.remove();
    const kids = container.children;
    for (let i = 0; i < want.length; i++) {
      if (kids[i] !== want[i]) container.insertBefore(want[i], kids[i] || null);
    }
  };

  // Rebuilds holder's content only when its signature changed.
  function patch(holder, s, build) {
    if (holder.fdlabSig === s) return;
    holder.fdlabSig = s;
    holder.replaceChildren(...[].concat(build()).filter(Boolean));
  }

  // An object's name as a button that opens its journey (app.js listens on data-journey).
  const journeyLink = (id, name) => (id === 0 ? el('span', { class: 'mono' }, name)
    : el('button', { type: 'button', class: 'mono journey-link', 'data-journey': id, title: `The journey of ${name}: every step that moved it` }, name));

  const procName = (state, p) => (state.names[p] !== undefined ? state.names[p] : `process ${p}`);
  const addressText = (a) => (!a ? '' : a.abstract !== undefined ? `@${a.abstract}` : a.path);

  // One fd row; its signature is everything it shows.
  function fdRow(state, proc, f, labels, kind, changed) {
    const object = ns.objectName(state, f.object);
    const shown = labels.filter((l) => l !== object);
    return row({ class: changed ? 'changed' : null, 'data-fd': f.fd, 'data-object': f.object },
      cell({ class: 'num' }, f.fd),
      cell({ class: 'obj' }, journeyLink(f.object, object),
        shown.length && shown.length <= 3 ? el('span', { class: 'mono', title: 'fd labels bound to this number' },
          ` (${shown.join(', ')})`) : null, changedMark(changed)),
      cell(null, KIND[kind] || kind || ''),
      cell({ class: 'flags' }, f.cloexec ? el('span', { class: 'badge cloexec' }, 'FD_CLOEXEC') : ''));
  }

  function laneShell(name) {
    const h = el('h3', null, name, el('span', { class: 'vh acting-note' }));
    const tbody = el('tbody', { role: 'rowgroup' });
    const node = el('section', { class: 'lane', 'data-proc': name },
      h, el('table', { class: 'fds', role: 'table' },
        el('caption', { class: 'vh' }, `fd table of ${name}`),
        heads(['fd', 'object', 'kind', 'flags']),
        tbody));
    node.fdlabBody = tbody;
    return node;
  }

  function updateLane(node, state, proc, kinds, changes, acting) {
    const name = procName(state, proc.proc);
    node.classList.toggle('acting', acting);
    node.setAttribute('aria-label', `process ${name}${acting ? ', did this step' : ''}`);
    const note = node.querySelector('.acting-note');
    const want = acting ? ' (did this step)' : '';
    if (note.textContent !== want) note.textContent = want;
    const byFd = new Map();
    for (const [label, fd] of Object.entries(state.labels.fds[proc.proc] || {})) {
      if (!byFd.has(fd)) byFd.set(fd, []);
      byFd.get(fd).push(label);
    }
    ns.reconcile(node.fdlabBody, proc.fds, (f) => f.fd, (f) => {
      const changed = changes.keys.has(`fd/${proc.proc}/${f.fd}`);
      return `${f.object}|${ns.objectName(state, f.object)}|${f.cloexec}|${kinds.get(f.object)}|${changed}|${(byFd.get(f.fd) || []).join(',')}`;
    }, (f) => fdRow(state, proc.proc, f, byFd.get(f.fd) || [], kinds.get(f.object),
      changes.keys.has(`fd/${proc.proc}/${f.fd}`)));
    setLong(node.fdlabBody.parentNode, proc.fds.length);
  }

  // The process whose pid the credentials carry (the snapshot names it), else the pid; ids other
  // than root's are shown as numbers.
  function credsWho(state, creds) {
    const pid = creds.proc !== undefined ? procName(state, creds.proc) : `pid ${creds.pid}`;
    return creds.uid === 0 && creds.gid === 0 ? pid : `${pid} uid ${creds.uid} gid ${creds.gid}`;
  }

  function credsBadge(state, creds) {
    if (!creds) return null;
    const who = credsWho(state, creds);
    return el('span', { class: 'badge creds', title: `SCM_CREDENTIALS attached: sent by ${who}` },
      el('span', { class: 'vh' }, 'credentials '), `cred ${who}`);
  }

  function segment(state, seg, changed, i) {
    const bytes = seg.bytes !== undefined ? seg.bytes
      : seg.data !== undefined ? seg.data.length : (seg.data_hex || '').length / 2;
    const shown = seg.data !== undefined ? ns.shortBytes(seg.data, 40) : ns.hexBytes(seg.data_hex || '', 40);
    return el('li', { class: `seg${changed ? ' changed' : ''}`, 'data-segment': i },
      shown, el('span', { class: 'n' }, ` ${bytes} B`),
      seg.fds.map((id) => el('span', { class: 'badge inflight', title: 'fd in flight in this segment', 'data-object': id },
        el('span', { class: 'vh' }, 'fd '), ns.objectName(state, id))),
      credsBadge(state, seg.creds),
      changedMark(changed));
  }

  const segmentSig = (state, seg, changed) =>
    `${seg.data !== undefined ? seg.data : `#${seg.data_hex}`}|${seg.bytes}|${seg.fds.map((id) => ns.objectName(state, id)).join(',')}|` +
    `${seg.creds ? credsWho(state, seg.creds) : ''}|${changed}`;

  // A full queue can hold hundreds of segments; past this many only their count is drawn.
  const SHOWN_SEGMENTS = 48;

  function drawQueue(holder, state, queue, segs, label) {
    const empty = !queue.length;
    holder.className = empty ? 'queue empty' : 'queue';
    holder.setAttribute('aria-label', `receive queue of ${label}`);
    const items = queue.slice(0, SHOWN_SEGMENTS).map((seg, i) => ({ seg, i, changed: segs.has(i) }));
    if (empty) items.push({ empty: true });
    if (queue.length > SHOWN_SEGMENTS) items.push({ more: queue.length - SHOWN_SEGMENTS,
      fds: queue.slice(SHOWN_SEGMENTS).reduce((n, g) => n + g.fds.length, 0) });
    ns.reconcile(holder, items, (x) => (x.empty ? 'empty' : x.more ? 'more' : x.i),
      (x) => (x.empty ? 'e' : x.more ? `${x.more}|${x.fds}` : segmentSig(state, x.seg, x.changed)),
      (x) => (x.empty ? el('li', { class: 'none' }, 'receive queue empty')
        : x.more ? el('li', { class: 'more' }, `…and ${x.more} more segments, ${x.fds} fds among them`)
          : segment(state, x.seg, x.changed, x.i)));
  }

  function socketShell() {
    const head = el('div', { class: 'sock-head' });
    const queue = el('ol', { class: 'queue' });
    const listen = el('div', { class: 'listen' });
    const node = el('article', { class: 'box socket' }, head, queue, listen);
    node.fdlabParts = { head, queue, listen };
    return node;
  }

  function updateSocket(node, state, s, objects, changes) {
    const o = objects.get(s.object) || {};
    const name = ns.objectName(state, s.object);
    const changed = changes.keys.has(`sock/${s.object}`) || changes.keys.has(`queue/${s.object}`) ||
      changes.keys.has(`obj/${s.object}`);
    node.className = `box socket${changed ? ' changed' : ''}${s.state === 'listening' ? ' listening' : ''}`;
    node.dataset.object = s.object;
    node.dataset.target = s.object;
    node.setAttribute('aria-label', `socket ${name}`);
    const peer = s.peer_pending_on !== undefined ? `waiting in ${ns.objectName(state, s.peer_pending_on)}'s accept queue`
      : s.peer === undefined ? 'none' : s.peer === null ? 'closed' : ns.objectName(state, s.peer);
    const addr = addressText(s.address);
    const { head, queue, listen } = node.fdlabParts;
    patch(head, JSON.stringify([name, peer, s.type, s.state, peer, o.refs, o.inflight, s.shutdown, s.sk_err, addr, s.passcred, changed]), () => [
      el('span', { class: 'label' }, journeyLink(s.object, name)), el('span', null, s.type),
      s.state === 'listening' ? el('span', { class: 'state' }, 'listening')
        : s.state === 'unconnected' && s.peer === undefined && s.peer_pending_on === undefined ? el('span', { class: 'state' }, 'unconnected')
          : el('span', null, `peer ${peer}`),
      addr ? el('span', { class: 'mono addr', title: 'bound address' }, addr) : null,
      el('span', null, `refs ${o.refs}`),
      o.inflight ? el('span', { class: 'badge inflight' }, `in flight ×${o.inflight}`) : null,
      s.passcred ? el('span', { class: 'badge creds', title: 'SO_PASSCRED is set' }, 'SO_PASSCRED') : null,
      s.shutdown.length ? el('span', { class: 'warn' }, `shutdown ${s.shutdown.join('+')}`) : null,
      s.sk_err ? el('span', { class: 'warn' }, `pending ${s.sk_err}`) : null,
      changedMark(changed)]);
    drawQueue(queue, state, s.queue, changes.segments.get(s.object) || new Set(), name);
    const pending = s.pending || [];
    patch(listen, s.state === 'listening' ? JSON.stringify([s.backlog, pending.map((p) => [p.client === null ? null : ns.objectName(state, p.client),
      p.queue.map((g) => segmentSig(state, g, false))])]) : '', () => (s.state !== 'listening' ? [] : [
      el('div', { class: 'listen-head' }, `backlog ${s.backlog}: `,
        el('strong', null, `${pending.length} pending connection${pending.length === 1 ? '' : 's'}`),
        pending.length > s.backlog ? el('span', { class: 'warn' }, ' (full: the next connect waits or is EAGAIN)') : null),
      pending.length ? el('ol', { class: 'pending', 'aria-label': `pending connections of ${name}` }, pending.map((p, i) =>
        el('li', { 'data-pending': i },
          el('span', null, `from ${p.client === null ? '(client closed)' : ns.objectName(state, p.client)}`),
          p.queue.length ? el('ol', { class: 'queue', 'aria-label': `sent before accept to the connection from ${
            p.client === null ? 'a closed client' : ns.objectName(state, p.client)}` },
          p.queue.map((g, k) => segment(state, g, false, k))) : el('span', { class: 'n' }, ' nothing sent yet')))) : null]));
  }

  function boundRow(state, b) {
    const name = b.abstract !== undefined ? `@${b.abstract}` : b.path;
    const sock = b.socket === null ? null : state.sockets.find((s) => s.object === b.socket);
    const listening = sock && sock.state === 'listening';
    return el('tr', { 'data-name': name },
      el('td', { class: 'mono' }, name),
      el('td', null, b.abstract !== undefined ? 'abstract' : 'path'),
      el('td', { class: 'mono' }, b.socket === null ? el('span', { class: 'warn' }, 'socket closed (ECONNREFUSED)')
        : ns.objectName(state, b.socket)),
      el('td', null, listening ? `listening, backlog ${sock.backlog}, ${sock.pending.length} pending` : sock ? sock.state : ''));
  }

  // The groups under the lanes, in this order; each kept between steps.
  const GROUPS = ['Bound paths', 'Sockets', 'In flight', 'Pipes', 'Files'];
  let groups = null;
  function groupNodes(box) {
    if (groups && box.contains(groups.Sockets.node)) return groups;
    groups = {};
    const nodes = GROUPS.map((title) => {
      const body = el('div', { class: 'group-body' });
      const node = el('section', { class: 'group', 'aria-label': title, hidden: true }, el('h2', null, title), body);
      groups[title] = { node, body };
      return node;
    });
    const t = groups['Bound paths'];
    const tbody = el('tbody');
    t.body.append(el('table', { class: 'bound' },
      el('caption', { class: 'vh' }, 'Bound paths and abstract names'),
      el('thead', null, el('tr', null, ['name', 'kind', 'socket', 'state'].map((h) => el('th', { scope: 'col' }, h)))),
      tbody));
    t.rows = tbody;
    const f = groups.Files;
    const fbody = el('tbody', { role: 'rowgroup' });
    f.body.append(el('table', { class: 'files', role: 'table', 'aria-label': 'Files' },
      heads(['file', 'size', 'offset', 'refs', 'in flight', 'status']), fbody));
    f.rows = fbody;
    const inflight = el('ul');
    groups['In flight'].body.append(inflight);
    groups['In flight'].rows = inflight;
    box.replaceChildren(...nodes);
    return groups;
  }
  const show = (g, on) => { if (g.node.hidden === on) g.node.hidden = !on; };

  let lanesShowNote = false;
  ns.renderState = function renderState(view, changes, acting) {
    const state = view.after;
    const lanes = document.getElementById('lanes');
    const box = document.getElementById('kernel-objects');
    if (state.stepwise === false) {
      lanes.replaceChildren(el('p', { class: 'note', 'data-key': 'note' }, 'This run kept no state between steps: ',
        'the trace shows each step\'s result and the events it caused.'));
      lanesShowNote = true;
      box.replaceChildren();
      return;
    }
    if (lanesShowNote) { lanes.replaceChildren(); lanesShowNote = false; }
    const kinds = new Map(state.objects.map((o) => [o.object, o.kind]));
    ns.reconcile(lanes, state.processes, (p) => `${p.proc}:${procName(state, p.proc)}`, () => '',
      (p) => laneShell(procName(state, p.proc)));
    state.processes.forEach((p, i) => updateLane(lanes.children[i], state, p, kinds, changes, p.proc === acting));

    const g = groupNodes(box);
    const objects = new Map(state.objects.filter((o) => o.object !== 0).map((o) => [o.object, o]));
    const bound = state.bound || [];
    show(g['Bound paths'], bound.length > 0);
    ns.reconcile(g['Bound paths'].rows, bound, (b) => (b.abstract !== undefined ? `@${b.abstract}` : `/${b.path}`), (b) => {
      const sock = b.socket === null ? null : state.sockets.find((s) => s.object === b.socket);
      return JSON.stringify([b.socket === null ? null : ns.objectName(state, b.socket), sock && sock.state,
        sock && sock.backlog, sock && sock.pending && sock.pending.length]);
    }, (b) => boundRow(state, b));

    show(g.Sockets, state.sockets.length > 0);
    ns.reconcile(g.Sockets.body, state.sockets, (s) => s.object, () => '', () => socketShell());
    state.sockets.forEach((s, i) => updateSocket(g.Sockets.body.children[i], state, s, objects, changes));

    // Where each in-flight object sits: which queue, how many times.
    const where = new Map();
    for (const s of state.sockets) {
      for (const seg of s.queue)
        for (const id of seg.fds) where.set(id, (where.get(id) || []).concat(ns.objectName(state, s.object)));
      for (const p of s.pending || [])
        for (const seg of p.queue)
          for (const id of seg.fds) where.set(id, (where.get(id) || []).concat(`a pending connection of ${ns.objectName(state, s.object)}`));
    }
    const inflight = [...objects.values()].filter((o) => o.inflight > 0);
    show(g['In flight'], inflight.length > 0);
    const inflightText = (o) => ` ${KIND[o.kind] || o.kind}: ${o.inflight} in flight, ${o.refs} refs` +
      (where.has(o.object) ? ` — queued on ${[...new Set(where.get(o.object))].join(', ')}` : '');
    ns.reconcile(g['In flight'].rows, inflight, (o) => o.object,
      (o) => `${ns.objectName(state, o.object)}|${inflightText(o)}|${changes.keys.has(`obj/${o.object}`)}`,
      (o) => el('li', { class: changes.keys.has(`obj/${o.object}`) ? 'changed' : null, 'data-object': o.object,
                        'data-inflight-of': o.object },
        journeyLink(o.object, ns.objectName(state, o.object)), inflightText(o)));

    show(g.Pipes, state.pipes.length > 0);
    ns.reconcile(g.Pipes.body, state.pipes, (p) => p.read_end,
      (p) => `${ns.objectName(state, p.read_end)}|${p.bytes}|${p.writer_open}|${changes.keys.has(`pipe/${p.read_end}`)}`,
      (p) => el('article', { class: `box${changes.keys.has(`pipe/${p.read_end}`) ? ' changed' : ''}`,
                             'data-object': p.read_end, 'data-target': p.read_end },
        journeyLink(p.read_end, ns.objectName(state, p.read_end)),
        ` pipe: ${p.bytes} bytes buffered, writer ${p.writer_open ? 'open' : 'closed'}`));

    const files = [...objects.values()].filter((o) => o.kind === 'regular');
    show(g.Files, files.length > 0);
    ns.reconcile(g.Files.rows, files, (o) => o.object,
      (o) => JSON.stringify([ns.objectName(state, o.object), o.size, o.offset, o.refs, o.inflight, o.status, changes.keys.has(`obj/${o.object}`)]),
      (o) => row({ class: changes.keys.has(`obj/${o.object}`) ? 'changed' : null, 'data-object': o.object, 'data-target': o.object },
        cell(null, journeyLink(o.object, ns.objectName(state, o.object))), cell(null, o.size), cell(null, o.offset),
        cell(null, o.refs), cell(null, o.inflight), cell(null, o.status.join(' '))));
    setLong(g.Files.rows.parentNode, files.length);
  };

  // The scenario itself, shown before its first step: its description and the rules it checks,
  // each with the catalogue's first sentence.
  function intro(summary) {
    const rules = ns.reasons(summary.rules);
    return [
      summary.description ? el('p', { class: 'description' }, ns.visible(summary.description)) : null,
      rules.length ? el('div', null, el('h3', null, `Rules it checks (${rules.length})`),
        el('ul', { class: 'rules' }, rules.map((r) => el('li', null, el('code', null, r.id), ' ', r.sentence)))) : null,
      el('p', { class: 'muted' }, 'Each process starts with fds 0, 1 and 2 (stdio). Step with → or the scrubber; ',
        'an object\'s name opens its journey.')];
  }

  // The step just run: what it asked, what came back, why (the rules it applied), its
  // expectation and whether it held; beside a recorded trace, the other side's result.
  ns.renderStepCard = function renderStepCard(info, summary) {
    const card = document.getElementById('step-card');
    if (!info) {
      card.replaceChildren(el('h2', null, summary && summary.steps ? 'Before step 0' : 'No step'),
        ...(summary ? intro(summary) : []).filter(Boolean));
      return;
    }
    const { index, step, record, expect, failures, rules, other } = info;
    const events = record && Array.isArray(record.events) && record.events.length
      ? el('div', null, 'Events: ', el('ol', { class: 'events' }, record.events.map((e) =>
        el('li', { class: 'mono' }, `${e.on} '${e.event}'${Object.keys(e).length > 2 ? ` ${JSON.stringify(
          Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'on' && k !== 'event')))}` : ''}`)))) : null;
    const why = ns.reasons(rules);
    card.replaceChildren(...[
      el('h2', null, `Step ${index}: `, el('span', { class: 'op' }, ns.describeStep(step, summary && summary.level))),
      el('div', null, 'Result: ', el('span', { class: 'result' }, ns.describeRecord(record))),
      other ? el('div', { class: JSON.stringify(other.record) === JSON.stringify(record) ? null : 'warn' },
        `${other.name}: `, el('span', { class: 'result' }, other.record ? ns.describeRecord(other.record) : '(trace ended)')) : null,
      why.length ? el('div', { class: 'why' }, 'Why: ', el('ul', null, why.map((w) =>
        el('li', null, w.sentence, ' ', el('code', null, `— ${w.id}`)))))
        : el('div', { class: 'why plain' }, `Why: ${ns.plainReason(step, summary && summary.level)}`),
      events,
      expect ? el('div', { class: failures.length ? 'warn' : '' },
        failures.length ? '✗ expectation failed' : '✓ expectation holds',
        el('code', { class: 'expect' }, ` ${ns.visible(JSON.stringify(expect))}`),
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
