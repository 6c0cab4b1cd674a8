// The scenario editor's CodeMirror 6, bundled with esbuild (web/tools/bundle-editor.js) into one
// classic script, codemirror.js, that sets window.FdlabCodeMirror: the page stays plain scripts
// that work offline and from file://. web/js/editor.js drives what createEditor returns.
import { Compartment, EditorState } from '@codemirror/state';
import {
  EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars,
  keymap, lineNumbers, tooltips,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { json } from '@codemirror/lang-json';
import { lintGutter, lintKeymap, setDiagnostics } from '@codemirror/lint';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { stepCompletions } from './complete.js';

// Colours from style.css's palette (WCAG AA on white); the host's border and size are editor.css's.
const theme = EditorView.theme({
  '&': { fontSize: '12px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '16px' },
  '.cm-gutters': { background: 'var(--panel)', color: 'var(--muted)', borderRight: '1px solid var(--line)' },
  '.cm-activeLine': { background: '#f0f6ff' },
  '.cm-activeLineGutter': { background: '#e2edfb', color: 'var(--fg)' },
  '&.cm-focused': { outline: '3px solid var(--accent)', outlineOffset: '1px' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { background: 'var(--accent)', color: '#fff' },
  '.cm-completionDetail': { color: 'inherit', opacity: 1, fontStyle: 'normal', marginLeft: '1em' },
});

// options: {parent, labelledBy, describedBy, onEdit(), opsOf(level)}. onEdit runs after every change
// the person makes (typing, paste, undo), never after setText.
export function createEditor({ parent, labelledBy, describedBy, onEdit, opsOf }) {
  const aria = new Compartment();
  const ariaOf = (extra) => {
    const described = [describedBy, extra.describedBy].filter(Boolean).join(' ');
    // tabindex: the content is focusable anyway (contenteditable), but axe-core counts a
    // scrollable region keyboard-reachable only with a tabindex inside it.
    return EditorView.contentAttributes.of({ 'aria-labelledby': labelledBy, tabindex: '0',
      ...(described ? { 'aria-describedby': described } : {}), ...(extra.invalid ? { 'aria-invalid': 'true' } : {}) });
  };
  const extensions = () => [
    lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
    indentOnInput(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), bracketMatching(),
    closeBrackets(), autocompletion({ override: [stepCompletions(opsOf)], icons: false }),
    highlightActiveLine(), lintGutter(), EditorView.lineWrapping, json(), theme,
    // Completions and diagnostics over the page, not clipped by the side column (contain: strict).
    tooltips({ parent: document.body }),
    // No indentWithTab: Tab and Shift-Tab move the focus in and out of the editor, as on the rest of the page.
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap]),
    aria.of(ariaOf({})),
    EditorView.updateListener.of((u) => { if (u.docChanged) onEdit(); }),
  ];
  const view = new EditorView({ parent, state: EditorState.create({ doc: '', extensions: extensions() }) });
  return {
    view,
    get text() { return view.state.doc.toString(); },
    // A new document (a scenario picked, a file opened): a fresh state, so undo does not cross it.
    setText(text) { view.setState(EditorState.create({ doc: text, extensions: extensions() })); },
    // diagnostics: [{from, to, message}], shown inline and in the gutter; describedBy: the id of
    // what describes the error, for assistive technology.
    mark(diagnostics, describedBy) {
      const list = diagnostics.map((d) => ({ severity: 'error', ...d }));
      view.dispatch(setDiagnostics(view.state, list),
        { effects: aria.reconfigure(ariaOf({ invalid: list.length > 0, describedBy })) });
    },
    select(from, to) {
      view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
      view.focus();
    },
  };
}
