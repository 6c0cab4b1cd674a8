// Completion for scenario steps, from the op table's own description (the wasm module's ops(),
// i.e. core/op_table.h and core/usocket/usocket_ops.cpp): the value of a step's "op" completes to
// the ops of the scenario's level, and a key inside a step to the fields that step's op declares
// (plus proc, op, expect, comment, which every step has), less those already there.
import { syntaxTree } from '@codemirror/language';

const EVERY_STEP = [
  { name: 'proc', detail: 'process, required' },
  { name: 'op', detail: 'required' },
  { name: 'expect', detail: 'what the record must hold' },
  { name: 'comment', detail: 'text' },
];

const parse = (json) => {
  try {
    return JSON.parse(json);
  } catch (e) {
    return null;
  }
};
const nameOf = (state, node) => parse(state.sliceDoc(node.from, node.to));

// The keys of the step that opens at `from` (its own, not those of objects inside it), each
// with its value when that is a string; the string at `skip` (the one being typed) is left out.
// Read from the text, not the syntax tree: while a key is being typed the parser's error
// recovery can fold the next property into it. (A step is a line or a few; 64 KiB is plenty.)
function keysOf(state, from, skip) {
  const keys = new Map();
  const text = state.doc.sliceString(from, from + 65536);
  const string = (i) => {  // the end of the string that opens at i (past its closing quote)
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = string(i);
      const colon = /^\s*:\s*/.exec(text.slice(end, end + 40));
      if (depth === 1 && colon && from + i !== skip) {
        const v = text[end + colon[0].length] === '"' ? end + colon[0].length : -1;
        keys.set(parse(text.slice(i, end)), v < 0 ? null : parse(text.slice(v, string(v))));
      }
      i = end - 1;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if ((c === '}' || c === ']') && --depth === 0) {
      break;
    }
  }
  return keys;
}

// The step object around pos: an element of the top-level "steps" array; null anywhere else
// (inside "expect", in the header, between steps).
function enclosingStep(state, pos) {
  for (let node = syntaxTree(state).resolveInner(pos, -1); node; node = node.parent) {
    if (node.name !== 'Object') continue;
    const array = node.parent;
    const property = array && array.name === 'Array' ? array.parent : null;
    const name = property && property.name === 'Property' ? property.getChild('PropertyName') : null;
    const top = property ? property.parent : null;
    if (!name || nameOf(state, name) !== 'steps' || !top || top.name !== 'Object' ||
        !top.parent || top.parent.name !== 'JsonText') return null;
    return { node, top };
  }
  return null;
}

// The scenario's "level", from the top object's properties (the header, not being edited).
function levelOf(state, top) {
  for (const property of top.getChildren('Property')) {
    const name = property.getChild('PropertyName');
    const value = property.getChild('String');
    if (name && value && nameOf(state, name) === 'level') return nameOf(state, value);
  }
  return null;
}

// opsOf(level) → the op declarations of that level: [{op, aliases, fields: [{name, type, required}], result}]
export function stepCompletions(opsOf) {
  return (context) => {
    const { state, pos } = context;
    const word = context.matchBefore(/"?[\w-]*/);
    const quoted = word.text.startsWith('"');
    if (!quoted && word.from === word.to && !context.explicit) return null;
    const step = enclosingStep(state, pos);
    if (!step) return null;
    const before = state.sliceDoc(step.node.from, word.from).trimEnd();
    const last = before[before.length - 1];
    const level = levelOf(state, step.top) || 'kernel';
    const ops = opsOf(level) || [];
    // Inside quotes the closing one may be there already (closeBrackets typed it).
    const closed = state.sliceDoc(pos, pos + 1) === '"';
    const wrap = (name) => (quoted ? (closed ? name : `${name}"`) : `"${name}"`);
    const from = quoted ? word.from + 1 : word.from;
    let options;
    if (last === '{' || last === ',') {
      const present = keysOf(state, step.node.from, word.from);
      const opName = present.get('op');
      const op = ops.find((o) => o.op === opName || o.aliases.includes(opName));
      const fields = EVERY_STEP.concat(op ? op.fields.map((f) => ({
        name: f.name, detail: `${f.type}${f.required ? ', required' : ''}` })) : []);
      options = fields.filter((f) => !present.has(f.name)).map((f, i) => ({
        label: f.name, type: 'property', detail: f.detail, apply: wrap(f.name), boost: -i / 100 }));
    } else if (last === ':' && /"op"\s*:$/.test(before)) {
      options = ops.flatMap((o) => [{ label: o.op, type: 'keyword', info: o.result, apply: wrap(o.op) }].concat(
        o.aliases.map((a) => ({ label: a, type: 'keyword', detail: `same as ${o.op}`, info: o.result, apply: wrap(a) }))));
    } else {
      return null;
    }
    return { from, options, validFor: /^[\w-]*$/ };
  };
}
