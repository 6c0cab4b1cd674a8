// Every scenario (both levels, every folder but bad/) validates against the generated JSON
// Schema, with a real validator (ajv, JSON Schema 2020-12); and the files in bad/ that are
// refused for their shape (not for what only the parser can see) fail it.
//   node tests/schema_test.js docs/scenario.schema.json scenarios
const fs = require('fs');
const path = require('path');
const Ajv2020 = require(path.join(__dirname, '..', 'web', 'node_modules', 'ajv', 'dist', '2020'));

const [schemaFile, scenarioDir] = process.argv.slice(2);
const ajv = new Ajv2020({ allErrors: false, strict: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'bad') walk(p, out);
    } else if (e.name.endsWith('.json')) {
      out.push(p);
    }
  }
  return out;
}

let failures = 0;
const files = walk(scenarioDir, []).sort();
const levels = { kernel: 0, usocket: 0 };
for (const f of files) {
  const scenario = JSON.parse(fs.readFileSync(f, 'utf8'));
  levels[scenario.level] = (levels[scenario.level] || 0) + 1;
  if (!validate(scenario)) {
    failures++;
    const e = validate.errors[0];
    console.log(`FAIL ${f}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
// Shapes the schema itself must refuse: an unknown op, a missing required field, an unknown field.
const shapes = [
  ['unknown op', { op: 'sendfile', sock: 'a' }],
  ['missing sock', { op: 'sendmsg', data: 'x' }],
  ['unknown field', { op: 'close', fd: 3, fd_spcae: 1 }],
  ['bad choice', { op: 'socketpair', type: 'raw' }],
  ['out of range', { op: 'listen', sock: 'l', backlog: 70000 }],
];
for (const [what, step] of shapes) {
  const sc = { fdlab: 1, id: 'x', level: 'kernel', provenance: 'p', processes: ['p'],
               steps: [{ proc: 'p', ...step }] };
  if (validate(sc)) {
    failures++;
    console.log(`FAIL the schema accepts a step with ${what}`);
  }
}
console.log(`schema: ${files.length} scenarios (kernel ${levels.kernel}, usocket ${levels.usocket}), ` +
            `${shapes.length} refused shapes; ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
