// The page's wiring: loads the wasm module, keeps which scenario is loaded and which step is
// shown, and connects the catalogue, editor, stepper, trace, divergence, permalink and exports.
'use strict';
(function (ns) {
  const $ = (id) => document.getElementById(id);
  const app = {
    session: null, summary: null, trace: null, steps: [], source: null, step: 0, view: null,
    failing: [], divergence: null, lastRenderMs: 0, lastHash: '',
  };
  window.fdlabApp = app;

  function bundledEntry(text) {
    return (window.FDLAB_SCENARIOS || []).find((e) => e.text === text) || null;
  }

  // Loads scenario text into the simulator. source: {path?, name, edited?}; returns the load
  // summary. An edit that does not parse leaves the last good result, its trace and its step on
  // screen, marked stale, and only the editor shows the error: typing passes through many texts
  // that do not parse, and the view should not blank and lose its step at each of them.
  app.loadText = function loadText(text, source, step = 0) {
    const name = source.path || source.name || '<editor>';
    app.source = { ...source, name, text };
    if (source.edited && app.summary && app.summary.ok) {
      const parsed = JSON.parse(app.module.parse(text, name));
      if (!parsed.ok) {
        showStale(parsed.error, name);
        return parsed;
      }
    }
    setStale(false);
    const summary = JSON.parse(app.session.load(text, name));
    app.loads = (app.loads || 0) + 1;
    app.summary = summary;
    let parsed = null;
    try { parsed = JSON.parse(text); } catch (e) { /* the error comes from the parser */ }
    app.steps = parsed && Array.isArray(parsed.steps) ? parsed.steps : [];
    app.catalogue.setCurrent(source.path || '');
    if (!summary.ok) {
      app.trace = null;
      app.editor.showError(summary.error);
      $('scenario-title').textContent = `${name}: scenario error`;
      showNoScenario(summary.error);
      app.schedulePermalink();
      return summary;
    }
    app.trace = JSON.parse(app.session.trace());
    app.editor.showOk(summary);
    if (app.trace.error) app.editor.showError(app.trace.error);
    $('scenario-title').textContent = `${summary.id}${summary.title ? ` — ${summary.title}` : ''}`;
    const byStep = new Map();
    for (const f of app.trace.failures) byStep.set(f.step, (byStep.get(f.step) || []).concat(f.message));
    if (app.trace.error) byStep.set(app.trace.error.step, [app.trace.error.message]);
    app.failuresByStep = byStep;
    app.failing = [...byStep.keys()].filter((s) => s >= 0).sort((a, b) => a - b);
    app.compare = null;
    app.traceView.setRows(traceRows());
    app.timeline.setRecords(summary.level === 'usocket' ? app.trace.records : null, app.steps);
    const expects = app.trace.expects.filter(Boolean).length;
    const leak = byStep.get(-1);
    $('trace-summary').replaceChildren(...[
      `${summary.ran} of ${summary.steps} steps ran; ${expects} expectations, `,
      ns.el('strong', { class: app.failing.length ? 'warn' : null }, `${app.failing.length} failing`),
      leak ? ns.el('div', { class: 'run-error' }, leak.join('; ')) : null,
      app.trace.error ? ns.el('div', { class: 'run-error' }, app.trace.error.message) : null].filter(Boolean));
    const scrub = $('scrubber');
    scrub.max = String(summary.ran);
    app.divergence = null;
    app.journey = null;
    $('journey').hidden = true;
    $('trace').classList.remove('compare');
    $('divergence').hidden = true;
    $('go-divergence').disabled = true;
    app.goTo(step);
    return summary;
  };

  // The trace's rows: each step, its result, why (the rules it applied) and, beside a recorded
  // trace, the other side's result with the rows that differ marked.
  function traceRows() {
    const rows = [];
    const recs = app.trace.records;
    const other = app.compare ? app.compare.other_records : null;
    const differs = app.compare ? new Set(app.compare.differs) : null;
    const count = Math.max(app.steps.length, recs.length, other ? other.length : 0);
    for (let i = 0; i < count; i++) {
      const rec = recs[i];
      const status = app.failuresByStep.has(i) ? 'fail' : app.trace.expects[i] && rec ? 'pass' : '';
      const text = `${i} ${ns.describeStep(app.steps[i], app.summary.level)} → ${rec ? ns.describeRecord(rec) : 'not run'}`;
      // The title (the reason and the failures) is made when the row is drawn: most never are.
      const row = { text, status, get title() {
        return [text, ns.reasonLine(rec, (app.trace.rules || [])[i], app.steps[i], app.summary.level), ...(app.failuresByStep.get(i) || [])].filter(Boolean).join('\n');
      } };
      if (other) {
        row.other = i < other.length ? ns.describeRecord(other[i]) : '(trace ended)';
        row.differs = differs.has(i);
      }
      rows.push(row);
    }
    return rows;
  }

  function setStale(on) {
    if (on) document.body.dataset.stale = '';
    else delete document.body.dataset.stale;
  }

  function showStale(error, name) {
    app.catalogue.setCurrent('');
    app.editor.showError(error, `The state and the trace still show the last version that parsed (${app.summary.id}).`);
    $('scenario-title').textContent = `${name}: scenario error (showing the last version that parsed)`;
    setStale(true);
    app.schedulePermalink();
  }

  function showNoScenario(error) {
    app.traceView.setRows([]);
    app.timeline.setRecords(null, []);
    $('trace-summary').replaceChildren(ns.el('div', { class: 'run-error' }, error.message));
    $('scrubber').max = '0';
    $('scrubber').value = '0';
    $('step-counter').textContent = ns.positionText(0, 0);
    $('lanes').replaceChildren();
    $('kernel-objects').replaceChildren();
    $('changes').replaceChildren();
    $('step-card').replaceChildren(ns.el('p', { class: 'warn', style: 'margin:0' },
      'This scenario does not parse: ', error.message));
    app.view = null;
    app.step = 0;
  }

  // The states the page holds, parsed, by step: the one shown and its neighbours. A step
  // forward or back finds one of its two states here (asking the simulator only for the
  // other), and the same objects come back, so computeChanges' indexes of them are kept.
  const HELD = 4;
  let held = new Map();
  let heldLoad = -1;
  function stateAt(step) {
    if (heldLoad !== app.loads) { held = new Map(); heldLoad = app.loads; }
    let state = held.get(step);
    if (state) return state;
    state = JSON.parse(app.session.state(step));
    if (state.ok === false) throw new Error(state.error.message);
    held.set(step, state);
    if (held.size > HELD) {
      const far = [...held.keys()].reduce((a, b) => (Math.abs(b - step) > Math.abs(a - step) ? b : a));
      held.delete(far);
    }
    return state;
  }

  let prefetchTimer = 0;
  app.goTo = function goTo(k) {
    if (!app.summary || !app.summary.ok) return;
    const t0 = performance.now();
    const step = Math.max(0, Math.min(app.summary.ran, Number(k) || 0));
    let view;
    try {
      view = { step, before: step > 0 ? stateAt(step - 1) : null, after: stateAt(step) };
    } catch (e) {
      ns.toast(e.message);
      return;
    }
    app.view = view;
    app.step = step;
    const index = step - 1;
    // First what reads the layout (the trace and the timeline scroll to the step), while the
    // layout is still the last frame's: after the state's redraw, a read would lay it all out
    // again in the middle of the step.
    app.traceView.setCurrent(index);
    app.timeline.setCurrent(index);
    const changes = ns.computeChanges(view.before, view.after);
    const acting = index >= 0 && app.steps[index] ? view.after.names.indexOf(app.steps[index].proc) : -1;
    ns.renderState(view, changes, acting);
    ns.renderChanges(changes, view.after.stepwise === false ? 0 : step);
    ns.renderStepCard(index < 0 ? null : {
      index, step: app.steps[index], record: app.trace.records[index], expect: app.trace.expects[index],
      failures: app.failuresByStep.get(index) || [], rules: (app.trace.rules || [])[index] || [],
      other: app.compare ? { name: app.compare.name, record: app.compare.other_records[index] } : null,
    }, app.summary);
    app.arrows.schedule();
    if (!$('journey').hidden && app.journey) app.showJourney(app.journey.object, false);
    $('scrubber').value = String(step);
    $('scrubber').setAttribute('aria-valuetext', ns.positionText(step, app.summary.ran));
    $('step-counter').textContent = ns.positionText(step, app.summary.ran);
    $('go-back').disabled = step === 0;
    $('go-start').disabled = step === 0;
    $('go-forward').disabled = step === app.summary.ran;
    $('go-end').disabled = step === app.summary.ran;
    app.lastRenderMs = performance.now() - t0;
    clearTimeout(prefetchTimer);
    prefetchTimer = setTimeout(() => app.session.prefetch(), 150);
    app.schedulePermalink();
  };

  // An object's journey beside the state (web/js/journey.js); focus: move the focus there.
  app.showJourney = function showJourney(object, focus = true) {
    if (!app.journey || app.journey.object !== object || app.journey.loads !== app.loads) {
      app.journey = { ...JSON.parse(app.session.journey(object)), object, loads: app.loads };
    }
    const box = $('journey');
    ns.renderJourney(box, app.journey, app.step, (k) => app.goTo(k), () => {
      box.hidden = true;
      app.journey = null;
    });
    if (focus) box.querySelector('h2').focus();
  };

  app.nextFailing = function nextFailing(direction = 1) {
    const shown = app.step - 1;
    const list = direction > 0 ? app.failing.filter((s) => s > shown) : app.failing.filter((s) => s < shown).reverse();
    if (!list.length) { ns.toast(direction > 0 ? 'No failing expectation after this step' : 'No failing expectation before this step'); return; }
    app.goTo(list[0] + 1);
  };

  app.loadTrace = function loadTrace(text, name) {
    if (!app.summary || !app.summary.ok) { ns.toast('Load a scenario that parses first'); return null; }
    const result = JSON.parse(app.session.divergence(text));
    app.divergence = result;
    app.compare = result.ok ? { ...result, name: `${result.backend || 'other'}${result.kernel ? ` (${result.kernel})` : ''}` } : null;
    app.traceView.setRows(traceRows());
    $('trace').classList.toggle('compare', !!app.compare);
    const go = () => app.goTo(result.index + 1);
    ns.renderDivergence(result, app.summary.id, name, go, () => {
      $('divergence').hidden = true;
      app.compare = null;
      $('trace').classList.remove('compare');
      app.traceView.setRows(traceRows());
      app.traceView.setCurrent(app.step - 1);
      $('go-divergence').disabled = true;
    });
    $('go-divergence').disabled = !(result.ok && result.found);
    if (result.ok && result.found) {
      app.traceView.setDiverged(result.index);
      go();
    } else {
      app.goTo(app.step);
    }
    return result;
  };

  // Permalink: written (replaceState, so history is not flooded) shortly after a change.
  let permalinkTimer = 0;
  app.schedulePermalink = function schedulePermalink() {
    clearTimeout(permalinkTimer);
    permalinkTimer = setTimeout(app.writePermalink, 200);
  };
  app.writePermalink = async function writePermalink() {
    if (!app.source) return '';
    const entry = bundledEntry(app.source.text);
    const hash = await ns.encodePermalink(entry ? { path: entry.path } : { text: app.source.text }, app.step);
    app.lastHash = hash;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    return hash;
  };

  async function openFromHash() {
    let link = null;
    try { link = await ns.decodePermalink(location.hash); } catch (e) { ns.toast(`Bad permalink: ${e.message}`); }
    if (!link) return false;
    if (link.path) {
      const entry = (window.FDLAB_SCENARIOS || []).find((e) => e.path === link.path);
      if (!entry) { ns.toast(`No bundled scenario ${link.path}`); return false; }
      pick(entry, link.step);
    } else {
      app.editor.setText(link.text);
      app.loadText(link.text, { name: '<permalink>' }, link.step);
    }
    return true;
  }

  function pick(entry, step = 0) {
    app.editor.setText(entry.text);
    const summary = app.loadText(entry.text, { path: entry.path }, step);
    if (!summary.ok) selectTab('editor');
  }

  function selectTab(which) {
    for (const name of ['catalogue', 'editor', 'programs']) {
      const on = name === which;
      $(`tab-${name}`).setAttribute('aria-selected', String(on));
      $(`tab-${name}`).tabIndex = on ? 0 : -1;
      $(`panel-${name}`).hidden = !on;
    }
  }
  app.selectTab = selectTab;

  function wireTabs() {
    const tabs = ['catalogue', 'editor', 'programs'];
    tabs.forEach((name, i) => {
      const tab = $(`tab-${name}`);
      tab.addEventListener('click', () => selectTab(name));
      tab.addEventListener('keydown', (e) => {
        if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
        const next = tabs[(i + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length];
        selectTab(next);
        $(`tab-${next}`).focus();
        e.preventDefault();
        e.stopPropagation();
      });
    });
  }

  function wireKeys() {
    document.addEventListener('keydown', (e) => {
      const t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (t.closest && (t.closest('textarea, input, select, [role=tablist], [contenteditable=true]'))) return;
      const keys = {
        ArrowRight: () => app.goTo(app.step + 1), ArrowLeft: () => app.goTo(app.step - 1),
        Home: () => app.goTo(0), End: () => app.goTo(app.summary ? app.summary.ran : 0),
        n: () => app.nextFailing(1), N: () => app.nextFailing(-1), p: () => app.nextFailing(-1),
        d: () => { if (app.divergence && app.divergence.found) app.goTo(app.divergence.index + 1); },
        '/': () => { selectTab('catalogue'); $('search').focus(); },
      };
      const f = keys[e.key];
      if (f) { f(); e.preventDefault(); }
    });
    $('go-start').addEventListener('click', () => app.goTo(0));
    $('go-back').addEventListener('click', () => app.goTo(app.step - 1));
    $('go-forward').addEventListener('click', () => app.goTo(app.step + 1));
    $('go-end').addEventListener('click', () => app.goTo(app.summary ? app.summary.ran : 0));
    $('go-failing').addEventListener('click', () => app.nextFailing(1));
    $('go-divergence').addEventListener('click', () => app.divergence && app.goTo(app.divergence.index + 1));
    $('scrubber').addEventListener('input', (e) => app.goTo(Number(e.target.value)));
  }

  function wireExports() {
    const base = () => (app.summary && app.summary.ok ? app.summary.id : 'scenario').replace(/[^\w.-]+/g, '-');
    $('export-scenario').addEventListener('click', () => ns.download(`${base()}.json`, 'application/json', app.editor.text));
    $('export-svg').addEventListener('click', () => {
      if (!app.view) { ns.toast('Nothing to draw: the scenario does not parse'); return; }
      const i = app.step - 1;
      const lines = i < 0 ? [] : [`step ${i}: ${ns.describeStep(app.steps[i], app.summary.level)}`, `result: ${ns.describeRecord(app.trace.records[i])}`];
      ns.download(`${base()}-step-${app.step}.svg`, 'image/svg+xml',
        ns.stateToSvg(app.view.after, `${app.summary.id} — ${ns.positionText(app.step, app.summary.ran)}`, lines));
    });
    $('copy-link').addEventListener('click', async () => {
      await app.writePermalink();
      try {
        await navigator.clipboard.writeText(location.href);
        ns.toast('Link copied');
      } catch (e) {
        ns.toast('The link is in the address bar');
      }
    });
  }

  app.ready = createFdlab().then(async (module) => {
    app.module = module;
    ns.setOps(JSON.parse(module.ops()));
    app.session = new module.Session();
    app.traceView = new ns.TraceView($('trace'), (k) => app.goTo(k));
    app.arrows = new ns.Arrows($('state'));
    $('show-arrows').addEventListener('change', (e) => app.arrows.setOn(e.target.checked));
    $('state').addEventListener('click', (e) => {
      const b = e.target.closest('[data-journey]');
      if (b) app.showJourney(Number(b.dataset.journey));
    });
    app.timeline = new ns.Timeline($('timeline'), (k) => app.goTo(k));
    app.catalogue = new ns.Catalogue(window.FDLAB_SCENARIOS || [], (e) => pick(e));
    // An edited text is the editor's own, whatever it was loaded from: errors and the title
    // name it '<editor>' (unless it is a bundled scenario's text again). It keeps the step shown.
    app.editor = new ns.Editor((text) => {
      const entry = bundledEntry(text);
      app.loadText(text, entry ? { path: entry.path } : { name: '<editor>', edited: true }, app.step);
    }, JSON.parse(module.ops()));
    wireTabs();
    ns.wirePrograms(app);
    wireKeys();
    wireExports();
    ns.wireFileInputs({
      scenario: (text, name) => { app.editor.setText(text); selectTab('editor'); app.loadText(text, { name }); },
      trace: (text, name) => app.loadTrace(text, name),
    });
    window.addEventListener('hashchange', () => { if (location.hash !== app.lastHash) openFromHash(); });
    if (!(await openFromHash())) {
      const list = window.FDLAB_SCENARIOS || [];
      const first = list.find((e) => e.path === 'scenarios/stream/fds-stop-the-read.json') ||
        list.find((e) => e.level === 'kernel') || list[0];
      if (first) pick(first);
    }
    return app;
  });
})(window.Fdlab = window.Fdlab || {});
