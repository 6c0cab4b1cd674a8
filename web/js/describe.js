// Words for steps and trace records: one line each, as the trace list and the step card show them.
'use strict';
(function (ns) {
  ns.shortBytes = function shortBytes(s, n = 32) {
    const shown = s.length > n ? s.slice(0, n) + '…' : s;
    return JSON.stringify(shown);
  };

  // "p sendmsg a "abcd" fds [f1]"
  ns.describeStep = function describeStep(step) {
    if (!step || typeof step !== 'object') return '?';
    const parts = [step.proc, step.op];
    const fd = step.sock !== undefined ? step.sock : step.fd;
    if (fd !== undefined) parts.push(String(fd));
    if (step.type) parts.push(step.type);
    if (typeof step.data === 'string') parts.push(ns.shortBytes(step.data, 24));
    if (step.data_hex) parts.push('hex:' + String(step.data_hex).slice(0, 16));
    if (step.data_size !== undefined) parts.push(`${step.data_size} bytes`);
    if (Array.isArray(step.fds)) parts.push(`fds [${step.fds.join(', ')}]`);
    if (step.len !== undefined) parts.push(`len ${step.len}`);
    if (step.fd_space !== undefined) parts.push(`fd_space ${step.fd_space}`);
    if (step.control_len !== undefined) parts.push(`control_len ${step.control_len}`);
    if (step.cmd) parts.push(step.cmd);
    if (step.how) parts.push(step.how);
    if (step.to) parts.push(`→ ${step.to}`);
    if (Array.isArray(step.flags) && step.flags.length) parts.push(step.flags.join('|'));
    if (step.as !== undefined) parts.push(`as ${[].concat(step.as).join(', ')}`);
    return parts.join(' ');
  };

  // "ret 4 "abcd" fds 4=f1 []"
  ns.describeRecord = function describeRecord(r) {
    if (!r) return '(no record)';
    if (r.blocked) return 'blocked';
    const parts = [];
    if (r.result !== undefined || r.events) {  // usocket level: the call's result and its events
      if (r.result !== undefined) parts.push(JSON.stringify(r.result).slice(0, 60));
      if (r.events && r.events.length) parts.push('events ' + r.events.map((e) => `${e.on}:${e.event}`).join(' '));
      return parts.join(' ') || 'ok';
    }
    if (r.errno) parts.push(`${r.errno}`);
    else parts.push(`ret ${r.ret}`);
    if (typeof r.data === 'string') parts.push(ns.shortBytes(r.data, 24));
    if (r.data_hex) parts.push('hex:' + r.data_hex.slice(0, 16));
    if (r.data_len !== undefined) parts.push(`${r.data_len} bytes`);
    if (r.fds) parts.push('fds ' + r.fds.map((f) => `${f.fd}=${f.obj}${f.cloexec ? '*' : ''}`).join(' '));
    if (r.msg_flags && r.msg_flags.length) parts.push(r.msg_flags.join('|'));
    if (r.flags) parts.push(`[${r.flags.join('|')}]`);
    if (r.sigpipe) parts.push('SIGPIPE');
    return parts.join(' ');
  };

  // The label the scenario gave an object, else a neutral name.
  ns.objectName = function objectName(state, id) {
    if (id === 0) return 'stdio';
    const l = state.labels.objects[String(id)];
    return l !== undefined ? l : `#${id}`;
  };
})(window.Fdlab = window.Fdlab || {});
