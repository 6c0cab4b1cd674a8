// The current state as a standalone SVG image (for bug reports): process lanes with their fd
// tables, then sockets with their queued segments and the fds riding on them.
'use strict';
(function (ns) {
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const FONT = 'font-family="DejaVu Sans Mono, monospace" font-size="12"';

  // lines: what the step did, under the title (the step and its result).
  ns.stateToSvg = function stateToSvg(state, title, lines = []) {
    const parts = [];
    const text = (x, y, s, extra = '') => parts.push(`<text x="${x}" y="${y}" ${extra}>${esc(s)}</text>`);
    const rect = (x, y, w, h, fill, stroke = '#57606a') =>
      parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="${fill}" stroke="${stroke}"/>`);
    const LANE = 240;
    text(10, 20, title, 'font-weight="bold"');
    lines.forEach((l, i) => text(10, 38 + 16 * i, l));
    const top = 32 + 16 * lines.length;
    let maxRows = 0;
    state.processes.forEach((p, i) => {
      const x = 10 + i * (LANE + 10);
      rect(x, top, LANE, 24 + 18 * p.fds.length, '#ffffff');
      text(x + 8, top + 17, `process ${ns.visible(state.names[p.proc])}`, 'font-weight="bold"');
      p.fds.forEach((f, r) => {
        text(x + 8, top + 38 + r * 18, `${String(f.fd).padStart(3)}  ${ns.objectName(state, f.object)}${f.cloexec ? '  FD_CLOEXEC' : ''}`);
      });
      maxRows = Math.max(maxRows, p.fds.length);
    });
    if (!state.processes.length) text(10, top + 16, '(no process state in this run)', 'fill="#57606a"');
    let y = top + 24 + 18 * maxRows + 24;
    const width = Math.max(10 + state.processes.length * (LANE + 10), 700);
    for (const s of state.sockets) {
      const peer = s.peer_pending_on !== undefined ? `pending on ${ns.objectName(state, s.peer_pending_on)}`
        : s.peer === undefined ? 'none' : s.peer === null ? 'closed' : ns.objectName(state, s.peer);
      text(10, y, `socket ${ns.objectName(state, s.object)} (${s.type}) peer ${peer}` +
        `${s.shutdown.length ? ` shutdown ${s.shutdown.join('+')}` : ''}${s.sk_err ? ` pending ${s.sk_err}` : ''}`,
      'font-weight="bold"');
      let x = 20;
      y += 8;
      if (!s.queue.length) text(x, y + 16, '(receive queue empty)', 'fill="#57606a"');
      for (const seg of s.queue) {
        const bytes = seg.data !== undefined ? ns.shortBytes(seg.data, 16) : ns.hexBytes(seg.data_hex || '', 16);
        const fds = seg.fds.map((id) => ns.objectName(state, id));
        const w = 16 + 7.3 * (bytes.length + fds.join(' ').length + (fds.length ? 2 : 0));
        if (x + w > width - 10) { x = 20; y += 30; }
        rect(x, y, w, 24, '#f6f8fa');
        text(x + 6, y + 16, bytes + (fds.length ? '  ' : ''));
        if (fds.length) text(x + 6 + 7.3 * (bytes.length + 2), y + 16, fds.join(' '), 'fill="#6e2d91" font-weight="bold"');
        x += w + 6;
      }
      y += 46;
      if (s.state === 'listening') {
        const pending = (s.pending || []).map((p) => `${p.client === null ? '(closed)' : ns.objectName(state, p.client)}` +
          `${p.queue.length ? ` (${p.queue.length} segment${p.queue.length === 1 ? '' : 's'} sent)` : ''}`);
        text(20, y - 14, `listening, backlog ${s.backlog}; pending: ${pending.length ? pending.join(', ') : 'none'}`);
        y += 14;
      }
    }
    const bound = state.bound || [];
    if (bound.length) {
      text(10, y, `bound: ${bound.map((b) => `${b.abstract !== undefined ? `@${b.abstract}` : b.path} → ` +
        `${b.socket === null ? '(socket closed)' : ns.objectName(state, b.socket)}`).join(', ')}`);
      y += 22;
    }
    const inflight = state.objects.filter((o) => o.object !== 0 && o.inflight > 0);
    if (inflight.length) {
      text(10, y, `in flight: ${inflight.map((o) => `${ns.objectName(state, o.object)} ×${o.inflight}`).join(', ')}`, 'fill="#6e2d91"');
      y += 22;
    }
    for (const p of state.pipes) {
      text(10, y, `pipe ${ns.objectName(state, p.read_end)}: ${p.bytes} bytes, writer ${p.writer_open ? 'open' : 'closed'}`);
      y += 22;
    }
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" ${FONT}>` +
      `<rect width="100%" height="100%" fill="#ffffff"/>${parts.join('')}</svg>\n`;
  };
})(window.Fdlab = window.Fdlab || {});
