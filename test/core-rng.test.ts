import t from 'tap';
import { Rng } from '../problems/rng.ts';

t.test('Rng is deterministic per seed and differs across seeds', async (t) => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const xs = Array.from({ length: 20 }, () => a.uniform());
  t.same(xs, Array.from({ length: 20 }, () => b.uniform()));
  t.not(xs[0], c.uniform());
  t.ok(xs.every((x) => x >= 0 && x < 1));
});

t.test('Rng.normal has mean 0 and variance 1 (within 4 standard errors)', async (t) => {
  const r = new Rng(1);
  const N = 40000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < N; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  t.ok(Math.abs(s / N) < 4 / Math.sqrt(N), `mean ${s / N}`);
  t.ok(Math.abs(s2 / N - 1) < 4 * Math.sqrt(2 / N), `variance ${s2 / N}`);
});

t.test('Rng.shuffle is a permutation', async (t) => {
  const a = Int32Array.from({ length: 100 }, (_, i) => i);
  new Rng(3).shuffle(a);
  t.same(Array.from(a).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  t.not(Array.from(a).join(','), Array.from({ length: 100 }, (_, i) => i).join(','));
});
