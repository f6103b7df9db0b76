/**
 * Column kernels of a column-major design X (n × p, column j at data[j·n … j·n + n)) over a list
 * of columns J = (j_0 … j_{k−1}), the two products LARS spends its time in:
 *
 *   dots:    out_t = x_{j_t}ᵀ v                 t = 0 … k−1   (out = X_Jᵀ v; dots2: for two v at once)
 *   combine: out  += Σ_t coef_t · x_{j_t}                     (out += X_J coef)
 *
 * Everything lives in one `ColumnSpace`: a buffer holding the vectors the kernels read and write
 * (and X), addressed by byte offsets. Where WebAssembly SIMD is available (Node ≥ 16) the
 * buffer is a WebAssembly.Memory and the kernels are a small wasm module written below with
 * f64x2 (two doubles per instruction): `dots` takes four columns per pass (each pair of v loaded
 * once for the four), `combine` four columns per pass over `out`. Elsewhere (no wasm, or an X
 * beyond MAX_WASM_BYTES) the same kernels run as plain loops, reading X in place. Summation
 * order differs from a naive loop only by round-off. A space's wasm memory, once `release`d,
 * serves the thread's next space (up to MAX_IDLE_BYTES): the first touch of a fresh memory's
 * pages costs as much as copying X into it.
 */

/** Largest buffer given to WebAssembly (32-bit addresses); beyond it the plain loops run. */
export const MAX_WASM_BYTES = 2 ** 31;

/** out_t = x_{j_t}ᵀ v (byte offsets into the space; cols holds int32 column indices). */
export type DotsKernel = (x: number, n: number, cols: number, k: number, v: number, out: number) => void;
/** out1_t = x_{j_t}ᵀ v1 and out2_t = x_{j_t}ᵀ v2 in one pass over the columns. */
export type Dots2Kernel = (x: number, n: number, cols: number, k: number, v1: number, v2: number, out1: number, out2: number) => void;
interface Kernels {
  readonly dots: DotsKernel;
  readonly dots2: Dots2Kernel;
  readonly combine: CombineKernel;
}
/** out += Σ_t coef_t x_{j_t}. */
export type CombineKernel = (x: number, n: number, cols: number, k: number, coef: number, out: number) => void;

/** A buffer with X at offset 0 and room for the caller's vectors, plus the two kernels over it. */
export interface ColumnSpace {
  readonly buffer: ArrayBuffer;
  /** X: its copy at offset 0 of the wasm memory, or the caller's array itself (plain loops). */
  readonly X: Float64Array;
  readonly dots: DotsKernel;
  readonly dots2: Dots2Kernel;
  readonly combine: CombineKernel;
  /** 'wasm-simd' or 'js': which implementation runs. */
  readonly kind: 'wasm-simd' | 'js';
  /** A Float64Array of `length` at a fresh 16-byte-aligned offset (zeroed). */
  f64(length: number): Float64Array;
  /** An Int32Array of `length` at a fresh 16-byte-aligned offset (zeroed). */
  i32(length: number): Int32Array;
  /** Done with the space: its wasm memory may serve this thread's next space (no view of it may be used after). */
  release(): void;
}

// ---------------------------------------------------------------------------------------------
// A minimal WebAssembly encoder: only what the two kernels use.

const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
};
const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const F64 = 0x7c;
const V128 = 0x7b;
export type Code = number[];
const get = (l: number): Code => [0x20, ...uleb(l)];
const set = (l: number): Code => [0x21, ...uleb(l)];
const i32c = (v: number): Code => [0x41, ...sleb(v)];
const add32: Code = [0x6a];
const mul32: Code = [0x6c];
const sub32: Code = [0x6b];
const remU32: Code = [0x70];
const and32: Code = [0x71];
const shl32: Code = [0x74];
const geU32: Code = [0x4f];
const load32 = (offset = 0): Code => [0x28, 2, ...uleb(offset)];
const loadF64 = (offset = 0): Code => [0x2b, 3, ...uleb(offset)];
const storeF64 = (offset = 0): Code => [0x39, 3, ...uleb(offset)];
const addF64: Code = [0xa0];
const mulF64: Code = [0xa2];
const simd = (op: number, ...imm: number[]): Code => [0xfd, ...uleb(op), ...imm];
const loadV = (offset = 0): Code => simd(0x00, 3, ...uleb(offset));
const storeV = (offset = 0): Code => simd(0x0b, 3, ...uleb(offset));
const zeroV: Code = simd(0x0c, ...new Array<number>(16).fill(0));
const splatF64x2: Code = simd(0x14);
const lane = (l: number): Code => simd(0x21, l);
const addV: Code = simd(0xf0);
const mulV: Code = simd(0xf2);
/** `block { loop { if (cond) break; body; continue } }` with `cond` leaving an i32. */
const whileNot = (cond: Code, body: Code): Code => [0x02, 0x40, 0x03, 0x40, ...cond, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];
/** local += c (i32). */
const inc = (l: number, c: number): Code => [...get(l), ...i32c(c), ...add32, ...set(l)];

/**
 * dots over V vectors: (x, n, cols, k, v_0 … v_{V−1}, out_0 … out_{V−1}), out_r[t] = x_{j_t}ᵀv_r,
 * in passes of W columns with H f64x2 accumulators per (column, vector); each pair of a vector is
 * loaded once per pass for all W columns, each pair of a column once for all V vectors.
 * Locals (i32) after the 4 + 2V params: nb = 8n, iEnd = nb rounded down to 16H bytes, i, t
 * (cursor in cols), tEnd, W column cursors, V vector cursors, V out cursors; then W·V·H v128
 * accumulators, V v128 vector pairs, one v128 scratch; then W·V f64 sums.
 */
export function dotsBody(W = 4, H = 1, V = 1): { locals: number[][]; code: Code } {
  const X = 0, N = 1, COLS = 2, K = 3, VEC = 4, OUT = 4 + V;
  const NB = 4 + 2 * V, IEND = NB + 1, I = NB + 2, T = NB + 3, TEND = NB + 4, P0 = NB + 5, VP0 = P0 + W, O0 = VP0 + V;
  const nI32 = O0 + V - NB;
  const ACC = O0 + V;
  const VR = ACC + W * V * H;
  const TMP = VR + V;
  const S = TMP + 1;
  const acc = (q: number, r: number, h: number): number => ACC + (q * V + r) * H + h;
  const sum = (q: number, r: number): number => S + q * V + r;
  const block = (w: number): Code => {
    const c: Code = [];
    for (let q = 0; q < w; q++) c.push(...get(X), ...get(T), ...load32(4 * q), ...get(NB), ...mul32, ...add32, ...set(P0 + q));
    for (let r = 0; r < V; r++) c.push(...get(VEC + r), ...set(VP0 + r));
    for (let q = 0; q < w; q++) for (let r = 0; r < V; r++) for (let h = 0; h < H; h++) c.push(...zeroV, ...set(acc(q, r, h)));
    c.push(...i32c(0), ...set(I));
    // acc_{q,r,h} += x_{j_q}[i + 2h .. i + 2h + 1] ⊙ v_r[i + 2h ..]  (h < H), i += 2H doubles
    const inner: Code = [];
    for (let h = 0; h < H; h++) {
      for (let r = 0; r < V; r++) inner.push(...get(VP0 + r), ...loadV(16 * h), ...set(VR + r));
      for (let q = 0; q < w; q++) {
        inner.push(...get(P0 + q), ...loadV(16 * h), ...set(TMP));
        for (let r = 0; r < V; r++) inner.push(...get(acc(q, r, h)), ...get(TMP), ...get(VR + r), ...mulV, ...addV, ...set(acc(q, r, h)));
      }
    }
    for (let q = 0; q < w; q++) inner.push(...inc(P0 + q, 16 * H));
    for (let r = 0; r < V; r++) inner.push(...inc(VP0 + r, 16 * H));
    inner.push(...inc(I, 16 * H));
    c.push(...whileNot([...get(I), ...get(IEND), ...geU32], inner));
    // s_{q,r} = Σ lanes of its accumulators
    for (let q = 0; q < w; q++) {
      for (let r = 0; r < V; r++) {
        c.push(...get(acc(q, r, 0)));
        for (let h = 1; h < H; h++) c.push(...get(acc(q, r, h)), ...addV);
        c.push(...set(TMP), ...get(TMP), ...lane(0), ...get(TMP), ...lane(1), ...addF64, ...set(sum(q, r)));
      }
    }
    // the last rows, one double at a time
    const tail: Code = [];
    for (let q = 0; q < w; q++) for (let r = 0; r < V; r++) tail.push(...get(sum(q, r)), ...get(P0 + q), ...loadF64(), ...get(VP0 + r), ...loadF64(), ...mulF64, ...addF64, ...set(sum(q, r)));
    for (let q = 0; q < w; q++) tail.push(...inc(P0 + q, 8));
    for (let r = 0; r < V; r++) tail.push(...inc(VP0 + r, 8));
    tail.push(...inc(I, 8));
    c.push(...whileNot([...get(I), ...get(NB), ...geU32], tail));
    for (let r = 0; r < V; r++) for (let q = 0; q < w; q++) c.push(...get(O0 + r), ...get(sum(q, r)), ...storeF64(8 * q));
    c.push(...inc(T, 4 * w));
    for (let r = 0; r < V; r++) c.push(...inc(O0 + r, 8 * w));
    return c;
  };
  const code: Code = [
    ...get(N), ...i32c(3), ...shl32, ...set(NB),
    ...get(NB), ...i32c(-16 * H), ...and32, ...set(IEND),
    ...get(COLS), ...set(T),
  ];
  for (let r = 0; r < V; r++) code.push(...get(OUT + r), ...set(O0 + r));
  code.push(
    // tEnd = cols + 4·(k − k mod W): passes of W columns, then the rest one by one
    ...get(COLS), ...get(K), ...get(K), ...i32c(W), ...remU32, ...sub32, ...i32c(2), ...shl32, ...add32, ...set(TEND),
    ...whileNot([...get(T), ...get(TEND), ...geU32], block(W)),
    ...get(COLS), ...get(K), ...i32c(2), ...shl32, ...add32, ...set(TEND),
    ...whileNot([...get(T), ...get(TEND), ...geU32], block(1)),
  );
  return { locals: [[...uleb(nI32), I32], [...uleb(W * V * H + V + 1), V128], [...uleb(W * V), F64]], code };
}

/**
 * combine(x, n, cols, k, coef, out), params 0–5. Locals: 6 nb, 7 nb2 = nb & ~15, 8 t, 9 tEnd,
 * 10 i, 11–14 column bases, 15 coef cursor; 16–19 v128 splatted coefficients; 20–23 f64 coefficients.
 */
function combineBody(): { locals: number[][]; code: Code } {
  const [X, N, COLS, K, COEF, OUT, NB, NB2, T, TEND, I, P0, C] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15];
  const CV = 16;
  const CS = 20;
  const block = (W: number): Code => {
    const c: Code = [];
    for (let w = 0; w < W; w++) {
      c.push(...get(X), ...get(T), ...load32(4 * w), ...get(NB), ...mul32, ...add32, ...set(P0 + w));
      c.push(...get(C), ...loadF64(8 * w), ...set(CS + w), ...get(CS + w), ...splatF64x2, ...set(CV + w));
    }
    c.push(...i32c(0), ...set(I));
    // out[i .. i+1] += Σ_w coef_w x_{j_w}[i .. i+1]
    const inner: Code = [...get(OUT), ...get(I), ...add32, ...get(OUT), ...get(I), ...add32, ...loadV()];
    for (let w = 0; w < W; w++) inner.push(...get(P0 + w), ...get(I), ...add32, ...loadV(), ...get(CV + w), ...mulV, ...addV);
    inner.push(...storeV(), ...inc(I, 16));
    c.push(...whileNot([...get(I), ...get(NB2), ...geU32], inner));
    const tail: Code = [...get(OUT), ...get(I), ...add32, ...get(OUT), ...get(I), ...add32, ...loadF64()];
    for (let w = 0; w < W; w++) tail.push(...get(P0 + w), ...get(I), ...add32, ...loadF64(), ...get(CS + w), ...mulF64, ...addF64);
    tail.push(...storeF64(), ...inc(I, 8));
    c.push(...whileNot([...get(I), ...get(NB), ...geU32], tail));
    c.push(...inc(T, 4 * W), ...inc(C, 8 * W));
    return c;
  };
  const code: Code = [
    ...get(N), ...i32c(3), ...shl32, ...set(NB),
    ...get(NB), ...i32c(-16), ...and32, ...set(NB2),
    ...get(COLS), ...set(T),
    ...get(COEF), ...set(C),
    ...get(COLS), ...get(K), ...i32c(-4), ...and32, ...i32c(2), ...shl32, ...add32, ...set(TEND),
    ...whileNot([...get(T), ...get(TEND), ...geU32], block(4)),
    ...get(COLS), ...get(K), ...i32c(2), ...shl32, ...add32, ...set(TEND),
    ...whileNot([...get(T), ...get(TEND), ...geU32], block(1)),
  ];
  return { locals: [[...uleb(10), I32], [...uleb(4), V128], [...uleb(4), F64]], code };
}

/** The module: imports memory env.m, exports dots (i32 × 6), dots2 (i32 × 8) and combine (i32 × 6), all → (). */
export function moduleBytes(dots = dotsBody(), dots2 = dotsBody(4, 1, 2)): Uint8Array<ArrayBuffer> {
  const fn = (b: { locals: number[][]; code: Code }): number[] => {
    const body = [...vec(b.locals), ...b.code, 0x0b];
    return [...uleb(body.length), ...body];
  };
  const params = (k: number): number[] => vec(new Array<number[]>(k).fill([I32]));
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...params(6), 0x00], [0x60, ...params(8), 0x00]])),
    ...section(2, vec([[...str('env'), ...str('m'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0x00], [0x01], [0x00]])),
    ...section(7, vec([[...str('dots'), 0x00, 0x00], [...str('dots2'), 0x00, 0x01], [...str('combine'), 0x00, 0x02]])),
    ...section(10, vec([fn(dots), fn(dots2), fn(combineBody())])),
  ];
  return new Uint8Array(bytes);
}

let compiled: WebAssembly.Module | null | undefined;
/** The compiled kernels, or null where WebAssembly (SIMD) is unavailable. */
function wasmModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes());
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// The same kernels as plain loops over the buffer (the fallback, and the tests' second opinion).

function jsKernels(buffer: ArrayBuffer, data: Float64Array): Kernels {
  const F = new Float64Array(buffer);
  const I = new Int32Array(buffer);
  return {
    dots2(_x, n, cols, k, v1, v2, out1, out2) {
      const a8 = v1 / 8;
      const b8 = v2 / 8;
      const o1 = out1 / 8;
      const o2 = out2 / 8;
      const c4 = cols / 4;
      for (let t = 0; t < k; t++) {
        const off = (I[c4 + t] as number) * n;
        let s0 = 0;
        let s1 = 0;
        let q0 = 0;
        let q1 = 0;
        let i = 0;
        for (; i + 1 < n; i += 2) {
          const x0 = data[off + i] as number;
          const x1 = data[off + i + 1] as number;
          s0 += x0 * (F[a8 + i] as number);
          q0 += x0 * (F[b8 + i] as number);
          s1 += x1 * (F[a8 + i + 1] as number);
          q1 += x1 * (F[b8 + i + 1] as number);
        }
        if (i < n) {
          const x0 = data[off + i] as number;
          s0 += x0 * (F[a8 + i] as number);
          q0 += x0 * (F[b8 + i] as number);
        }
        F[o1 + t] = s0 + s1;
        F[o2 + t] = q0 + q1;
      }
    },
    // x is 0: X is `data` itself (not copied into the buffer)
    dots(_x, n, cols, k, v, out) {
      const v8 = v / 8;
      const o8 = out / 8;
      const c4 = cols / 4;
      for (let t = 0; t < k; t++) {
        const off = (I[c4 + t] as number) * n;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        let i = 0;
        for (; i + 3 < n; i += 4) {
          s0 += (data[off + i] as number) * (F[v8 + i] as number);
          s1 += (data[off + i + 1] as number) * (F[v8 + i + 1] as number);
          s2 += (data[off + i + 2] as number) * (F[v8 + i + 2] as number);
          s3 += (data[off + i + 3] as number) * (F[v8 + i + 3] as number);
        }
        for (; i < n; i++) s0 += (data[off + i] as number) * (F[v8 + i] as number);
        F[o8 + t] = s0 + s1 + (s2 + s3);
      }
    },
    combine(_x, n, cols, k, coef, out) {
      const o8 = out / 8;
      const c8 = coef / 8;
      const c4 = cols / 4;
      for (let t = 0; t < k; t++) {
        const off = (I[c4 + t] as number) * n;
        const a = F[c8 + t] as number;
        for (let i = 0; i < n; i++) F[o8 + i] = (F[o8 + i] as number) + a * (data[off + i] as number);
      }
    },
  };
}

/**
 * A space with room for `extraBytes` of the caller's vectors and the kernels over X: with wasm,
 * X is copied into the wasm memory at offset 0 and the vectors follow it; with the plain loops
 * (`forceJs`, no wasm, or an X beyond MAX_WASM_BYTES) X is read in place and the vectors get a
 * buffer of their own. Kernel arguments are byte offsets (`view.byteOffset`); x is 0.
 */
export function columnSpace(X: { n: number; p: number; data: Float64Array }, extraBytes: number, forceJs = false): ColumnSpace {
  const xBytes = align16(X.n * X.p * 8);
  const room = align16(extraBytes) + 1024;
  const mod = forceJs || xBytes + room > MAX_WASM_BYTES ? null : wasmModule();
  let space: { buffer: ArrayBuffer; X: Float64Array; kernels: Kernels; start: number; kind: 'wasm-simd' | 'js' } | null = null;
  let release = (): void => {};
  if (mod) {
    try {
      const pages = Math.ceil((xBytes + room) / 65536);
      // the thread's idle memory when it is large enough (a fresh one's first touch of every page
      // costs as much as the copy of X), else a new one
      const reuse = idle !== null && idle.pages >= pages ? idle : null;
      idle = reuse ? null : idle;
      const held = reuse ?? { memory: new WebAssembly.Memory({ initial: pages }), pages, kernels: null as Kernels | null };
      held.kernels ??= new WebAssembly.Instance(mod, { env: { m: held.memory } }).exports as unknown as Kernels;
      const Xc = new Float64Array(held.memory.buffer, 0, X.n * X.p);
      Xc.set(X.data);
      space = { buffer: held.memory.buffer, X: Xc, kernels: held.kernels, start: xBytes, kind: 'wasm-simd' };
      release = () => {
        if (held.pages * 65536 <= MAX_IDLE_BYTES && (idle === null || idle.pages < held.pages)) idle = held;
      };
    } catch {
      space = null; // no room in the address space: the plain loops below
    }
  }
  if (!space) {
    const buffer = new ArrayBuffer(room);
    space = { buffer, X: X.data, kernels: jsKernels(buffer, X.data), start: 0, kind: 'js' };
  }
  const { buffer } = space;
  let next = space.start;
  const take = (bytes: number): number => {
    const at = next;
    next += align16(bytes);
    if (next > buffer.byteLength) throw new Error('columnSpace: out of room (extraBytes too small)');
    return at;
  };
  return {
    buffer,
    X: space.X,
    dots: space.kernels.dots,
    dots2: space.kernels.dots2,
    combine: space.kernels.combine,
    kind: space.kind,
    f64: (length) => new Float64Array(buffer, take(8 * length), length).fill(0),
    i32: (length) => new Int32Array(buffer, take(4 * length), length).fill(0),
    release,
  };
}

/** Largest wasm memory a thread keeps for its next space (MiB-sized designs reuse it; big ones are freed). */
export const MAX_IDLE_BYTES = 256 * 2 ** 20;
/** This thread's released wasm memory, with its instance (see columnSpace). */
let idle: { memory: WebAssembly.Memory; pages: number; kernels: Kernels | null } | null = null;

const align16 = (b: number): number => Math.ceil(b / 16) * 16;
