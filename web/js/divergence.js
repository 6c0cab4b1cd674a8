// A trace recorded elsewhere (`fdlab record`: the real kernel, or another backend) beside the
// simulator's: the first step where they differ, both records side by side, the values that
// differ marked. The whole traces go side by side in the trace list (app.js).
'use strict';
(function (ns) {
  const { el } = ns;

  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // A value as JSON text, with only the parts that differ from `other` marked, down to the
  // element of an array or the key of an object inside it ("fds": [{"fd": 4, "obj": "f1"}] marks
  // the "obj" that differs, not the whole list).
  function json(value, other, hasOther) {
    const differs = !hasOther || !same(value, other);
    if (!differs) return ns.visible(JSON.stringify(value));
    const nested = value !== null && other !== null && typeof value === 'object' && typeof other === 'object' &&
      Array.isArray(value) === Array.isArray(other);
    if (!nested) {
      return el('span', { class: 'diff-key' }, ns.visible(JSON.stringify(value)), el('span', { class: 'vh' }, ' (differs)'));
    }
    if (Array.isArray(value)) {
      const items = value.map((v, i) => [i ? ', ' : '', json(v, other[i], i < other.length)]);
      const fewer = other.length > value.length
        ? el('span', { class: 'diff-key' }, `${value.length ? ', ' : ''}(${other.length - value.length} fewer)`) : null;
      return ['[', items, fewer, ']'];
    }
    const keys = Object.keys(value);
    const missing = Object.keys(other).filter((k) => !(k in value));
    return ['{', keys.map((k, i) => [i ? ', ' : '', `${JSON.stringify(k)}: `, json(value[k], other[k], k in other)]),
      missing.map((k) => el('span', { class: 'diff-key' }, `, (no ${JSON.stringify(k)})`)), '}'];
  }

  function side(title, record, other) {
    if (record === null || record === undefined) return el('div', null, el('h3', null, title), el('pre', null, '(trace ended)'));
    const keys = Object.keys(record);
    const lines = keys.map((k) => [`${JSON.stringify(k)}: `, json(record[k], other ? other[k] : undefined, !!other && k in other), '\n']);
    const missing = other ? Object.keys(other).filter((k) => !(k in record)) : [];
    return el('div', null, el('h3', null, title), el('pre', null, '{\n', lines,
      missing.map((k) => el('span', { class: 'diff-key' }, `(no ${JSON.stringify(k)})\n`)), '}'));
  }

  // result: Session.divergence()'s answer; scenarioId: the loaded scenario's id.
  ns.renderDivergence = function renderDivergence(result, scenarioId, fileName, onGo, onClose) {
    const box = document.getElementById('divergence');
    box.hidden = false;
    if (!result.ok) {
      box.className = 'divergence';
      box.replaceChildren(el('h2', null, 'Recorded trace'), el('p', { class: 'warn' }, result.error.message),
        el('button', { type: 'button', onclick: onClose }, 'Close'));
      return;
    }
    const other = `${result.backend || 'other'}${result.kernel ? ` (${result.kernel})` : ''}`;
    const head = el('p', null, `${fileName}: ${result.records} records from `, el('strong', null, other),
      `, scenario ${result.scenario || '?'}`,
      result.scenario && result.scenario !== scenarioId
        ? el('span', { class: 'warn' }, ` — not the loaded scenario (${scenarioId})`) : null);
    box.className = `divergence${result.found ? '' : ' same'}`;
    if (!result.found) {
      box.replaceChildren(el('h2', null, 'Recorded trace: identical'), head,
        el('p', null, `The simulator and ${other} agree on every step.`),
        el('button', { type: 'button', onclick: onClose }, 'Close'));
      return;
    }
    const step = (result.sim || result.other || {}).step;
    box.replaceChildren(
      el('h2', null, `First divergence: step ${step !== undefined ? step : result.index}`),
      head,
      el('div', { class: 'sides' }, side('simulator', result.sim, result.other), side(other, result.other, result.sim)),
      el('p', null,
        el('button', { type: 'button', onclick: onGo }, 'Go to the divergence'), ' ',
        el('button', { type: 'button', onclick: onClose }, 'Close')));
  };
})(window.Fdlab = window.Fdlab || {});
