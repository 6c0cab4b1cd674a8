// Finds where a located scenario error points in the JSON text: the step (steps[i]) and the
// field inside it ("sock", "expect.fds"), or a line and column from a JSON syntax error.
// Returns {start, end} character offsets, or null when the text cannot be walked.
'use strict';
(function (ns) {
  // A minimal JSON walker that records the span of every value by its path.
  function spans(text) {
    const out = new Map();
    let i = 0;
    const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
    function str() {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i));
    }
    function value(path, keyStart) {
      ws();
      const start = keyStart === undefined ? i : keyStart;
      const c = text[i];
      if (c === '{') {
        i++; ws();
        while (text[i] !== '}') {
          ws();
          const ks = i;
          const key = str();
          ws(); i++; // ':'
          value(path.concat(key), ks);
          ws();
          if (text[i] === ',') i++;
          ws();
          if (i >= text.length) throw new Error('eof');
        }
        i++;
      } else if (c === '[') {
        i++; ws();
        let n = 0;
        while (text[i] !== ']') {
          value(path.concat(n++));
          ws();
          if (text[i] === ',') i++;
          ws();
          if (i >= text.length) throw new Error('eof');
        }
        i++;
      } else if (c === '"') {
        str();
      } else {
        while (i < text.length && !/[,\]}\s]/.test(text[i])) i++;
      }
      out.set(path.join('\u0000'), { start, end: i });
    }
    value([]);
    return out;
  }

  function lineColumn(text, line, column) {
    let offset = 0;
    for (let l = 1; l < line && offset >= 0; l++) offset = text.indexOf('\n', offset) + 1;
    if (offset < 0) offset = text.length;
    const at = Math.min(text.length, offset + Math.max(0, column - 1));
    return { start: Math.max(0, at - 1), end: Math.min(text.length, at + 1) };
  }

  ns.locateError = function locateError(text, error) {
    const m = /at line (\d+), column (\d+)/.exec(error.message || '');
    if (m) return lineColumn(text, Number(m[1]), Number(m[2]));
    let map;
    try { map = spans(text); } catch (e) { return null; }
    const base = error.step >= 0 ? ['steps', error.step] : [];
    const parts = (error.field || '').split('.').filter(Boolean);
    // The deepest part of the path that exists: a missing field points at its step.
    for (let n = parts.length; n >= 0; n--) {
      const hit = map.get(base.concat(parts.slice(0, n)).join('\u0000'));
      if (hit) return hit;
    }
    return null;
  };

  ns.lineOf = (text, offset) => text.slice(0, offset).split('\n').length;
})(window.Fdlab = window.Fdlab || {});
