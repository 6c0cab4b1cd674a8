// The event loop's timeline for usocket-level scenarios: one row per object (by the label its
// events are "on"), one column per step that produced events or callbacks, each cell the events
// that step emitted on that object, in order. The column of the step just run is highlighted,
// later ones dimmed; a column's heading is a button that goes to that step.
'use strict';
(function (ns) {
  const { el } = ns;

  // What an event carries besides its object and name, in a few words.
  function detail(e) {
    const parts = [];
    for (const [k, v] of Object.entries(e)) {
      if (k === 'on' || k === 'event') continue;
      if (k === 'step') parts.push(`for step ${v}`);
      else if (Array.isArray(v)) parts.push(k === e.event ? `[${v.join(', ')}]` : `${k} [${v.join(', ')}]`);
      else if (typeof v === 'string') parts.push(`${k} ${ns.shortBytes(v, 16)}`);
      else parts.push(`${k} ${JSON.stringify(v)}`);
    }
    return parts.join(', ');
  }

  ns.Timeline = class Timeline {
    constructor(container, onPick) {
      this.box = container;
      this.onPick = onPick;
      this.columns = [];
      this.current = -1;
      this.box.addEventListener('click', (e) => {
        const b = e.target.closest('button[data-step]');
        if (b) this.onPick(Number(b.dataset.step));
      });
    }

    // records: the trace (usocket level); steps: the scenario's steps (for their ops).
    setRecords(records, steps) {
      this.columns = [];
      this.current = -1;
      const objects = [];
      (records || []).forEach((r, i) => {
        if (!r || !Array.isArray(r.events) || !r.events.length) return;
        this.columns.push(i);
        for (const e of r.events) if (!objects.includes(e.on)) objects.push(e.on);
      });
      if (!records || !this.columns.length) {
        this.box.hidden = true;
        this.box.replaceChildren();
        return;
      }
      this.box.hidden = false;
      const head = el('tr', null, el('th', { scope: 'col' }, 'object'), this.columns.map((i) => {
        const op = (records[i] && records[i].op) || (steps[i] && steps[i].op) || '';
        return el('th', { scope: 'col', 'data-col': i },
          el('button', { type: 'button', 'data-step': i + 1, title: `Go to after step ${i} (${op})` },
            `${i}`, el('span', { class: 'op' }, ` ${op}`)));
      }));
      const rows = objects.map((on) => el('tr', { 'data-object': on },
        el('th', { scope: 'row', class: 'mono' }, on),
        this.columns.map((i) => {
          const evs = records[i].events.filter((e) => e.on === on);
          return el('td', { 'data-col': i },
            evs.length ? el('ul', null, evs.map((e) => {
              const d = detail(e);
              return el('li', { class: `ev ev-${String(e.event).replace(/[^\w-]/g, '')}`, title: d ? `${e.event}: ${d}` : e.event },
                el('span', { class: 'name' }, e.event), d ? el('span', { class: 'd' }, ` ${d}`) : null);
            })) : null);
        })));
      this.table = el('table', { class: 'timeline-table' },
        el('caption', null, 'Event loop: the events and callbacks each step produced, by object'),
        el('thead', null, head), el('tbody', null, rows));
      this.scroller = el('div', { class: 'timeline-scroll', tabindex: '0', role: 'group',
                                  'aria-label': 'Event loop timeline (scrolls sideways)' }, this.table);
      this.box.replaceChildren(el('h2', null, 'Event loop timeline'), this.scroller);
    }

    // The step just run (index), or -1 before the first.
    setCurrent(index) {
      this.current = index;
      if (this.box.hidden || !this.table) return;
      // The scroll position first, read before anything changes (app.goTo calls this before
      // redrawing the state), so that the read costs no layout of this step's changes.
      const currentHead = this.table.querySelector(`th[data-col="${index}"]`);
      if (currentHead) {
        const s = this.scroller;
        const left = currentHead.offsetLeft;
        if (left < s.scrollLeft || left + currentHead.offsetWidth > s.scrollLeft + s.clientWidth) {
          s.scrollLeft = Math.max(0, left - s.clientWidth / 3);
        }
      }
      for (const cell of this.table.querySelectorAll('[data-col]')) {
        const i = Number(cell.dataset.col);
        const cls = i === index ? 'current' : i > index ? 'future' : '';
        if (cell.className !== cls) cell.className = cls;
        if (cell.tagName === 'TH') {
          const b = cell.firstChild;
          if (i === index) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current');
        }
      }
    }
  };
})(window.Fdlab = window.Fdlab || {});
