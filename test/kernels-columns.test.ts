/**
 * The column kernels (solvers/kernels/columns.ts): dots out_t = x_{j_t}ᵀv and combine
 * out += Σ_t coef_t x_{j_t}, in wasm SIMD and as plain loops, against a naive double loop, on
 * every remainder of n mod 4 and k mod 4, column lists in any order with repeats, and with v a
 * column of X itself.
 */
import t from 'tap';
import { Rng } from '../problems/rng.ts';
import { columnSpace } from '../solvers/kernels/columns.ts';

function design(n: number, p: number, seed: number): { n: number; p: number; data: Float64Array } {
  const rng = new Rng(seed);
  return { n, p, data: Float64Array.from({ length: n * p }, () => rng.normal()) };
}

t.test('this Node runs the wasm SIMD kernels', async (t) => {
  t.equal(columnSpace(design(3, 2, 1), 64).kind, 'wasm-simd');
  t.equal(columnSpace(design(3, 2, 1), 64, true).kind, 'js');
});

t.test('dots and combine agree with a naive loop (wasm and plain loops)', async (t) => {
  const rng = new Rng(7);
  let worstDots = 0;
  let worstCombine = 0;
  let cases = 0;
  for (const forceJs of [false, true]) {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 33, 130]) {
      for (const k of [0, 1, 3, 4, 5, 8, 9, 14]) {
        const p = 11;
        const X = design(n, p, 100 * n + k);
        const sp = columnSpace(X, 8 * (3 * n + 2 * k) + 4 * k + 256, forceJs);
        const cols = sp.i32(k);
        for (let q = 0; q < k; q++) cols[q] = Math.floor(rng.uniform() * p); // any order, repeats allowed
        const v = sp.f64(n);
        for (let i = 0; i < n; i++) v[i] = rng.normal();
        const out = sp.f64(k);
        sp.dots(0, n, cols.byteOffset, k, v.byteOffset, out.byteOffset);
        const coef = sp.f64(k);
        for (let q = 0; q < k; q++) coef[q] = rng.normal();
        const acc = sp.f64(n);
        const start = Float64Array.from({ length: n }, () => rng.normal());
        acc.set(start);
        sp.combine(0, n, cols.byteOffset, k, coef.byteOffset, acc.byteOffset);
        for (let q = 0; q < k; q++) {
          const off = (cols[q] as number) * n;
          let s = 0;
          let mag = 0;
          for (let i = 0; i < n; i++) {
            s += (X.data[off + i] as number) * (v[i] as number);
            mag += Math.abs((X.data[off + i] as number) * (v[i] as number));
          }
          // the a-priori bound of any summation order: |error| ≤ n·ε·Σ|x_i v_i|
          worstDots = Math.max(worstDots, Math.abs((out[q] as number) - s) / (mag * Math.max(n, 1) * Number.EPSILON));
        }
        for (let i = 0; i < n; i++) {
          let s = start[i] as number;
          let mag = Math.abs(s);
          for (let q = 0; q < k; q++) {
            const term = (coef[q] as number) * (X.data[(cols[q] as number) * n + i] as number);
            s += term;
            mag += Math.abs(term);
          }
          worstCombine = Math.max(worstCombine, Math.abs((acc[i] as number) - s) / (mag * (k + 1) * Number.EPSILON));
        }
        cases++;
      }
    }
  }
  t.equal(cases, 2 * 9 * 8);
  t.ok(worstDots <= 1, `dots: worst error ${worstDots.toFixed(3)} of the bound n·ε·Σ|x_i v_i|`);
  t.ok(worstCombine <= 1, `combine: worst error ${worstCombine.toFixed(3)} of the bound (k+1)·ε·Σ|terms|`);
});

t.test('X is copied into the wasm memory and read from there; the caller’s array is untouched', async (t) => {
  const X = design(6, 4, 3);
  const before = X.data.slice();
  const sp = columnSpace(X, 1024);
  t.not(sp.X, X.data, 'a copy');
  t.same(Array.from(sp.X), Array.from(before), 'the same values');
  const cols = sp.i32(4);
  cols.set([0, 1, 2, 3]);
  const v = sp.f64(6);
  v.set(X.data.subarray(12, 18)); // column 2
  const out = sp.f64(4);
  sp.dots(0, 6, cols.byteOffset, 4, v.byteOffset, out.byteOffset);
  let sq = 0;
  for (let i = 12; i < 18; i++) sq += (X.data[i] as number) ** 2;
  t.ok(Math.abs((out[2] as number) - sq) <= 1e-14 * sq, 'x_2ᵀx_2 = ‖x_2‖²');
  t.same(Array.from(X.data), Array.from(before), 'X unchanged');
  t.throws(() => sp.f64(10000), /out of room/, 'allocations beyond the room are refused');
});

t.test('dots2 equals two dots (wasm and plain loops)', async (t) => {
  const rng = new Rng(11);
  let worst = 0;
  for (const forceJs of [false, true]) {
    for (const n of [1, 2, 3, 5, 8, 67]) {
      for (const k of [0, 1, 4, 6, 13]) {
        const X = design(n, 9, 7 * n + k);
        const sp = columnSpace(X, 8 * (2 * n + 4 * k) + 4 * k + 256, forceJs);
        const cols = sp.i32(k);
        for (let q = 0; q < k; q++) cols[q] = Math.floor(rng.uniform() * 9);
        const v1 = sp.f64(n);
        const v2 = sp.f64(n);
        for (let i = 0; i < n; i++) {
          v1[i] = rng.normal();
          v2[i] = rng.normal();
        }
        const [a1, a2, b1, b2] = [sp.f64(k), sp.f64(k), sp.f64(k), sp.f64(k)];
        sp.dots2(0, n, cols.byteOffset, k, v1.byteOffset, v2.byteOffset, a1.byteOffset, a2.byteOffset);
        sp.dots(0, n, cols.byteOffset, k, v1.byteOffset, b1.byteOffset);
        sp.dots(0, n, cols.byteOffset, k, v2.byteOffset, b2.byteOffset);
        for (let q = 0; q < k; q++) {
          let m1 = 0;
          let m2 = 0;
          for (let i = 0; i < n; i++) {
            const x = Math.abs(X.data[(cols[q] as number) * n + i] as number);
            m1 += x * Math.abs(v1[i] as number);
            m2 += x * Math.abs(v2[i] as number);
          }
          worst = Math.max(worst, Math.abs((a1[q] as number) - (b1[q] as number)) / (2 * n * Number.EPSILON * m1), Math.abs((a2[q] as number) - (b2[q] as number)) / (2 * n * Number.EPSILON * m2));
        }
      }
    }
  }
  t.ok(worst <= 1, `worst difference ${worst.toFixed(3)} of the bound 2n·ε·Σ|x_i v_i|`);
});

t.test('a released wasm memory serves the thread’s next space (X copied afresh, vectors zeroed); one in use is never shared', async (t) => {
  const a = columnSpace(design(40, 30, 1), 4096);
  const va = a.f64(16);
  va.fill(7);
  const held = columnSpace(design(40, 30, 9), 4096);
  t.not(held.buffer, a.buffer, 'a space in use is not shared');
  held.release();
  a.release();
  const X2 = design(20, 30, 2);
  const b = columnSpace(X2, 4096);
  t.ok(b.buffer === a.buffer || b.buffer === held.buffer, 'the next space reuses a released memory');
  t.same(Array.from(b.f64(16)), new Array<number>(16).fill(0), 'its vectors start at zero');
  t.same(Array.from(b.X), Array.from(X2.data), 'X is the new design');
  const cols = b.i32(1);
  const v = b.f64(20);
  v.fill(1);
  const out = b.f64(1);
  cols[0] = 3;
  b.dots(0, 20, cols.byteOffset, 1, v.byteOffset, out.byteOffset);
  let s = 0;
  for (let i = 0; i < 20; i++) s += X2.data[60 + i] as number;
  t.ok(Math.abs((out[0] as number) - s) <= 1e-13, 'the kernels read the new design');
  b.release();
});

t.test('a released memory keeps its copy of X for the same array; a new array or one rewritten in place is copied afresh', async (t) => {
  const X = design(30, 20, 5);
  const a = columnSpace(X, 1024);
  a.X[0] = 12345; // mark the copy: a kept copy still carries the mark
  a.release();
  const b = columnSpace(X, 1024);
  t.equal(b.X[0], 12345, 'the same array: the copy is kept (not re-read)');
  b.release();
  const same = { n: 30, p: 20, data: X.data.slice() };
  const c = columnSpace(same, 1024);
  t.equal(c.X[0], X.data[0], 'an equal array that is another object: copied');
  c.release();
  X.data.fill(2); // rewritten in place
  const d = columnSpace(X, 1024);
  t.same(Array.from(d.X), Array.from(X.data), 'the same array rewritten in place: copied again');
  d.release();
});

t.test('dotsF32 = float64 sums over fl32(X) (within n·u·Σ|terms|) for every n mod 2 and k mod 4; no float32 copy where an entry does not fit or with the plain loops', async (t) => {
  const rng = new Rng(21);
  let worst = 0;
  for (const n of [1, 2, 3, 7, 64, 131]) {
    for (const k of [0, 1, 3, 4, 5, 9]) {
      const X = design(n, 11, 100 * n + k);
      const sp = columnSpace(X, 8 * (n + k) + 4 * k + 256, false, true);
      t.ok(sp.x32 > 0, 'a float32 copy');
      const cols = sp.i32(k);
      for (let q = 0; q < k; q++) cols[q] = Math.floor(rng.uniform() * 11);
      const v = sp.f64(n);
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      const out = sp.f64(k);
      sp.dotsF32(sp.x32, n, cols.byteOffset, k, v.byteOffset, out.byteOffset);
      for (let q = 0; q < k; q++) {
        let s = 0;
        let m = 0;
        for (let i = 0; i < n; i++) {
          const x = Math.fround(X.data[(cols[q] as number) * n + i] as number);
          s += x * (v[i] as number);
          m += Math.abs(x * (v[i] as number));
        }
        worst = Math.max(worst, Math.abs((out[q] as number) - s) / (2 * n * Number.EPSILON * m + 1e-300));
      }
      sp.release();
    }
  }
  t.ok(worst <= 1, `worst ${worst.toFixed(3)} of the bound`);
  const big = design(4, 3, 1);
  big.data[5] = 2 ** 128;
  const sb = columnSpace(big, 256, false, true);
  t.equal(sb.x32, -1, 'an entry ≥ 2¹²⁷: no float32 copy');
  sb.release();
  const sj = columnSpace(design(4, 3, 2), 256, true, true);
  t.equal(sj.x32, -1, 'plain loops: no float32 copy');
  // the copy follows X: rewritten in place, the float32 copy is rebuilt too
  const X = design(5, 4, 3);
  const a = columnSpace(X, 256, false, true);
  a.release();
  X.data.fill(0.5);
  const b = columnSpace(X, 256, false, true);
  t.same(Array.from(new Float32Array(b.buffer, b.x32, 20)), new Array<number>(20).fill(0.5), 'rebuilt float32 copy');
  b.release();
});
