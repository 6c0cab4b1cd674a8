// The bundled scenarios (scenarios.js, packed at build time): grouped by folder, searchable by
// id, title, folder and tag, filterable by tag.
'use strict';
(function (ns) {
  const { el } = ns;

  ns.Catalogue = class Catalogue {
    constructor(entries, onPick) {
      this.entries = entries;
      this.onPick = onPick;
      this.box = document.getElementById('catalogue');
      this.search = document.getElementById('search');
      this.tags = new Set();
      this.current = '';
      this.search.addEventListener('input', () => this.draw());
      const allTags = [...new Set(entries.flatMap((e) => e.tags.concat(e.level ? [e.level] : [])))].sort();
      // The tags fold away: open, they are dozens of buttons between the search and the list.
      this.tagSummary = el('summary', null, `Filter by tag (${allTags.length})`);
      document.getElementById('tag-filter').replaceChildren(el('details', null, this.tagSummary,
        el('div', { class: 'tags' }, allTags.map((t) =>
          el('button', { type: 'button', 'aria-pressed': 'false', onclick: (ev) => this.toggle(t, ev.currentTarget) }, t)))));
      this.draw();
    }

    toggle(tag, button) {
      if (this.tags.has(tag)) this.tags.delete(tag); else this.tags.add(tag);
      button.setAttribute('aria-pressed', String(this.tags.has(tag)));
      this.tagSummary.textContent = this.tags.size ? `Filter by tag: ${[...this.tags].join(', ')}` : 'Filter by tag';
      this.draw();
    }

    matches(e) {
      const words = this.search.value.toLowerCase().split(/\s+/).filter(Boolean);
      const hay = [e.id, e.title, e.folder, e.path, e.level, ...e.tags].join(' ').toLowerCase();
      const tags = e.tags.concat(e.level ? [e.level] : []);
      return words.every((w) => hay.includes(w)) && [...this.tags].every((t) => tags.includes(t));
    }

    // Marks the loaded scenario and scrolls the list to it.
    setCurrent(path) {
      const moved = path !== this.current;
      this.current = path;
      let shown = null;
      for (const b of this.box.querySelectorAll('button[data-path]')) {
        b.setAttribute('aria-current', String(b.dataset.path === path));
        if (b.dataset.path === path) shown = b;
      }
      // Only the list scrolls (scrollIntoView would scroll the page too, on a narrow screen).
      if (shown && moved) {
        const box = this.box.getBoundingClientRect();
        const r = shown.getBoundingClientRect();
        if (box.height && (r.top < box.top || r.bottom > box.bottom)) this.box.scrollTop += r.top - box.top - box.height / 3;
      }
    }

    draw() {
      const folders = new Map();
      for (const e of this.entries.filter((x) => this.matches(x))) {
        if (!folders.has(e.folder)) folders.set(e.folder, []);
        folders.get(e.folder).push(e);
      }
      // The malformed scenarios (scenarios/bad) come last: they show errors, not the model.
      const order = [...folders].sort(([a], [b]) => (a === 'bad') - (b === 'bad'));
      const groups = order.map(([folder, list]) => el('section', { 'aria-label': `folder ${folder}` },
        el('h2', null, `${folder} (${list.length})`),
        el('ul', null, list.map((e) => el('li', null,
          el('button', { type: 'button', 'data-path': e.path, 'aria-current': String(e.path === this.current),
                         onclick: () => this.onPick(e) },
            el('span', { class: 'id' }, e.id.replace(/^[^/]*\//, ''),
              e.level && e.level !== 'kernel' ? el('span', { class: 'level' }, ` [${e.level}]`) : null),
            e.title ? el('span', { class: 't' }, e.title) : null))))));
      this.box.replaceChildren(...(groups.length ? groups : [el('p', null, 'No scenario matches.')]));
    }
  };
})(window.Fdlab = window.Fdlab || {});
