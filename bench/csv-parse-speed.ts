/**
 * CSV parsing speed: l1bench's streaming line parser (problems/datasets/csv.ts, fields split on
 * commas, numbers by `strictNumber`) against csv-parse 6 fed the same 1 MiB chunks (records
 * taken synchronously through its `on_record` hook), alternately in one process.
 *
 *   node --import tsx bench/csv-memory.ts write /tmp/m.csv 40 20
 *   node --import tsx bench/csv-parse-speed.ts /tmp/m.csv
 *
 * Measured here (41 MB, 230k rows × 21 numeric cells, 2 heavily loaded cores, noisy): plain split
 * 1.8–2.4 s, the whole loadCsv (validation and the column-major matrix included) 2.0–2.9 s,
 * csv-parse 7.0–8.9 s — csv-parse is 3–4× slower on the numeric tables that matter, so the loader
 * keeps its own streaming parser (issue 15 allows that when the library measures slower).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import { loadCsv } from '../problems/datasets/csv.ts';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: bench/csv-parse-speed.ts FILE.csv\n');
  process.exit(2);
}

function chunks(fn: (b: Buffer) => void): void {
  const fd = openSync(path as string, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const k = readSync(fd, buf, 0, buf.length, null);
    if (k === 0) break;
    fn(buf.subarray(0, k));
  }
  closeSync(fd);
}

/** Plain split parser (what csv.ts does for quote-free lines): returns [rows, Σ cells]. */
function hand(): [number, number] {
  const dec = new StringDecoder('utf8');
  let carry = '';
  let sum = 0;
  let rows = 0;
  const line = (l: string): void => {
    if (rows++ === 0) return;
    const f = l.split(',');
    for (let j = 0; j < f.length; j++) sum += +(f[j] as string);
  };
  chunks((b) => {
    const parts = (carry + dec.write(b)).split('\n');
    carry = parts.pop() ?? '';
    for (const l of parts) line(l);
  });
  if (carry) line(carry);
  return [rows, sum];
}

function csvParse(): [number, number] {
  let sum = 0;
  let rows = 0;
  const p = parse({
    on_record: (rec: string[]) => {
      if (rows++ > 0) for (let j = 0; j < rec.length; j++) sum += +(rec[j] as string);
      return null;
    },
  });
  p.on('error', (e) => {
    throw e;
  });
  chunks((b) => p.write(Buffer.from(b))); // csv-parse keeps a reference to a partial record: copy
  p.end();
  return [rows, sum];
}

function loader(): [number, number] {
  const ds = loadCsv(path as string, { task: 'regression' });
  let sum = 0;
  for (const v of ds.X.data) sum += v;
  for (const v of ds.y) sum += v;
  return [ds.X.n + 1, sum];
}

for (let r = 0; r < 3; r++) {
  for (const [name, f] of [['split', hand], ['csv-parse', csvParse], ['loadCsv', loader]] as const) {
    const t0 = performance.now();
    const [rows, sum] = f();
    process.stdout.write(`${name.padEnd(10)} ${((performance.now() - t0) / 1000).toFixed(2)} s  rows=${rows}  Σ=${sum.toFixed(3)}\n`);
  }
}
