// The Programs tab: examples/fdpass's C programs, built with libfdlab_posix (posix/), run as
// processes of one simulated kernel in the page (posix/host.js), and the run opened as a
// scenario. The modules are loaded on the first run only: they are not needed to step through
// scenarios.
'use strict';
(function (ns) {
  const SCRIPTS = ['programs/scenario_writer.js', 'programs/host.js', 'programs/fdlab_kernel.js',
    'programs/fdpass_server.js', 'programs/fdpass_client.js'];
  const REQUESTS = '4';

  function load(src) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error('could not load ' + src));
      document.head.appendChild(s);
    });
  }

  async function run(app) {
    const status = document.getElementById('programs-status');
    const output = document.getElementById('programs-output');
    status.textContent = 'Loading the programs…';
    for (const src of SCRIPTS) await load(src);
    status.textContent = 'Running…';
    const host = new window.FdlabPosixHost.Host(await window.createFdlabKernel(), { id: 'programs/fdpass' });
    const result = await host.run([
      { name: 'server', create: window.createFdpassServer, args: ['/run/fdpass.sock', REQUESTS] },
      { name: 'client', create: window.createFdpassClient, args: ['/run/fdpass.sock', REQUESTS] },
    ]);
    output.replaceChildren(...result.processes.map((p) => {
      const box = document.createElement('figure');
      const cap = document.createElement('figcaption');
      cap.textContent = `${p.name}: exit ${p.exit}`;
      const pre = document.createElement('pre');
      pre.textContent = p.output.join('\n');
      box.append(cap, pre);
      return box;
    }));
    const text = JSON.stringify(result.scenario, null, 1);
    app.editor.setText(text);
    app.loadText(text, { name: '<programs: fdpass>' });
    status.textContent = result.deadlock
      ? 'The programs deadlocked: ' + result.deadlock.map((d) => `${d.process} in ${d.waiting_in}`).join(', ')
      : `${result.log.length} calls on the model, written as ${result.scenario.steps.length} steps: step through them above.`;
    app.lastProgramsRun = result;
    return result;
  }

  ns.wirePrograms = function wirePrograms(app) {
    const button = document.getElementById('programs-run');
    button.addEventListener('click', () => {
      button.disabled = true;
      run(app).catch((e) => {
        document.getElementById('programs-status').textContent = 'The run failed: ' + e.message;
      }).finally(() => { button.disabled = false; });
    });
  };
})(window.Fdlab = window.Fdlab || {});
