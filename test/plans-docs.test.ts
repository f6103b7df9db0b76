/**
 * docs/plans.md and docs/plan.schema.json: every JSON example in the docs validates against the
 * plan schema (through the same parseConfig that `bench --config` uses), the first one runs as a
 * real benchmark and records its runs under the plan's name, the committed schema file is the
 * schema built from the registries, and it is a valid draft-07 schema that ajv compiles.
 */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Ajv } from 'ajv';
import { parseConfig } from '../harness/bench/config.ts';
import { planSchema } from '../harness/bench/schema.ts';
import { openReadOnly } from '../harness/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-plans-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const md = readFileSync('docs/plans.md', 'utf8');
const examples = [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] as string);

t.test('every JSON example in docs/plans.md is a valid plan', async (t) => {
  t.ok(examples.length >= 4, `${examples.length} examples`);
  for (const [i, text] of examples.entries()) {
    const json = JSON.parse(text) as { name: string };
    const c = parseConfig(json, `docs/plans.md example ${i + 1}`);
    t.equal(c.name, json.name, `example ${i + 1} (${json.name}) validates`);
  }
});

t.test('the docs name every field of the schema', async (t) => {
  const s = planSchema() as { properties: Record<string, unknown> & { problems: { items: { properties: object } }; solvers: { items: { properties: object } } } };
  const fields = [...Object.keys(s.properties), ...Object.keys(s.properties.problems.items.properties), ...Object.keys(s.properties.solvers.items.properties)];
  for (const f of new Set(fields)) t.ok(md.includes(`\`${f}\``), `${f} is documented`);
});

t.test('docs/plan.schema.json is the schema built from the registries, and ajv compiles it', async (t) => {
  const file = JSON.parse(readFileSync('docs/plan.schema.json', 'utf8')) as unknown;
  t.same(file, planSchema(), 'up to date (run `npx tsx harness/bench/schema.ts` after adding a solver or family)');
  const ajv = new Ajv({ strict: false });
  const validate = ajv.compile(file as object);
  t.ok(validate(JSON.parse(examples[0] as string)), 'a plain draft-07 validator accepts the first example');
  t.notOk(validate({ name: 'x', problems: [], solvers: [{ name: 'cd' }] }), 'and refuses an empty problem list');
});

t.test('the first example runs and records its runs under the plan name', async (t) => {
  const plan = join(dir, 'tiny.json');
  writeFileSync(plan, examples[0] as string);
  const db = join(dir, 'tiny.db');
  const r = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', plan, '--db', db, '--quiet'], { encoding: 'utf8', timeout: 240_000 });
  t.equal(r.status, 0, r.stderr);
  const store = await openReadOnly(db);
  t.teardown(() => store.close());
  const runs = await store.runs();
  t.equal(runs.length, 2, 'cd and fista on one instance');
  t.ok(runs.every((x) => x.suite === 'tiny' && x.status === 'converged'), 'both converged, recorded under suite tiny');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...(JSON.parse(examples[0] as string) as object), solvers: [{ name: 'spred-adam', params: { batch: 32 } }] }));
  const b = spawnSync(process.execPath, ['bin/l1bench.js', 'bench', '--config', bad, '--db', join(dir, 'bad.db')], { encoding: 'utf8' });
  t.equal(b.status, 2);
  t.match(b.stderr, /^l1bench: config .*bad\.json: solvers\[0\]\.params\.batch is not a known field; allowed here: [a-zA-Z0-9, ]+\n$/);
});
