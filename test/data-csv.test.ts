import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError } from '../problems/errors.ts';
import { loadCsv } from '../problems/datasets/csv.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-csv-'));
let counter = 0;
function fixture(text: string, ext = '.csv', raw = false): string {
  const path = join(dir, `f${counter++}${ext}`);
  writeFileSync(path, ext.endsWith('.gz') && !raw ? gzipSync(text) : text);
  return path;
}

/** Asserts fn throws a one-line UserError whose message contains every part. */
function userError(t: Test, fn: () => unknown, parts: (string | RegExp)[]): void {
  try {
    fn();
    t.fail(`expected a UserError containing ${parts.join(' … ')}`);
  } catch (e) {
    t.ok(e instanceof UserError, `UserError (got ${(e as Error).name})`);
    const msg = (e as Error).message;
    t.notMatch(msg, /\n/, 'one line');
    for (const p of parts) t.match(msg, p);
  }
}

t.test('parses a small file into column-major X and y', async (t) => {
  const path = fixture('a,b,y\n1,2,10\n3,4,20\n5,6,30\n');
  const ds = loadCsv(path, { task: 'regression' });
  t.equal(ds.X.n, 3);
  t.equal(ds.X.p, 2);
  t.same(Array.from(ds.X.data), [1, 3, 5, 2, 4, 6]);
  t.same(Array.from(ds.y), [10, 20, 30]);
  t.same(ds.featureNames, ['a', 'b']);
  t.equal(ds.name, path);
  t.equal(ds.notes['target'], 'y');
});

t.test('target in the middle, --target, `target` default, CRLF, blank lines, gzip', async (t) => {
  const text = 'a,target,b\r\n1,0.5,2\r\n\r\n3,-1e-3,4\r\n';
  for (const path of [fixture(text), fixture(text, '.csv.gz')]) {
    const ds = loadCsv(path, { task: 'regression' });
    t.same(Array.from(ds.X.data), [1, 3, 2, 4]);
    t.same(Array.from(ds.y), [0.5, -1e-3]);
    t.same(ds.featureNames, ['a', 'b']);
  }
  const ds = loadCsv(fixture('u,v,w\n1,2,3\n4,5,6\n'), { task: 'regression', target: 'u' });
  t.same(Array.from(ds.y), [1, 4]);
  t.same(Array.from(ds.X.data), [2, 5, 3, 6]);
});

t.test('quoted fields (RFC 4180 subset)', async (t) => {
  const path = fixture('"x, first","say ""hi""",label\n"1.5",2,"yes, sir"\n3,"4",no\n');
  const ds = loadCsv(path, { task: 'binary', target: 'label' });
  t.same(ds.featureNames, ['x, first', 'say "hi"']);
  t.same(Array.from(ds.X.data), [1.5, 3, 2, 4]);
  // sorted names: "no" < "yes, sir" → no = −1, "yes, sir" = +1
  t.same(Array.from(ds.y), [1, -1]);
  t.same(ds.labels, { no: -1, 'yes, sir': 1 });
  const ml = loadCsv(fixture('a,y\n1,"line\nbreak"\n2,z\n'), { task: 'binary' });
  t.same(Array.from(ml.y), [-1, 1]);
  t.same(ml.labels, { 'line\nbreak': -1, z: 1 });
});

t.test('classification targets', async (t) => {
  const ds = loadCsv(fixture('f,y\n1,B\n2,M\n3,B\n'), { task: 'binary' });
  t.same(Array.from(ds.y), [-1, 1, -1]);
  t.same(ds.labels, { B: -1, M: 1 });
  const mc = loadCsv(fixture('f,y\n1,10\n2,9\n3,2\n4,10\n'), { task: 'multiclass' });
  // numeric sort: 2 < 9 < 10
  t.same(Array.from(mc.y), [2, 1, 0, 2]);
});

t.test('errors name the file, the place and the fix', async (t) => {
  userError(t, () => loadCsv(join(dir, 'missing.csv'), { task: 'regression' }), [join(dir, 'missing.csv'), 'file not found']);
  const empty = fixture('');
  userError(t, () => loadCsv(empty, { task: 'regression' }), [empty, 'empty', 'header row']);
  const blank = fixture('\n\n  \n');
  userError(t, () => loadCsv(blank, { task: 'regression' }), [blank, 'empty']);
  const headerOnly = fixture('a,b,y\n');
  userError(t, () => loadCsv(headerOnly, { task: 'regression' }), [headerOnly, 'header row but no data rows']);
  const ragged = fixture('a,b,y\n1,2,3\n4,5\n');
  userError(t, () => loadCsv(ragged, { task: 'regression' }), [`${ragged} line 3`, '2 fields, expected 3']);
  const ragged2 = fixture('a,b,y\n1,2,3,4\n');
  userError(t, () => loadCsv(ragged2, { task: 'regression' }), [`${ragged2} line 2`, '4 fields, expected 3']);
  const text = fixture('a,b,y\n1,2,3\n1,abc,3\n');
  userError(t, () => loadCsv(text, { task: 'regression' }), [`${text} line 3, column 'b'`, "'abc' is not a number", '--target']);
  const nan = fixture('a,b,y\n1,NaN,3\n');
  userError(t, () => loadCsv(nan, { task: 'regression' }), [`${nan} line 2, column 'b'`, 'NaN', 'finite']);
  const inf = fixture('a,b,y\n1,2,3\n-Infinity,2,3\n');
  userError(t, () => loadCsv(inf, { task: 'regression' }), [`${inf} line 3, column 'a'`, 'infinite']);
  const inf2 = fixture('a,b,y\n1e999,2,3\n');
  userError(t, () => loadCsv(inf2, { task: 'regression' }), [`${inf2} line 2, column 'a'`, 'infinite']);
  const cell = fixture('a,b,y\n1,,3\n');
  userError(t, () => loadCsv(cell, { task: 'regression' }), [`${cell} line 2, column 'b'`, 'empty cell']);
  const spaces = fixture('a,b,y\n1,  ,3\n');
  userError(t, () => loadCsv(spaces, { task: 'regression' }), [`${spaces} line 2, column 'b'`, 'empty cell']);
  const noTarget = fixture('a,b,c\n1,2,3\n');
  userError(t, () => loadCsv(noTarget, { task: 'regression' }), [noTarget, 'pass --target NAME', 'columns: a, b, c']);
  const wrongTarget = fixture('a,b,c\n1,2,3\n');
  userError(t, () => loadCsv(wrongTarget, { task: 'regression', target: 'z' }), [wrongTarget, "no column named 'z'", 'a, b, c']);
  const dup = fixture('a,b,a,y\n1,2,3,4\n');
  userError(t, () => loadCsv(dup, { task: 'regression' }), [`${dup} line 1`, 'duplicate column names (a)']);
  const both = fixture('y,target,a\n1,2,3\n');
  userError(t, () => loadCsv(both, { task: 'regression' }), [both, 'y, target', '--target']);
  const onlyTarget = fixture('y\n1\n');
  userError(t, () => loadCsv(onlyTarget, { task: 'regression' }), [onlyTarget, 'add at least one feature column']);
  const regLabel = fixture('a,y\n1,cat\n');
  userError(t, () => loadCsv(regLabel, { task: 'regression' }), [`${regLabel} line 2, column 'y'`, "'cat' is not a number", 'regression']);
  const emptyLabel = fixture('a,y\n1,\n');
  userError(t, () => loadCsv(emptyLabel, { task: 'binary' }), [`${emptyLabel} line 2, column 'y'`, 'empty target']);
  const quote = fixture('a,y\n"1,2\n');
  userError(t, () => loadCsv(quote, { task: 'regression' }), [`${quote} line 2`, 'unterminated quoted field']);
  const three = fixture('a,y\n1,x\n2,y\n3,z\n');
  userError(t, () => loadCsv(three, { task: 'binary' }), [three, 'binary target has 3 classes (x, y, z)', '--problem multinomial']);
  const badGz = fixture('not gzip', '.csv.gz', true);
  userError(t, () => loadCsv(badGz, { task: 'regression' }), [badGz, 'not a valid gzip file']);
});
