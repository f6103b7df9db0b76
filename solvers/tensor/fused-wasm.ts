/**
 * The WebAssembly module behind the fused Adam kernels (solvers/tensor/fused.ts), generated here
 * byte by byte (no toolchain, no binary in the repository). It imports tfjs-backend-wasm's own
 * memory, so its functions run on the tensors where they lie (byte offsets into that heap).
 *
 * Every loop runs f32x4 SIMD over groups of 4 entries, then a scalar f32 tail; both evaluate
 * the same expression in the same order, one IEEE float32 operation at a time (wasm has no
 * fused multiply-add), with the constants as f32 parameters:
 *
 *   adam(x, g, m, v → xo, mo, vo; n):   ĝ = g (adamL2: ĝ = g + x·λ)
 *       m' = m·β₁ + ĝ·(1−β₁),  v' = v·β₂ + (ĝ·ĝ)·(1−β₂),  x' = x − (m'·s)/(√(v'·c₂) + ε)  (adam: x' flushed)
 *   spredL1(u, V, g, mu, vu, mV, vV → uo, Vo, muo, vuo, mVo, vVo, Wo; n):
 *       g_U = g·V + u·λ,  g_V = g·u + V·λ,  Adam on u and V,  W = u'·V' (flushed)
 *   sumsRows / sumsCols(g, V → out; rows, cols):   out_G = Σ_{k∈G} g_k·V_k (in index order)
 *   groupRows / groupCols(u, u', V, g, mV, vV → Vo, mVo, vVo, Wo; rows, cols):
 *       g_V = g·u_G + V·λ,  Adam on V,  W = u'_G·V' (flushed)   (G = the entry's row / column)
 *
 * Inputs may alias outputs only entry by entry (adamL2 reads ĝ from the array it writes x' to):
 * each iteration loads everything it needs before it stores.
 *
 * Flush to zero: the arrays a matMul reads next, x' of `adam` and W of `spredL1` / `groupRows` /
 * `groupCols`, are stored as 0 where their magnitude is below 2⁻⁶⁴ (≈ 5.4e-20). WebAssembly has
 * no FTZ mode, and subnormal operands and results slow x86 multiplies many times over:
 * spred-Adam's products of two collapsing factors reach them, in W itself (2,489 subnormal
 * entries in LeNet's W1 after 1,500 steps at λ = 1e-4 made the next forward and backward pass
 * 16% slower) and in the backward pass's products of W's tiny entries with small gradients
 * (with W flushed only below 2⁻¹²⁶, spred's forward + backward on a trained net measured
 * 1.04–1.06× dense's; flushed below 2⁻⁶⁴, 1.016–1.031×). An entry below 2⁻⁶⁴ adds less than
 * 2⁻⁶⁴·|a| to a sum whose other terms are weights of order 2⁻⁷ times the same activations a: 2⁻⁵⁷
 * of them, far below float32's relative resolution 2⁻²⁴, so the pass's outputs are the same
 * floats unless every other term of a sum vanishes too (20 epochs of spred-Adam at λ = 1e-4 and
 * 1e-3 on fashion-mnist-small gave the same objective, support and test accuracy, to every
 * printed digit, with the threshold at 2⁻¹²⁶ and at 2⁻⁶⁴). The factors and moments, the state of
 * the method, are never flushed (doing so measured slower); every stored value other than x' and
 * W is the plain float32 result.
 */

/** Exported functions (pointers are byte offsets into the imported memory). */
export interface FusedWasm {
  adam(x: number, g: number, m: number, v: number, xo: number, mo: number, vo: number, n: number, ...c: AdamArgs): void;
  adamL2(x: number, g: number, m: number, v: number, xo: number, mo: number, vo: number, n: number, lam: number, ...c: AdamArgs): void;
  spredL1(u: number, V: number, g: number, mu: number, vu: number, mV: number, vV: number, uo: number, Vo: number, muo: number, vuo: number, mVo: number, vVo: number, Wo: number, n: number, lam: number, ...c: AdamArgs): void;
  sumsRows(g: number, V: number, out: number, rows: number, cols: number): void;
  sumsCols(g: number, V: number, out: number, rows: number, cols: number): void;
  groupRows(u: number, u1: number, V: number, g: number, mV: number, vV: number, Vo: number, mVo: number, vVo: number, Wo: number, rows: number, cols: number, lam: number, ...c: AdamArgs): void;
  groupCols(u: number, u1: number, V: number, g: number, mV: number, vV: number, Vo: number, mVo: number, vVo: number, Wo: number, rows: number, cols: number, lam: number, ...c: AdamArgs): void;
}
/** β₁, 1−β₁, β₂, 1−β₂, s = lr/(1−β₁ᵗ), c₂ = 1/(1−β₂ᵗ), ε (each taken as float32). */
export type AdamArgs = [b1: number, a1: number, b2: number, a2: number, step: number, c2: number, eps: number];

type Code = number[];
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function uleb(n: number): Code {
  const out: Code = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(n: number): Code {
  const out: Code = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
const vec = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const name = (s: string): Code => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));
const simd = (op: number): Code => [0xfd, ...uleb(op)];

const get = (l: number): Code => [0x20, ...uleb(l)];
const set = (l: number): Code => [0x21, ...uleb(l)];
const i32 = (n: number): Code => [0x41, ...sleb(n)];
const ADD_I32 = 0x6a;
const MUL_I32 = 0x6c;
const GE_U_I32 = 0x4f;
const AND_I32 = 0x71;

/** Lane-wise f32 arithmetic, SIMD ('v', 4 lanes) or scalar ('s'). */
type Mode = 'v' | 's';
const OPS = {
  v: { add: simd(0xe4), sub: simd(0xe5), mul: simd(0xe6), div: simd(0xe7), sqrt: simd(0xe3), load: [...simd(0x00), 0, 0], store: [...simd(0x0b), 0, 0], width: 16 },
  s: { add: [0x92], sub: [0x93], mul: [0x94], div: [0x95], sqrt: [0x91], load: [0x2a, 2, 0], store: [0x38, 2, 0], width: 4 },
} as const;

/** A function under construction: its parameters, its locals, and helpers for its body. */
class Fn {
  readonly params: number[] = [];
  readonly locals: number[] = [];
  private readonly named = new Map<string, number>();
  /** Per mode: the local holding constant `k` (the f32 parameter itself, or its v128 splat). */
  private readonly consts = { v: new Map<string, number>(), s: new Map<string, number>() };
  readonly prologue: Code[] = [];
  constructor(readonly exportName: string) {}
  param(n: string, t: number): number {
    if (this.locals.length > 0) throw new Error('fused-wasm: parameters come before locals');
    const idx = this.params.length;
    this.params.push(t);
    this.named.set(n, idx);
    return idx;
  }
  local(t: number): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
  p(n: string): number {
    const i = this.named.get(n);
    if (i === undefined) throw new Error(`fused-wasm: no parameter ${n}`);
    return i;
  }
  /** f32 parameters usable as constants in both modes (the v128 splats made in the prologue). */
  constParams(names: readonly string[]): void {
    const ps = names.map((n) => this.param(n, F32));
    names.forEach((n, k) => {
      const s = ps[k] as number;
      this.consts.s.set(n, s);
      const v = this.local(V128);
      this.consts.v.set(n, v);
      this.prologue.push([...get(s), ...simd(0x13), ...set(v)]);
    });
  }
  c(mode: Mode, n: string): Code {
    const l = this.consts[mode].get(n);
    if (l === undefined) throw new Error(`fused-wasm: no constant ${n}`);
    return get(l);
  }
  /** A temporary of the mode's type. */
  tmp(mode: Mode): number {
    return this.local(mode === 'v' ? V128 : F32);
  }
}

const ADAM_CONSTS = ['b1', 'a1', 'b2', 'a2', 'step', 'c2', 'eps'] as const;

/** The flush threshold 2⁻⁶⁴ as little-endian float32 bytes (0x1f800000). */
const FLUSH_BYTES = [0x00, 0x00, 0x80, 0x1f];
/** The value on the stack, or 0 where its magnitude is below 2⁻⁶⁴ (module comment: flush to zero). */
function flush(fn: Fn, mode: Mode): Code {
  const t = fn.tmp(mode);
  if (mode === 'v') {
    // x & (|x| ≥ 2⁻⁶⁴): f32x4.abs, v128.const, f32x4.ge, v128.and
    return [...set(t), ...get(t), ...get(t), ...simd(0xe0), ...simd(0x0c), ...FLUSH_BYTES, ...FLUSH_BYTES, ...FLUSH_BYTES, ...FLUSH_BYTES, ...simd(0x46), ...simd(0x4e)];
  }
  // select(x, 0, |x| ≥ 2⁻⁶⁴): f32.const 0, f32.abs, f32.const, f32.ge, select
  return [...set(t), ...get(t), 0x43, 0, 0, 0, 0, ...get(t), 0x8b, 0x43, ...FLUSH_BYTES, 0x60, 0x1b];
}

/** Address `ptr + base + i` (base: a row's byte offset, or none). */
function addr(ptr: number, i: number, base: number | null): Code {
  return [...get(ptr), ...get(i), ADD_I32, ...(base === null ? [] : [...get(base), ADD_I32])];
}

/**
 * for (i = 0; i < end; i += width) body, first with 4 lanes up to end & ~15, then scalar to end
 * (end in bytes, a multiple of 4). `body(mode, i)` emits one iteration.
 */
function lanes(fn: Fn, end: Code, body: (mode: Mode, i: number) => Code): Code {
  const i = fn.local(I32);
  const endV = fn.local(I32);
  const endS = fn.local(I32);
  const loop = (mode: Mode, stop: number): Code => [
    0x02, 0x40, 0x03, 0x40,
    ...get(i), ...get(stop), GE_U_I32, 0x0d, 1,
    ...body(mode, i),
    ...get(i), ...i32(OPS[mode].width), ADD_I32, ...set(i),
    0x0c, 0, 0x0b, 0x0b,
  ];
  return [...end, ...set(endS), ...get(endS), ...i32(~15), AND_I32, ...set(endV), ...i32(0), ...set(i), ...loop('v', endV), ...loop('s', endS)];
}

/**
 * One Adam coordinate (module comment): ĝ is on the stack's recipe `grad`; stores m', v' and
 * leaves x' in local `out`. Loads everything before storing.
 */
function adamStep(fn: Fn, mode: Mode, x: Code, grad: Code, m: Code, v: Code, mo: Code, vo: Code, out: number): Code {
  const o = OPS[mode];
  const gh = fn.tmp(mode);
  const m1 = fn.tmp(mode);
  const v1 = fn.tmp(mode);
  const c = (k: string): Code => fn.c(mode, k);
  return [
    ...grad, ...set(gh),
    // m' = m·β₁ + ĝ·(1−β₁)
    ...m, ...o.load, ...c('b1'), ...o.mul, ...get(gh), ...c('a1'), ...o.mul, ...o.add, ...set(m1),
    // v' = v·β₂ + (ĝ·ĝ)·(1−β₂)
    ...v, ...o.load, ...c('b2'), ...o.mul, ...get(gh), ...get(gh), ...o.mul, ...c('a2'), ...o.mul, ...o.add, ...set(v1),
    // x' = x − (m'·s)/(√(v'·c₂) + ε)
    ...x, ...get(m1), ...c('step'), ...o.mul, ...get(v1), ...c('c2'), ...o.mul, ...o.sqrt, ...c('eps'), ...o.add, ...o.div, ...o.sub, ...set(out),
    ...mo, ...get(m1), ...o.store,
    ...vo, ...get(v1), ...o.store,
  ];
}

function adamFn(l2: boolean): Fn {
  const fn = new Fn(l2 ? 'adamL2' : 'adam');
  const [x, g, m, v, xo, mo, vo] = ['x', 'g', 'm', 'v', 'xo', 'mo', 'vo'].map((k) => fn.param(k, I32)) as [number, number, number, number, number, number, number];
  const n = fn.param('n', I32);
  fn.constParams(l2 ? ['lam', ...ADAM_CONSTS] : ADAM_CONSTS);
  const body = lanes(fn, [...get(n), ...i32(2), 0x74], (mode, i) => {
    const o = OPS[mode];
    const xv = fn.tmp(mode);
    const out = fn.tmp(mode);
    const grad = l2 ? [...addr(g, i, null), ...o.load, ...get(xv), ...fn.c(mode, 'lam'), ...o.mul, ...o.add] : [...addr(g, i, null), ...o.load];
    return [
      ...addr(x, i, null), ...o.load, ...set(xv),
      ...adamStep(fn, mode, get(xv), grad, [...addr(m, i, null)], [...addr(v, i, null)], addr(mo, i, null), addr(vo, i, null), out),
      // adam's x' is a matMul operand next (flushed); adamL2's is a group factor
      ...addr(xo, i, null), ...get(out), ...(l2 ? [] : flush(fn, mode)), ...o.store,
    ];
  });
  return finish(fn, body);
}

function spredL1Fn(): Fn {
  const fn = new Fn('spredL1');
  const ptrs = ['u', 'V', 'g', 'mu', 'vu', 'mV', 'vV', 'uo', 'Vo', 'muo', 'vuo', 'mVo', 'vVo', 'Wo'].map((k) => fn.param(k, I32));
  const [u, V, g, mu, vu, mV, vV, uo, Vo, muo, vuo, mVo, vVo, Wo] = ptrs as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const n = fn.param('n', I32);
  fn.constParams(['lam', ...ADAM_CONSTS]);
  const body = lanes(fn, [...get(n), ...i32(2), 0x74], (mode, i) => {
    const o = OPS[mode];
    const [ut, vt, gt, u1, v1] = [fn.tmp(mode), fn.tmp(mode), fn.tmp(mode), fn.tmp(mode), fn.tmp(mode)];
    const lam = fn.c(mode, 'lam');
    const a = (p: number): Code => addr(p, i, null);
    return [
      ...a(u), ...o.load, ...set(ut), ...a(V), ...o.load, ...set(vt), ...a(g), ...o.load, ...set(gt),
      // g_U = g·V + u·λ
      ...adamStep(fn, mode, get(ut), [...get(gt), ...get(vt), ...o.mul, ...get(ut), ...lam, ...o.mul, ...o.add], a(mu), a(vu), a(muo), a(vuo), u1),
      // g_V = g·u + V·λ
      ...adamStep(fn, mode, get(vt), [...get(gt), ...get(ut), ...o.mul, ...get(vt), ...lam, ...o.mul, ...o.add], a(mV), a(vV), a(mVo), a(vVo), v1),
      ...a(uo), ...get(u1), ...o.store,
      ...a(Vo), ...get(v1), ...o.store,
      // W = u'·V'
      ...a(Wo), ...get(u1), ...get(v1), ...o.mul, ...flush(fn, mode), ...o.store,
    ];
  });
  return finish(fn, body);
}

/** for (r = 0; r < rows; r++) { base = r·cols·4; body } */
function overRows(fn: Fn, rows: number, cols: number, body: (r: number, base: number) => Code): Code {
  const r = fn.local(I32);
  const base = fn.local(I32);
  return [
    ...i32(0), ...set(r),
    0x02, 0x40, 0x03, 0x40,
    ...get(r), ...get(rows), GE_U_I32, 0x0d, 1,
    ...get(r), ...get(cols), MUL_I32, ...i32(2), 0x74, ...set(base),
    ...body(r, base),
    ...get(r), ...i32(1), ADD_I32, ...set(r),
    0x0c, 0, 0x0b, 0x0b,
  ];
}

/** out_G = Σ g·V in index order, scalar (rows: G = row, accumulated left to right; cols: G = column, top to bottom). */
function sumsFn(kind: 'rows' | 'cols'): Fn {
  const fn = new Fn(kind === 'rows' ? 'sumsRows' : 'sumsCols');
  const [g, V, out, rows, cols] = ['g', 'V', 'out', 'rows', 'cols'].map((k) => fn.param(k, I32)) as [number, number, number, number, number];
  const o = OPS.s;
  const zero = [0x43, 0, 0, 0, 0];
  const cb = [...get(cols), ...i32(2), 0x74];
  let body: Code;
  if (kind === 'rows') {
    const acc = fn.local(F32);
    body = overRows(fn, rows, cols, (r, base) => {
      const i = fn.local(I32);
      const end = fn.local(I32);
      return [
        ...zero, ...set(acc), ...i32(0), ...set(i), ...cb, ...set(end),
        0x02, 0x40, 0x03, 0x40,
        ...get(i), ...get(end), GE_U_I32, 0x0d, 1,
        ...get(acc), ...addr(g, i, base), ...o.load, ...addr(V, i, base), ...o.load, ...o.mul, ...o.add, ...set(acc),
        ...get(i), ...i32(4), ADD_I32, ...set(i),
        0x0c, 0, 0x0b, 0x0b,
        // out[r] = acc
        ...get(out), ...get(r), ...i32(2), 0x74, ADD_I32, ...get(acc), ...o.store,
      ];
    });
  } else {
    // out = 0; for each row: out[c] += g[r,c]·V[r,c]
    const i0 = fn.local(I32);
    const end0 = fn.local(I32);
    const clear = [
      ...i32(0), ...set(i0), ...cb, ...set(end0),
      0x02, 0x40, 0x03, 0x40,
      ...get(i0), ...get(end0), GE_U_I32, 0x0d, 1,
      ...get(out), ...get(i0), ADD_I32, ...zero, ...o.store,
      ...get(i0), ...i32(4), ADD_I32, ...set(i0),
      0x0c, 0, 0x0b, 0x0b,
    ];
    body = [
      ...clear,
      ...overRows(fn, rows, cols, (_r, base) =>
        lanes(fn, cb, (mode, i) => {
          const m = OPS[mode];
          return [...addr(out, i, null), ...addr(out, i, null), ...m.load, ...addr(g, i, base), ...m.load, ...addr(V, i, base), ...m.load, ...m.mul, ...m.add, ...m.store];
        }),
      ),
    ];
  }
  return finish(fn, body);
}

/** The V-part of a group step (module comment), row by row, u_G a splat of u[r] (rows) or u[c..c+3] (cols). */
function groupFn(kind: 'rows' | 'cols'): Fn {
  const fn = new Fn(kind === 'rows' ? 'groupRows' : 'groupCols');
  const ptrs = ['u', 'u1', 'V', 'g', 'mV', 'vV', 'Vo', 'mVo', 'vVo', 'Wo'].map((k) => fn.param(k, I32));
  const [u, u1, V, g, mV, vV, Vo, mVo, vVo, Wo] = ptrs as [number, number, number, number, number, number, number, number, number, number];
  const rows = fn.param('rows', I32);
  const cols = fn.param('cols', I32);
  fn.constParams(['lam', ...ADAM_CONSTS]);
  const cb = [...get(cols), ...i32(2), 0x74];
  // rows: u_r and u'_r, as f32 and as v128 splats, loaded once per row
  const us = fn.local(F32);
  const u1s = fn.local(F32);
  const uv = fn.local(V128);
  const u1v = fn.local(V128);
  const body = overRows(fn, rows, cols, (r, base) => {
    const rowU =
      kind === 'rows'
        ? [
            ...get(u), ...get(r), ...i32(2), 0x74, ADD_I32, ...OPS.s.load, ...set(us), ...get(us), ...simd(0x13), ...set(uv),
            ...get(u1), ...get(r), ...i32(2), 0x74, ADD_I32, ...OPS.s.load, ...set(u1s), ...get(u1s), ...simd(0x13), ...set(u1v),
          ]
        : [];
    return [
      ...rowU,
      ...lanes(fn, cb, (mode, i) => {
        const o = OPS[mode];
        const uG = kind === 'rows' ? get(mode === 'v' ? uv : us) : [...addr(u, i, null), ...o.load];
        const u1G = kind === 'rows' ? get(mode === 'v' ? u1v : u1s) : [...addr(u1, i, null), ...o.load];
        const vt = fn.tmp(mode);
        const v1 = fn.tmp(mode);
        const a = (p: number): Code => addr(p, i, base);
        return [
          ...a(V), ...o.load, ...set(vt),
          // g_V = g·u_G + V·λ
          ...adamStep(fn, mode, get(vt), [...a(g), ...o.load, ...uG, ...o.mul, ...get(vt), ...fn.c(mode, 'lam'), ...o.mul, ...o.add], a(mV), a(vV), a(mVo), a(vVo), v1),
          ...a(Vo), ...get(v1), ...o.store,
          // W = u'_G·V'
          ...a(Wo), ...u1G, ...get(v1), ...o.mul, ...flush(fn, mode), ...o.store,
        ];
      }),
    ];
  });
  return finish(fn, body);
}

const bodies = new WeakMap<Fn, Code>();
function finish(fn: Fn, body: Code): Fn {
  bodies.set(fn, [...fn.prologue.flat(), ...body]);
  return fn;
}

/** The module's bytes (module comment). */
export function fusedModuleBytes(): Uint8Array<ArrayBuffer> {
  const fns = [adamFn(false), adamFn(true), spredL1Fn(), sumsFn('rows'), sumsFn('cols'), groupFn('rows'), groupFn('cols')];
  const section = (id: number, content: Code): Code => [id, ...uleb(content.length), ...content];
  const types = vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), 0]));
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]]);
  const funcs = vec(fns.map((_, k) => uleb(k)));
  const exports = vec(fns.map((f, k) => [...name(f.exportName), 0x00, ...uleb(k)]));
  const code = vec(
    fns.map((f) => {
      const locals = vec(f.locals.map((t) => [1, t]));
      const b = [...locals, ...(bodies.get(f) as Code), 0x0b];
      return [...uleb(b.length), ...b];
    }),
  );
  return Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code)]);
}

/** Instantiates the module on `memory` (tfjs-backend-wasm's heap). */
export function instantiateFused(memory: WebAssembly.Memory): FusedWasm {
  const mod = new WebAssembly.Module(fusedModuleBytes());
  return new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as FusedWasm;
}
