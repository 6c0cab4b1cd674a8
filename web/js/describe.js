// Words for steps and trace records: one line each, as the trace list and the step card show them.
'use strict';
(function (ns) {
  ns.shortBytes = function shortBytes(s, n = 32) {
    const shown = s.length > n ? s.slice(0, n) + '…' : s;
    return JSON.stringify(shown);
  };

  // The op declarations of both levels, by name (core/op_table.h, core/usocket/usocket_ops.cpp,
  // handed over by the wasm module's ops()), so a step is described from what its op declares.
  ns.setOps = function setOps(description) {
    ns.ops = {};
    for (const level of ['kernel', 'usocket']) {
      for (const op of description[level]) {
        ns.ops[op.op] = op;
        for (const alias of op.aliases) ns.ops[alias] = op;
      }
    }
  };

  // One declared field of a step, in words.
  function describeField(field, v) {
    switch (field.name) {
      case 'data': return typeof v === 'string' ? ns.shortBytes(v, 24) : null;
      case 'data_hex': return 'hex:' + String(v).slice(0, 16);
      case 'data_size': return `${v} bytes`;
      case 'to': return `→ ${v}`;
      case 'as': return `as ${[].concat(v).join(', ')}`;
      default: break;
    }
    switch (field.type) {
      case 'boolean': return v ? field.name : null;
      case 'choice_list': return [].concat(v).length ? [].concat(v).join('|') : null;
      case 'fd_list': case 'label_array': return `${field.name} [${v.join(', ')}]`;
      case 'integer': case 'nullable_integer': case 'integer_or_boolean': return `${field.name} ${v}`;
      default: return String(v);
    }
  }

  // "p sendmsg a "abcd" fds [f1]", "p bind l srv.sock": every field the op declares, in order.
  ns.describeStep = function describeStep(step) {
    if (!step || typeof step !== 'object') return '?';
    const parts = [step.proc, step.op];
    const op = ns.ops && ns.ops[step.op];
    if (!op) return parts.join(' ');
    const fields = op.fields.filter((f) => f.name !== 'as').concat(op.fields.filter((f) => f.name === 'as'));
    for (const field of fields) {
      if (step[field.name] === undefined) continue;
      const words = describeField(field, step[field.name]);
      if (words !== null && words !== '') parts.push(words);
    }
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
