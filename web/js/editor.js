// The scenario editor: CodeMirror 6 (codemirror.js, built from web/editor/) with line numbers,
// completion of ops and fields from the op table, and a scenario error marked inline at its step
// and field; the simulator re-runs as you type (debounced). Below it, the status line: the CLI's
// message, the line, and a way to jump there.
'use strict';
(function (ns) {
  const { el } = ns;
  const DEBOUNCE_MS = 250;

  ns.Editor = class Editor {
    // onChange(text) after the person edits; ops: the wasm module's ops() description, by level.
    constructor(onChange, ops) {
      this.status = document.getElementById('editor-status');
      this.onChange = onChange;
      this.timer = 0;
      this.cm = window.FdlabCodeMirror.createEditor({
        parent: document.getElementById('editor'),
        labelledBy: 'editor-label',
        describedBy: 'editor-help',
        opsOf: (level) => (ops && ops[level]) || [],
        onEdit: () => {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.onChange(this.text), DEBOUNCE_MS);
        },
      });
      this.view = this.cm.view;
    }

    get text() { return this.cm.text; }
    setText(text) { clearTimeout(this.timer); this.cm.setText(text); }

    showOk(summary) {
      this.cm.mark([]);
      this.status.replaceChildren(el('p', { class: 'ok' },
        `✓ ${summary.id}: ${summary.steps} steps parsed and replayed (${summary.ran} ran)`));
    }

    // error: {file, step, field, reason, message}, as HarnessError gives it; note: a line for
    // below the message (what the rest of the page shows meanwhile).
    showError(error, note) {
      const text = this.text;
      const span = ns.locateError(text, error);
      const where = [error.step >= 0 ? `step ${error.step}` : null,
                     error.field ? `field '${error.field}'` : null].filter(Boolean).join(', ');
      let snippet = null;
      if (span) {
        const line = ns.lineOf(text, span.start);
        const lineText = text.split('\n')[line - 1] || '';
        snippet = el('pre', null, `line ${line}: ${lineText.trim().slice(0, 200)}`);
      }
      // Unlocated, the marker goes on the first line, so the gutter still shows there is one.
      const firstLineEnd = text.includes('\n') ? text.indexOf('\n') : text.length;
      const at = span && span.end > span.start ? span : { start: 0, end: firstLineEnd };
      this.cm.mark([{ from: at.start, to: at.end, message: where ? `${where}: ${error.message}` : error.message }],
        'editor-error');
      this.status.replaceChildren(el('div', { class: 'error', id: 'editor-error', 'data-step': error.step,
                                              'data-field': error.field },
        where ? el('div', { class: 'where' }, where) : null,
        el('div', { class: 'message' }, error.message),
        snippet,
        note ? el('p', { class: 'note' }, note) : null,
        span ? el('button', { type: 'button', onclick: () => this.select(span) }, 'Show in editor') : null));
    }

    select(span) { this.cm.select(span.start, span.end); }
  };
})(window.Fdlab = window.Fdlab || {});
