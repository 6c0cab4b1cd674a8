// Words for steps and trace records: one line each, as the trace list and the step card show them.
'use strict';
(function (ns) {
  // Characters that change how the text around them is laid out or read (bidi controls such as
  // U+202E, zero-width marks: Unicode's format characters) and control characters are shown as
  // \u escapes, so bytes in a scenario cannot reverse, hide or split the row that shows them.
  const HIDDEN = /[\p{Cf}\p{Cc}]/gu;
  ns.visible = (s) => String(s).replace(HIDDEN, (c) => `\\u${c.codePointAt(0).toString(16).padStart(4, '0')}`);

  // Text as a quoted string, cut to n characters (code points, so no pair is split).
  ns.shortBytes = function shortBytes(s, n = 32) {
    const chars = [...s];
    const shown = chars.length > n ? chars.slice(0, n).join('') + '…' : s;
    return ns.visible(JSON.stringify(shown));
  };

  // Bytes given as hex: as text when they are valid UTF-8 (the trace and the snapshot give hex
  // for any byte outside printable ASCII, "héllo" included), else as hex.
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  ns.hexBytes = function hexBytes(hex, n = 32) {
    const bytes = new Uint8Array(hex.length >> 1);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
    try {
      return ns.shortBytes(utf8.decode(bytes), n);
    } catch (e) {
      return `hex ${hex.slice(0, 2 * n)}${hex.length > 2 * n ? '…' : ''}`;
    }
  };

  // The op declarations of both levels, by level and name (core/op_table.h,
  // core/usocket/usocket_ops.cpp, handed over by the wasm module's ops()), so a step is described
  // from what its op declares. The levels share names ("connect" is a kernel call and a usocket
  // call, with other arguments): a step is looked up in its scenario's level first.
  ns.setOps = function setOps(description) {
    ns.ops = {};
    for (const level of ['kernel', 'usocket']) {
      const byName = {};
      for (const op of description[level]) {
        byName[op.op] = op;
        for (const alias of op.aliases) byName[alias] = op;
      }
      ns.ops[level] = byName;
    }
  };
  ns.opOf = (name, level = 'kernel') => (ns.ops ? ns.ops[level][name] ||
    ns.ops[level === 'kernel' ? 'usocket' : 'kernel'][name] : undefined);

  // One declared field of a step, in words.
  function describeField(field, v) {
    switch (field.name) {
      case 'data': return typeof v === 'string' ? ns.shortBytes(v, 24) : null;
      case 'data_hex': return ns.hexBytes(String(v), 24);
      case 'data_size': return `${v} bytes`;
      case 'to': return `→ ${v}`;
      case 'as': return `as ${[].concat(v).join(', ')}`;
      default: break;
    }
    switch (field.type) {
      case 'boolean': return v ? field.name : null;
      case 'choice_list': return [].concat(v).length ? [].concat(v).join('|') : null;
      case 'fd_list': case 'label_array': return `${field.name} [${v.join(', ')}]`;
      case 'cmsg_list': return `${field.name} ${ns.visible(JSON.stringify(v))}`;
      case 'integer': case 'nullable_integer': case 'integer_or_boolean': return `${field.name} ${v}`;
      default: return ns.visible(typeof v === 'object' ? JSON.stringify(v) : String(v));
    }
  }

  // "p sendmsg a "abcd" fds [f1]", "p bind l srv.sock": every field the op declares, in order.
  ns.describeStep = function describeStep(step, level = 'kernel') {
    if (!step || typeof step !== 'object') return '?';
    const parts = [ns.visible(step.proc), ns.visible(step.op)];
    const op = ns.opOf(step.op, level);
    if (!op) return parts.join(' ');
    const fields = op.fields.filter((f) => f.name !== 'as').concat(op.fields.filter((f) => f.name === 'as'));
    for (const field of fields) {
      if (step[field.name] === undefined) continue;
      const words = describeField(field, step[field.name]);
      if (words !== null && words !== '') parts.push(words);
    }
    return parts.join(' ');
  };

  // Where the page stands, in the numbering of the CLI, the errors and the trace records: steps
  // are numbered from 0 as in the scenario's "steps" array, and the page stands after one.
  ns.positionText = function positionText(run, total) {
    if (total === 0) return 'no step ran';
    return run === 0 ? `before step 0 (0 of ${total} run)` : `after step ${run - 1} (${run} of ${total} run)`;
  };

  // "ret 4 "abcd" fds 4=f1 []"
  ns.describeRecord = function describeRecord(r) {
    if (!r) return '(no record)';
    if (r.blocked) return 'blocked';
    const parts = [];
    if (r.result !== undefined || r.events) {  // usocket level: the call's result and its events
      if (r.result !== undefined) parts.push(ns.visible([...JSON.stringify(r.result)].slice(0, 60).join('')));
      if (r.events && r.events.length) parts.push('events ' + r.events.map((e) => `${e.on}:${e.event}`).join(' '));
      return parts.join(' ') || 'ok';
    }
    if (r.errno) parts.push(`${r.errno}`);
    else parts.push(`ret ${r.ret}`);
    if (typeof r.data === 'string') parts.push(ns.shortBytes(r.data, 24));
    if (r.data_hex) parts.push(ns.hexBytes(r.data_hex, 24));
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
    return l !== undefined ? ns.visible(l) : `#${id}`;
  };

  // The first sentence of a rule's text: up to the first ". " outside parentheses (rules
  // list their errnos in parentheses, with their own stops inside).
  ns.firstSentence = function firstSentence(text) {
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '(') depth++;
      else if (c === ')') depth = Math.max(0, depth - 1);
      else if (c === '.' && depth === 0 && (i + 1 === text.length || text[i + 1] === ' ')) return text.slice(0, i + 1);
    }
    return text;
  };

  // The catalogue's rule (docs/rules/*.json, packed into scenarios.js), or null.
  ns.rule = (id) => (window.FDLAB_RULES && window.FDLAB_RULES[id]) || null;

  // Why a step came out as it did, one sentence per rule of the catalogue that the simulator
  // applied at it (the marks of core/rules_reached.h): [{id, sentence}].
  const sentences = new Map();  // a 10,000-step trace names the same few rules over and over
  ns.reasons = function reasons(ruleIds) {
    return (ruleIds || []).map((id) => {
      if (!sentences.has(id)) {
        const r = ns.rule(id);
        sentences.set(id, r ? ns.firstSentence(r.rule) : '(a rule missing from the catalogue)');
      }
      return { id, sentence: sentences.get(id) };
    });
  };

  // A step no rule of the catalogue decided (a plain socketpair, a send that fits) did what its op
  // declares it gives: that is its reason.
  ns.plainReason = function plainReason(step, level) {
    const op = step && ns.opOf(step.op, level);
    return op ? `no rule of the catalogue decided this step: ${step.op} gives ${op.result}.` : '';
  };

  // The step's reason in one line: "ret 4 "abcd": A read never crosses … — stream.fd-boundary".
  ns.reasonLine = function reasonLine(record, ruleIds, step, level) {
    const why = ns.reasons(ruleIds);
    if (!why.length) return step ? `${record ? ns.describeRecord(record) : 'not run'}: ${ns.plainReason(step, level)}` : '';
    return `${record ? ns.describeRecord(record) : 'not run'}: ${why.map((w) => `${w.sentence} — ${w.id}`).join(' ')}`;
  };
})(window.Fdlab = window.Fdlab || {});
