// Arrows over the state, in the way of Python Tutor: from each fd row to the object it refers
// to (a socket's box, a pipe's box, a file's row) and from each in-flight object to the
// segments that carry it. Pointing at (or focusing) anything that names an object lights every
// fd, box, badge and arrow of that object, in every process. The arrows are drawn after the
// state, in the next frame, with one read of the layout; past MAX_ARROWS they are left out (a
// note says so), since hundreds of them would hide what they point at.
'use strict';
(function (ns) {
  const SVG = 'http://www.w3.org/2000/svg';
  const MAX_ARROWS = 120;

  ns.Arrows = class Arrows {
    // root: the scrolling section that holds the lanes and the kernel objects.
    constructor(root) {
      this.root = root;
      this.on = true;
      this.lit = null;
      this.svg = document.createElementNS(SVG, 'svg');
      this.svg.setAttribute('class', 'arrows');
      this.svg.setAttribute('aria-hidden', 'true');
      this.svg.setAttribute('focusable', 'false');
      root.prepend(this.svg);
      const light = (e) => this.light(e.target.closest && e.target.closest('[data-object]'));
      root.addEventListener('mouseover', light);
      root.addEventListener('focusin', light);
      root.addEventListener('mouseleave', () => this.light(null));
      // What moves the rows and boxes: the section's size, and the size of any part of it (the
      // step card, a journey opened above the lanes, a queue that grew).
      const resized = new ResizeObserver(() => this.schedule());
      resized.observe(root);
      for (const part of root.children) if (part !== this.svg) resized.observe(part);
      this.count = 0;
      this.skipped = 0;
    }

    setOn(on) { this.on = on; this.schedule(); }

    schedule() {
      cancelAnimationFrame(this.frame);
      this.frame = requestAnimationFrame(() => this.draw());
    }

    // Every element naming object id gets the class "lit" (and its arrows).
    light(node) {
      const id = node ? node.dataset.object : null;
      if (id === this.lit) return;
      for (const n of this.root.querySelectorAll('.lit')) n.classList.remove('lit');
      this.lit = id;
      if (id === null || id === undefined) return;
      for (const n of this.root.querySelectorAll(`[data-object="${CSS.escape(id)}"]`)) n.classList.add('lit');
    }

    // [from element, to element, object id, kind] for every arrow the state has.
    pairs() {
      const targets = new Map();
      for (const t of this.root.querySelectorAll('[data-target]')) targets.set(t.dataset.target, t);
      const out = [];
      for (const row of this.root.querySelectorAll('.lane tr[data-object]')) {
        const to = targets.get(row.dataset.object);
        // The arrow leaves from the object's name in the row, not the row's far end.
        if (to) out.push([row.querySelector('.journey-link') || row, to, row.dataset.object, 'fd']);
      }
      for (const entry of this.root.querySelectorAll('[data-inflight-of]')) {
        const id = entry.dataset.inflightOf;
        for (const badge of this.root.querySelectorAll(`.seg .badge[data-object="${CSS.escape(id)}"]`))
          out.push([entry, badge.closest('.seg'), id, 'inflight']);
      }
      return out;
    }

    draw() {
      const svg = this.svg;
      const pairs = this.on ? this.pairs() : [];
      this.count = pairs.length <= MAX_ARROWS ? pairs.length : 0;
      this.skipped = pairs.length > MAX_ARROWS ? pairs.length : 0;
      this.root.classList.toggle('too-many-arrows', this.skipped > 0);
      if (!this.count) { svg.replaceChildren(); svg.removeAttribute('width'); return; }
      const base = this.root.getBoundingClientRect();
      const dx = this.root.scrollLeft - base.left;
      const dy = this.root.scrollTop - base.top;
      svg.setAttribute('width', this.root.scrollWidth);
      svg.setAttribute('height', this.root.scrollHeight);
      const rects = new Map();
      const rect = (n) => { let r = rects.get(n); if (!r) { r = n.getBoundingClientRect(); rects.set(n, r); } return r; };
      const paths = [];
      for (const [from, to, id, kind] of pairs) {
        const a = rect(from);
        const b = rect(to);
        if (!a.width || !b.width) continue;  // in a folded or hidden part
        // From the row's side nearer the target to the target's near edge (its top when it lies
        // below, as the objects lie below the lanes), a curve leaving and arriving straight.
        const toRight = b.left + b.width / 2 >= a.left + a.width / 2;
        const x1 = (toRight ? a.right - 2 : a.left + 2) + dx;
        const y1 = a.top + a.height / 2 + dy;
        const below = b.top >= a.bottom;
        const above = b.bottom <= a.top;
        const x2 = Math.min(Math.max(a.left + a.width / 2, b.left + 14), b.right - 14) + dx;
        const y2 = (below ? b.top : above ? b.bottom : b.top + b.height / 2) + dy;
        const reach = Math.max(24, Math.min(80, Math.abs(y2 - y1) / 2));
        const c1 = x1 + (toRight ? reach : -reach);
        const c2 = below ? y2 - reach : above ? y2 + reach : y2;
        const p = document.createElementNS(SVG, 'path');
        p.setAttribute('d', `M${x1.toFixed(1)} ${y1.toFixed(1)} C${c1.toFixed(1)} ${y1.toFixed(1)} ${x2.toFixed(1)} ${c2.toFixed(1)} ${x2.toFixed(1)} ${y2.toFixed(1)}`);
        p.setAttribute('class', `arrow ${kind}${this.lit === id ? ' lit' : ''}`);
        p.dataset.object = id;
        paths.push(p);
      }
      svg.replaceChildren(...paths);
    }
  };
})(window.Fdlab = window.Fdlab || {});
