// An object's journey, in the way of Pernosco's "where did this value come from": every step
// that moved it, from where it was opened to where it was closed — "fd 3 in p (step 2) → in
// flight on b (step 3) → fd 4 in q (step 5) → closed (step 7)" — each a link to its step.
// The simulator computes it (web/journey.cpp, Session.journey) by replaying the scenario once.
'use strict';
(function (ns) {
  const { el } = ns;

  // Where the object is after one event, in words.
  ns.whereabouts = function whereabouts(e) {
    if (!e.exists) return 'closed: no fd and no queue holds it any more';
    const parts = [];
    if (e.fds.length) parts.push(e.fds.join(', '));
    if (e.inflight) {
      parts.push(`in flight ×${e.inflight}${e.queued_on.length ? ` on ${e.queued_on.join(', ')}` : ''}`);
    }
    return parts.length ? parts.join('; ') : 'open, held by no fd';
  };

  // journey: Session.journey's answer; onGo(k) moves the page to k steps run.
  ns.renderJourney = function renderJourney(box, journey, current, onGo, onClose) {
    box.hidden = false;
    if (!journey.ok) {
      box.replaceChildren(el('h2', null, 'Journey'), el('p', { class: 'warn' }, journey.error.message));
      return;
    }
    const name = ns.visible(journey.name);
    const items = journey.events.map((e) => {
      const when = e.step < 0 ? 'from the start' : `step ${e.step}`;
      const here = e.after === current;
      return el('li', { class: here ? 'current' : null, 'aria-current': here ? 'step' : null },
        e.step < 0 ? el('span', { class: 'when' }, when)
          : el('button', { type: 'button', class: 'when', onclick: () => onGo(e.after) }, when),
        ' ', el('span', { class: e.exists ? null : 'warn' }, ns.whereabouts(e)));
    });
    box.replaceChildren(
      el('h2', { tabindex: '-1' }, `Journey of ${name}`),
      items.length ? el('ol', { class: 'journey-steps' }, items)
        : el('p', null, `${name} never existed in this run.`),
      el('button', { type: 'button', onclick: onClose }, 'Close'));
  };
})(window.Fdlab = window.Fdlab || {});
