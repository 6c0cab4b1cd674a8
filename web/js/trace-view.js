// The trace beside the state: one row per step with its result and whether its expectation
// held; beside a recorded trace, the other side's result too, each row that differs marked.
// Only the rows in sight exist in the DOM, so 10,000 steps cost no more than 40. It is a
// listbox: focused, ↑ and ↓ (and Page Up/Down) move the page a step, the step's row is the
// active one.
'use strict';
(function (ns) {
  const ROW = 22;

  ns.TraceView = class TraceView {
    constructor(container, onPick) {
      this.box = container;
      this.onPick = onPick;
      this.rows = [];
      this.current = -1;
      this.diverged = -1;
      this.spacer = ns.el('div', { 'aria-hidden': 'true', style: 'height:0' });
      this.box.append(this.spacer);
      // Height and scroll position are tracked, never read while drawing: a read would force
      // a layout of the whole page in the middle of a step.
      this.height = 400;
      this.top = 0;
      new ResizeObserver((entries) => {
        this.height = entries[0].contentRect.height || 400;
        this.drawn = null;
        this.draw();
      }).observe(this.box);
      this.box.addEventListener('scroll', () => { this.top = this.box.scrollTop; this.draw(); });
      this.box.addEventListener('click', (e) => {
        const row = e.target.closest('[data-step]');
        if (row) this.onPick(Number(row.dataset.step));
      });
      const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };
      this.box.addEventListener('keydown', (e) => {
        if (!(e.key in moves) || e.ctrlKey || e.metaKey || e.altKey) return;
        e.preventDefault();
        const next = Math.max(-1, Math.min(this.rows.length - 1, this.current + moves[e.key]));
        this.onPick(next + 1);
      });
    }

    // rows: [{text, status: 'pass' | 'fail' | '', title}]
    setRows(rows) {
      this.rows = rows;
      this.diverged = -1;
      this.spacer.style.height = `${rows.length * ROW}px`;
      this.box.scrollTop = 0;
      this.top = 0;
      this.drawn = null;
      this.shown = null;
      this.draw();
    }

    // The divergence mark is inside the rows' text, so they are all drawn again.
    setDiverged(index) { this.diverged = index; this.drawn = null; this.shown = null; this.draw(); }

    // The step just run (index), or -1 before the first.
    setCurrent(index) {
      this.current = index;
      const top = index * ROW;
      const h = this.height;
      if (top < this.top || top + ROW > this.top + h) {
        this.top = Math.max(0, Math.min(top - h / 2, this.rows.length * ROW - h));
        this.box.scrollTop = this.top;
      }
      if (!this.draw()) this.restyle();
    }

    // The active row is the current step's, when it is drawn (an id that is not in the DOM
    // would be an invalid reference).
    syncActive() {
      const i = this.current;
      if (i >= 0 && this.shown && this.shown.has(i)) this.box.setAttribute('aria-activedescendant', `trace-row-${i}`);
      else this.box.removeAttribute('aria-activedescendant');
    }

    rowClass(i) {
      const r = this.rows[i];
      return ['row', r.status, i === this.current ? 'current' : '', i > this.current ? 'future' : '',
              i === this.diverged ? 'diverged' : '', r.differs ? 'differs' : ''].filter(Boolean).join(' ');
    }

    // The rows in sight stay; only their classes follow the current step.
    restyle() {
      this.syncActive();
      for (const node of this.box.children) {
        if (!node.dataset.step) continue;
        const i = Number(node.dataset.step) - 1;
        const cls = this.rowClass(i);
        if (node.className !== cls) node.className = cls;
        node.setAttribute('aria-selected', String(i === this.current));
      }
    }

    // Redraws the rows in sight when the window moved; returns whether it did. Rows still in
    // sight are kept (only their classes follow); rows that left are removed and the ones that
    // came in are added, so a scroll by a few rows costs a few rows.
    draw() {
      const first = Math.max(0, Math.floor(this.top / ROW) - 5);
      const last = Math.min(this.rows.length, Math.ceil((this.top + this.height) / ROW) + 5);
      const key = `${first}:${last}`;
      if (this.drawn === key) return false;
      const keep = this.drawn !== null && this.drawn !== undefined && this.shown;
      this.drawn = key;
      const old = keep ? this.shown : new Map();
      const shown = new Map();
      for (const [i, node] of old) {
        if (i >= first && i < last && node.fdlabRows === this.rows) shown.set(i, node);
        else node.remove();
      }
      if (!keep) this.box.replaceChildren(this.spacer);
      const fresh = document.createDocumentFragment();
      for (let i = first; i < last; i++) {
        if (shown.has(i)) continue;
        const node = this.row(i);
        shown.set(i, node);
        fresh.append(node);
      }
      this.box.append(fresh);
      this.shown = shown;
      if (keep) this.restyle();
      else this.syncActive();
      return true;
    }

    row(i) {
      const r = this.rows[i];
      const cls = this.rowClass(i);
      const mark = r.status === 'pass' ? '✓' : r.status === 'fail' ? '✗' : '';
      const state = r.status === 'pass' ? 'expectation holds' : r.status === 'fail' ? 'expectation fails' : '';
      const node = ns.el('div', { class: cls, role: 'option', id: `trace-row-${i}`, 'data-step': i + 1,
                                  style: `top:${i * ROW}px`, 'aria-posinset': i + 1, 'aria-setsize': this.rows.length,
                                  'aria-selected': String(i === this.current), title: r.title },
        ns.el('span', { class: 'mark', 'aria-hidden': 'true' }, mark),
        state ? ns.el('span', { class: 'vh' }, `${state}: `) : null,
        i === this.diverged ? ns.el('span', { class: 'vh' }, 'first divergence: ') : null,
        r.other === undefined ? r.text : [
          ns.el('span', { class: 'sim' }, r.text),
          ns.el('span', { class: 'other' }, r.differs ? ns.el('span', { class: 'vh' }, 'differs: ') : null,
            r.differs ? '≠ ' : '= ', r.other)]);
      node.fdlabRows = this.rows;
      return node;
    }
  };
})(window.Fdlab = window.Fdlab || {});
