// The scenario editor: a textarea that re-runs the simulator as you type (debounced) and shows
// a scenario error at its step and field, with the CLI's message and a way to jump there.
'use strict';
(function (ns) {
  const { el } = ns;
  const DEBOUNCE_MS = 250;

  ns.Editor = class Editor {
    constructor(onChange) {
      this.area = document.getElementById('editor');
      this.status = document.getElementById('editor-status');
      this.onChange = onChange;
      this.timer = 0;
      this.area.addEventListener('input', () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.onChange(this.area.value), DEBOUNCE_MS);
      });
    }

    get text() { return this.area.value; }
    setText(text) { clearTimeout(this.timer); this.area.value = text; }

    showOk(summary) {
      this.area.removeAttribute('aria-invalid');
      this.area.removeAttribute('aria-describedby');
      this.status.replaceChildren(el('p', { class: 'ok' },
        `✓ ${summary.id}: ${summary.steps} steps parsed and replayed (${summary.ran} ran)`));
    }

    // error: {file, step, field, reason, message}, as HarnessError gives it.
    showError(error) {
      const text = this.area.value;
      const span = ns.locateError(text, error);
      const where = [error.step >= 0 ? `step ${error.step}` : null,
                     error.field ? `field '${error.field}'` : null].filter(Boolean).join(', ');
      let snippet = null;
      if (span) {
        const line = ns.lineOf(text, span.start);
        const lineText = text.split('\n')[line - 1] || '';
        snippet = el('pre', null, `line ${line}: ${lineText.trim().slice(0, 200)}`);
      }
      this.area.setAttribute('aria-invalid', 'true');
      this.area.setAttribute('aria-describedby', 'editor-error');
      this.status.replaceChildren(el('div', { class: 'error', id: 'editor-error', 'data-step': error.step,
                                              'data-field': error.field },
        where ? el('div', { class: 'where' }, where) : null,
        el('div', { class: 'message' }, error.message),
        snippet,
        span ? el('button', { type: 'button', onclick: () => this.select(span) }, 'Show in editor') : null));
    }

    select(span) {
      const a = this.area;
      a.focus();
      a.setSelectionRange(span.start, span.end);
      const line = ns.lineOf(a.value, span.start);
      a.scrollTop = Math.max(0, (line - 5) * 16);
    }
  };
})(window.Fdlab = window.Fdlab || {});
