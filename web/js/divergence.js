// A trace recorded elsewhere (`fdlab record`: the real kernel, or another backend) beside the
// simulator's: the first step where they differ, both records side by side, differing keys marked.
'use strict';
(function (ns) {
  const { el } = ns;

  function side(title, record, other) {
    if (record === null || record === undefined) return el('div', null, el('h3', null, title), el('pre', null, '(trace ended)'));
    const keys = Object.keys(record);
    const lines = keys.map((k) => {
      const differs = !other || JSON.stringify(record[k]) !== JSON.stringify(other[k]);
      return el('span', { class: differs ? 'diff-key' : null }, `${JSON.stringify(k)}: ${JSON.stringify(record[k])}`,
        differs ? el('span', { class: 'vh' }, ' (differs)') : null, '\n');
    });
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
      el('h2', null, `First divergence: record ${result.index}${step !== undefined && step !== result.index ? ` (step ${step})` : ''}`),
      head,
      el('div', { class: 'sides' }, side('simulator', result.sim, result.other), side(other, result.other, result.sim)),
      el('p', null,
        el('button', { type: 'button', onclick: onGo }, 'Go to the divergence'), ' ',
        el('button', { type: 'button', onclick: onClose }, 'Close')));
  };
})(window.Fdlab = window.Fdlab || {});
