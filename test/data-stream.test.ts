/**
 * Streaming readers across 1 MiB chunk boundaries: a multi-chunk CSV (CRLF, CR-only, quoted
 * multi-line fields, multi-byte names) and LIBSVM file load exactly the values written.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadCsv } from '../problems/datasets/csv.ts';
import { loadLibsvm } from '../problems/datasets/libsvm.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-stream-'));
const n = 120_000; // ≈ 3 MiB of text: several chunks
const value = (i: number, j: number): number => ((i * 7 + j * 13) % 1000) / 8 - 60;

function csvText(eol: string): string {
  const rows: string[] = ['"größe","b\u00e9ta",y'];
  for (let i = 0; i < n; i++) rows.push(`${value(i, 0)},${value(i, 1)},${i % 5}`);
  return rows.join(eol) + eol;
}

t.test('CSV over several chunks: LF, CRLF, CR-only and gzip give the same matrix', async (t) => {
  for (const [name, text, gz] of [
    ['lf.csv', csvText('\n'), false],
    ['crlf.csv', csvText('\r\n'), false],
    ['cr.csv', csvText('\r'), false],
    ['lf.csv.gz', csvText('\n'), true],
  ] as const) {
    const p = join(dir, name);
    writeFileSync(p, gz ? gzipSync(text) : text);
    const ds = loadCsv(p, { task: 'regression' });
    t.equal(ds.X.n, n, `${name}: n`);
    t.same(ds.featureNames, ['größe', 'béta'], `${name}: multi-byte names`);
    let bad = 0;
    for (let i = 0; i < n; i++) {
      if (ds.X.data[i] !== value(i, 0) || ds.X.data[n + i] !== value(i, 1) || ds.y[i] !== i % 5) bad++;
    }
    t.equal(bad, 0, `${name}: every value read back exactly`);
  }
});

t.test('a quoted multi-line label across a chunk boundary', async (t) => {
  const long = 'x'.repeat((1 << 20) - 10);
  const p = join(dir, 'quoted.csv');
  // Row 1's label starts in the first chunk and ends, after a line break, in the second.
  writeFileSync(p, `a,y\n1,"${long}\nend"\n2,c\n3,"${long}\nend"\n`);
  const ds = loadCsv(p, { task: 'binary' });
  t.same(Array.from(ds.X.data), [1, 2, 3]);
  // Classes sorted by code point: 'c' < 'xxx…' → c = −1, the long label = +1.
  t.same(Array.from(ds.y), [1, -1, 1]);
});

t.test('an error message quotes at most 40 characters of a bad cell', async (t) => {
  const p = join(dir, 'longcell.csv');
  writeFileSync(p, `a,y\n${'z'.repeat(100000)},1\n`);
  let message = '';
  try {
    loadCsv(p, { task: 'regression' });
  } catch (e) {
    message = (e as Error).message;
  }
  t.match(message, /line 2, column 'a': 'z{40}…' is not a number/);
  t.ok(message.length < 400, `message of ${message.length} characters`);
});

t.test('LIBSVM over several chunks', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${i % 2 ? '+1' : '-1'} 1:${value(i, 0)} 3:${value(i, 1)}`);
  const p = join(dir, 'big.svm');
  writeFileSync(p, lines.join('\n') + '\n');
  const ds = loadLibsvm(p, { task: 'binary' });
  t.equal(ds.X.n, n);
  t.equal(ds.X.p, 3);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    if (ds.X.data[i] !== value(i, 0) || ds.X.data[n + i] !== 0 || ds.X.data[2 * n + i] !== value(i, 1) || ds.y[i] !== (i % 2 ? 1 : -1)) bad++;
  }
  t.equal(bad, 0, 'every entry read back exactly');
});
