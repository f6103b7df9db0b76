import t from 'tap';
import { UserError } from '../problems/errors.ts';
import { codeLabels } from '../problems/datasets/labels.ts';

t.test('binary: {-1, 1} and {0, 1} keep their meaning, names sort, second → +1', async (t) => {
  let c = codeLabels(['1', '-1', '-1', '1'], 'binary', 'f');
  t.same(Array.from(c.y), [1, -1, -1, 1]);
  t.same(c.labels, { '-1': -1, '1': 1 });
  c = codeLabels(['0', '1', '1', '0.0'], 'binary', 'f');
  t.same(Array.from(c.y), [-1, 1, 1, -1], '"0.0" and "0" are the same class');
  t.same(c.labels, { '0': -1, '1': 1 });
  c = codeLabels(['M', 'B', 'B'], 'binary', 'f');
  t.same(Array.from(c.y), [1, -1, -1]);
  t.same(c.labels, { B: -1, M: 1 });
  t.same(c.classes, ['B', 'M']);
  // numeric labels sort numerically: 10 > 9
  c = codeLabels(['10', '9'], 'binary', 'f');
  t.same(c.labels, { '9': -1, '10': 1 });
  // mixed text sorts by code point: '10' < '9a'
  c = codeLabels(['9a', '10'], 'binary', 'f');
  t.same(c.labels, { '10': -1, '9a': 1 });
});

t.test('multiclass: 0 … C−1 in sorted order', async (t) => {
  let c = codeLabels(['7', '3', '11', '3'], 'multiclass', 'f');
  t.same(Array.from(c.y), [1, 0, 2, 0]);
  t.same(c.labels, { '3': 0, '7': 1, '11': 2 });
  c = codeLabels(['setosa', 'virginica', 'versicolor'], 'multiclass', 'f');
  t.same(Array.from(c.y), [0, 2, 1]);
  c = codeLabels(['a', 'b'], 'multiclass', 'f');
  t.same(Array.from(c.y), [0, 1], 'two classes are allowed');
});

t.test('errors', async (t) => {
  t.throws(() => codeLabels(['a', 'b', 'c', 'a'], 'binary', 'data.csv'), {
    name: 'UserError',
    message: 'data.csv: binary target has 3 classes (a, b, c); use --problem multinomial',
  });
  t.throws(() => codeLabels(['1', '1'], 'binary', 'data.csv'), {
    message: /^data\.csv: the target has a single class \(1\); binary classification needs at least two classes$/,
  });
  t.throws(() => codeLabels(['x'], 'multiclass', 'data.csv'), { message: /single class \(x\)/ });
  t.throws(() => codeLabels([], 'multiclass', 'data.csv'), { message: /data\.csv: no labels/ });
  const many = Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, '0')}`);
  try {
    codeLabels(many, 'binary', 'f');
    t.fail('should throw');
  } catch (e) {
    t.ok(e instanceof UserError);
    t.match((e as Error).message, /has 30 classes \(c00, .*c19, … \(10 more\)\)/);
  }
});
