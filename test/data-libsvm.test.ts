import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../problems/errors.ts';
import { loadCsv } from '../problems/datasets/csv.ts';
import { loadLibsvm } from '../problems/datasets/libsvm.ts';

const dir = mkdtempSync(join(tmpdir(), 'l1bench-svm-'));
let counter = 0;
function fixture(text: string, ext = '.svm'): string {
  const path = join(dir, `f${counter++}${ext}`);
  writeFileSync(path, text);
  return path;
}

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

t.test('dense column-major output, comments, blank lines, qid, implicit zeros', async (t) => {
  const path = fixture('# header comment\n1 1:0.5 3:2\n\n-1 qid:3 2:-1 # trailing comment\n1\n');
  const ds = loadLibsvm(path, { task: 'binary' });
  t.equal(ds.X.n, 3);
  t.equal(ds.X.p, 3);
  // rows: [0.5, 0, 2], [0, -1, 0], [0, 0, 0]
  t.same(Array.from(ds.X.data), [0.5, 0, 0, 0, -1, 0, 2, 0, 0]);
  t.same(Array.from(ds.y), [1, -1, 1]);
  t.same(ds.labels, { '-1': -1, '1': 1 });
  const wide = loadLibsvm(path, { task: 'binary', nFeatures: 5 });
  t.equal(wide.X.p, 5);
  t.same(Array.from(wide.X.data.subarray(9)), [0, 0, 0, 0, 0, 0]);
});

t.test('CSV and LIBSVM give identical X, y (and hash) for the same data', async (t) => {
  const rows = [
    [0.25, 0, -3, 7.5],
    [0, 0, 0, 1],
    [1e-8, 2, 0, 0],
    [-4, 5, 6, -0.125],
  ];
  const ys = [3.5, -1, 0, 2e3];
  const csv = fixture(['a,b,c,d,y', ...rows.map((r, i) => [...r, ys[i]].join(','))].join('\n'), '.csv');
  const svm = fixture(
    rows
      .map((r, i) => [String(ys[i]), ...r.flatMap((v, j) => (v === 0 ? [] : [`${j + 1}:${v}`]))].join(' '))
      .join('\n'),
  );
  for (const task of ['regression'] as const) {
    const a = loadCsv(csv, { task });
    const b = loadLibsvm(svm, { task });
    t.same(Array.from(a.X.data), Array.from(b.X.data));
    t.same(Array.from(a.y), Array.from(b.y));
    t.equal(a.hash, b.hash, 'same content hash');
  }
  // classification: labels 0/1 in both formats
  const csv2 = fixture('x1,x2,y\n1,0,0\n0,2,1\n3,4,1\n', '.csv');
  const svm2 = fixture('0 1:1\n1 2:2\n1 1:3 2:4\n');
  const a = loadCsv(csv2, { task: 'binary' });
  const b = loadLibsvm(svm2, { task: 'binary' });
  t.same(Array.from(a.X.data), Array.from(b.X.data));
  t.same(Array.from(a.y), [-1, 1, 1]);
  t.same(Array.from(b.y), [-1, 1, 1]);
  t.same(a.labels, b.labels);
});

t.test('errors name the file, the line and the fix', async (t) => {
  userError(t, () => loadLibsvm(join(dir, 'nope.svm'), { task: 'regression' }), [join(dir, 'nope.svm'), 'file not found']);
  const empty = fixture('');
  userError(t, () => loadLibsvm(empty, { task: 'regression' }), [empty, 'no data lines']);
  const comments = fixture('# only\n\n   # comments\n');
  userError(t, () => loadLibsvm(comments, { task: 'regression' }), [comments, 'no data lines']);
  const malformed = fixture('1 1:2\n1 3\n');
  userError(t, () => loadLibsvm(malformed, { task: 'regression' }), [`${malformed} line 2`, "malformed token '3'", 'index:value']);
  const malformed2 = fixture('1 1:2:3\n');
  userError(t, () => loadLibsvm(malformed2, { task: 'regression' }), [`${malformed2} line 1`, "malformed token '1:2:3'"]);
  // Index 0 means a zero-based file (scikit-learn's default), as in sklearn's zero_based='auto'.
  const zero = fixture('1 0:2 2:5\n3 1:4\n');
  const z = loadLibsvm(zero, { task: 'regression' });
  t.equal(z.X.p, 3, 'zero-based: p = largest index + 1');
  t.same(Array.from(z.X.data), [2, 0, 0, 4, 5, 0], 'zero-based: token j:v lands in column j');
  t.equal(z.notes['indexBase'], 0, 'zero-based noted');
  userError(t, () => loadLibsvm(zero, { task: 'regression', zeroBased: false }), [zero, 'index 0', '1-based']);
  const neg = fixture('1 -2:2\n');
  userError(t, () => loadLibsvm(neg, { task: 'regression' }), [`${neg} line 1`, "index '-2'", 'not a plain decimal integer']);
  const frac = fixture('1 1.5:2\n');
  userError(t, () => loadLibsvm(frac, { task: 'regression' }), [`${frac} line 1`, "index '1.5'", 'not a plain decimal integer']);
  const expo = fixture('1 1e1:2\n');
  userError(t, () => loadLibsvm(expo, { task: 'regression' }), [`${expo} line 1`, "index '1e1'", 'not a plain decimal integer']);
  const order = fixture('1 1:1\n2 3:1 2:1\n');
  userError(t, () => loadLibsvm(order, { task: 'regression' }), [`${order} line 2`, 'index 2 follows 3', 'strictly increasing']);
  const repeat = fixture('1 2:1 2:1\n');
  userError(t, () => loadLibsvm(repeat, { task: 'regression' }), [`${repeat} line 1`, 'index 2 follows 2']);
  const text = fixture('1 1:abc\n');
  userError(t, () => loadLibsvm(text, { task: 'regression' }), [`${text} line 1`, "value 'abc' of feature 1 is not a decimal number"]);
  const nan = fixture('1 1:1\n1 4:nan\n');
  userError(t, () => loadLibsvm(nan, { task: 'regression' }), [`${nan} line 2`, "value 'nan' of feature 4 is NaN"]);
  const inf = fixture('1 1:inf\n');
  userError(t, () => loadLibsvm(inf, { task: 'regression' }), [`${inf} line 1`, "value 'inf' of feature 1 is infinite"]);
  const inf2 = fixture('1 1:1e400\n');
  userError(t, () => loadLibsvm(inf2, { task: 'regression' }), [`${inf2} line 1`, 'is infinite']);
  const label = fixture('1 1:1\n\nfoo 1:2\n');
  userError(t, () => loadLibsvm(label, { task: 'regression' }), [`${label} line 3`, "target 'foo'", 'numeric']);
  const tooWide = fixture('1 7:1\n');
  userError(t, () => loadLibsvm(tooWide, { task: 'regression', nFeatures: 5 }), [tooWide, 'index 7 exceeds nFeatures=5']);
  const noFeat = fixture('1\n-1\n');
  userError(t, () => loadLibsvm(noFeat, { task: 'binary' }), [noFeat, 'no feature entries']);
  const three = fixture('1 1:1\n2 1:1\n3 1:1\n');
  userError(t, () => loadLibsvm(three, { task: 'binary' }), [three, 'binary target has 3 classes (1, 2, 3)', '--problem multinomial']);
});
