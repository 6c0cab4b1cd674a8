// Every line the usocket adapter prints, for every usocket-level scenario in every variant,
// validates against the generated protocol schema (docs/adapter-protocol.schema.json) with a
// real validator (ajv, JSON Schema 2020-12); the run opens with the adapter's hello line, its
// records come one per step in order, and a run that exits 0 ends with {"done": true}.
//   node tests/adapter_protocol_test.js docs/adapter-protocol.schema.json scenarios/usocket
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFile } = require('child_process');
const Ajv2020 = require(path.join(__dirname, '..', 'web', 'node_modules', 'ajv', 'dist', '2020'));

const [schemaFile, scenarioDir] = process.argv.slice(2);
const ajv = new Ajv2020({ allErrors: false, strict: false });
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
const adapter = path.join(__dirname, '..', 'adapters', 'usocket', 'replay.js');
const variants = ['eager', 'readable-after-connected'];

function run(file, variant) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fdlab-protocol-'));
  return new Promise((resolve) => {
    execFile(process.execPath, [adapter, '--dir', dir, '--variant', variant, file],
      { timeout: 12000, maxBuffer: 64 << 20 }, (err, stdout) => {
        fs.rmSync(dir, { recursive: true, force: true });
        resolve({ status: err ? err.code : 0, stdout });
      });
  });
}

function problems(file, variant, { status, stdout }) {
  const out = [];
  const lines = stdout.split('\n').filter((l) => l.length);
  let last = -1;
  lines.forEach((line, i) => {
    let rec;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      out.push(`line ${i + 1}: not JSON`);
      return;
    }
    if (!validate(rec)) out.push(`line ${i + 1}: ${ajv.errorsText(validate.errors)}: ${line.slice(0, 200)}`);
    if (i === 0 && !(rec.adapter && rec.variant === variant)) out.push('line 1 is not the hello line');
    if ('step' in rec) {
      if (rec.step !== last + 1) out.push(`line ${i + 1}: step ${rec.step} after ${last}`);
      last = rec.step;
    }
  });
  const ended = lines.length && JSON.parse(lines[lines.length - 1]).done === true;
  if (status === 0 && !ended) out.push('exited 0 without {"done": true}');
  return out.map((p) => `${path.basename(file)} (${variant}): ${p}`);
}

(async () => {
  const files = fs.readdirSync(scenarioDir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => path.join(scenarioDir, f));
  const jobs = [];
  // The second variant changes only scenarios with a socket not connected at construction
  // (cli/conformance_run.cpp, variants_for).
  for (const f of files) {
    const steps = JSON.parse(fs.readFileSync(f, 'utf8')).steps;
    const unconnected = steps.some((s) => s.op === 'usocket' && !('fd' in s));
    for (const v of unconnected ? variants : variants.slice(0, 1)) jobs.push([f, v]);
  }
  const failures = [];
  const runs = jobs.length;
  let lines = 0;
  const worker = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      const r = await run(job[0], job[1]);
      lines += r.stdout.split('\n').filter((l) => l.length).length;
      failures.push(...problems(job[0], job[1], r));
    }
  };
  await Promise.all([worker(), worker()]);
  for (const f of failures) console.log(f);
  console.log(`${files.length} scenarios, ${runs} runs with variants, ${lines} lines; ${failures.length} problems`);
  process.exit(failures.length ? 1 : 0);
})();
