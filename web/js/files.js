// Files coming in from the open dialogs or dropped on the page: a recorded trace ("fdlab_trace")
// goes beside the simulator's trace, anything else is taken as a scenario.
'use strict';
(function (ns) {
  ns.isTraceFile = function isTraceFile(text) {
    try {
      const j = JSON.parse(text);
      return j !== null && typeof j === 'object' && 'fdlab_trace' in j;
    } catch (e) {
      return false;
    }
  };

  // handlers: {scenario(text, name), trace(text, name)}
  ns.acceptFiles = async function acceptFiles(fileList, handlers) {
    for (const file of fileList) {
      const text = await file.text();
      if (ns.isTraceFile(text)) handlers.trace(text, file.name);
      else handlers.scenario(text, file.name);
    }
  };

  ns.wireFileInputs = function wireFileInputs(handlers) {
    const open = (button, input, kind) => {
      document.getElementById(button).addEventListener('click', () => document.getElementById(input).click());
      document.getElementById(input).addEventListener('change', async (e) => {
        for (const file of e.target.files) handlers[kind](await file.text(), file.name);
        e.target.value = '';
      });
    };
    open('open-file', 'file-input', 'scenario');
    open('open-trace', 'trace-input', 'trace');
    const hint = document.getElementById('drop-hint');
    let depth = 0;
    document.addEventListener('dragenter', (e) => { e.preventDefault(); depth++; hint.hidden = false; });
    document.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; hint.hidden = true; } });
    document.addEventListener('dragover', (e) => e.preventDefault());
    document.addEventListener('drop', (e) => {
      e.preventDefault();
      depth = 0;
      hint.hidden = true;
      if (e.dataTransfer.files.length) ns.acceptFiles(e.dataTransfer.files, handlers);
      else {
        const text = e.dataTransfer.getData('text/plain');
        if (text) (ns.isTraceFile(text) ? handlers.trace : handlers.scenario)(text, 'dropped text');
      }
    });
  };
})(window.Fdlab = window.Fdlab || {});
