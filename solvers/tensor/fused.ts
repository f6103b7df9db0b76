/**
 * Fused Adam updates for the tensor engine: one pass over memory per parameter tensor, where the
 * op-by-op form (solvers/tensor/optim.ts) issues ~13 elementwise tfjs ops per tensor (each a full
 * pass over memory plus a dispatch), and spred adds its chain rule and products on top.
 *
 *   Adam (s = lr/(1−β₁ᵗ), c₂ = 1/(1−β₂ᵗ)):
 *     m ← β₁m + (1−β₁)g,   v ← β₂v + (1−β₂)g²,   x ← x − s·m/(√(c₂v) + ε)
 *   spred-Adam on a factored tensor W = U ⊙ V ('l1'), from g = ∇_W f:
 *     g_U = g ⊙ V + λU,   g_V = g ⊙ U + λV,   Adam on U and on V,   W ← U ⊙ V (the next step's forward product)
 *   groups, W_G = u_G·V_G ('rows': G = a row, 'columns': G = a column):
 *     g_u = Σ_G g ⊙ V + λu,   g_V = u·g + λV,   Adam on u and on V,   W ← u·V
 *
 * They run on the wasm backend: a small WebAssembly module (solvers/tensor/fused-wasm.ts, f32x4
 * SIMD) that imports tfjs-backend-wasm's memory and works on the tensors where they lie. On any
 * other backend (webgpu, cpu, tensorflow) `fusedAvailable()` is false and the callers keep the
 * op-by-op form.
 *
 * Rounding: the module performs every float32 operation of the op-by-op form, in the same order
 * (m·β₁ + g·(1−β₁), …, x − (m·s)/(√(v·c₂) + ε); g⊙V + U·λ), with the scalars rounded to float32
 * as tfjs's scalar tensors are. IEEE float32 operations are correctly rounded, so the plain and
 * 'l1' updates are bit for bit those of the op-by-op form on the same backend; the group sums Σ_G
 * are accumulated in index order here, in whatever order tfjs's sum kernel uses there (equal to
 * float32 round-off; with tfjs 4.22, bit for bit too). One exception: what a matMul reads next
 * (Adam's x', spred's W) is flushed to zero where its magnitude is below 2⁻⁶⁴, far below what
 * float32 sums of such weights resolve (solvers/tensor/fused-wasm.ts: subnormal products slow the
 * matMuls on x86; the op-by-op form keeps them).
 *
 * Where the results go:
 * - the parameter a matMul reads (x; spred's product W) always into a fresh tensor that the
 *   variable is then assigned: tfjs-backend-wasm caches the packed form of a matMul operand by
 *   tensor (written in place, the next matMul would use the stale packed weights);
 * - the moments and spred's factors in place when the variable is the only holder of its data
 *   (tfjs reference count 1, the usual case), which no other tensor can observe; into a fresh
 *   tensor, then assigned, when a clone shares it.
 */
import * as tf from '@tensorflow/tfjs';
import { instantiateFused, type AdamArgs, type FusedWasm } from './fused-wasm.ts';

/** This step's Adam constants (TensorAdam.nextStep). */
export interface AdamStepConstants {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** lr/(1 − β₁ᵗ). */
  readonly step: number;
  /** 1/(1 − β₂ᵗ). */
  readonly c2: number;
}

/** The group structure of a factored tensor: 0 = 'l1' (U has W's shape), 1 = 'rows' (u ∈ R^{rows×1}), 2 = 'columns' (u ∈ R^{1×cols}). */
export type FactorKind = 0 | 1 | 2;

/** The parts of tfjs-backend-wasm's backend used here. */
interface WasmBackendLike {
  readonly wasm: { readonly asm: { readonly memory: WebAssembly.Memory }; readonly HEAPF32: Float32Array };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  getMemoryOffset(dataId: object): number;
  refCount(dataId: object): number;
  disposeData(dataId: object): boolean;
}

/**
 * The module instance on each wasm backend's heap; null where it cannot run there (a shared
 * heap: the multi-threaded build, which l1bench does not use in Node).
 */
const modules = new WeakMap<object, FusedWasm | null>();
function instanceFor(be: WasmBackendLike): FusedWasm | null {
  if (!modules.has(be)) {
    const memory = be.wasm?.asm?.memory;
    modules.set(be, memory instanceof WebAssembly.Memory && memory.buffer instanceof ArrayBuffer ? instantiateFused(memory) : null);
  }
  return modules.get(be) ?? null;
}
function moduleOf(be: WasmBackendLike): FusedWasm {
  return instanceFor(be) as FusedWasm;
}

/** The module's Adam arguments (1 − β computed in float64 and taken as float32, as the op-by-op form's scalars). */
function adamArgs(c: AdamStepConstants): AdamArgs {
  return [c.beta1, 1 - c.beta1, c.beta2, 1 - c.beta2, c.step, c.c2, c.eps];
}

/** Byte offsets of a factored tensor's arrays (FactoredVars), inputs then outputs. */
interface SpredOffsets {
  readonly u: number;
  readonly V: number;
  readonly g: number;
  readonly mu: number;
  readonly vu: number;
  readonly mV: number;
  readonly vV: number;
  readonly uo: number;
  readonly Vo: number;
  readonly muo: number;
  readonly vuo: number;
  readonly mVo: number;
  readonly vVo: number;
  readonly Wo: number;
}

/** One spred-Adam update of a factored tensor (module comment) on heap offsets; outputs may be the inputs (in place). */
function runSpred(be: WasmBackendLike, kind: FactorKind, rows: number, cols: number, lam: number, o: SpredOffsets, c: AdamArgs): void {
  const m = moduleOf(be);
  if (kind === 0) {
    m.spredL1(o.u, o.V, o.g, o.mu, o.vu, o.mV, o.vV, o.uo, o.Vo, o.muo, o.vuo, o.mVo, o.vVo, o.Wo, rows * cols, lam, ...c);
    return;
  }
  const nu = kind === 1 ? rows : cols;
  // u' goes to a scratch array while the V part still needs u (in place: uo = u)
  const scratch = o.uo === o.u ? be.makeOutput([nu], 'float32') : null;
  const s = scratch ? be.getMemoryOffset(scratch.dataId) : o.uo;
  // s = Σ_G g·V;  u' = Adam(u, s + u·λ) into s;  then g_V, Adam on V, W = u'·V'
  (kind === 1 ? m.sumsRows : m.sumsCols)(o.g, o.V, s, rows, cols);
  m.adamL2(o.u, s, o.mu, o.vu, s, o.muo, o.vuo, nu, lam, ...c);
  (kind === 1 ? m.groupRows : m.groupCols)(o.u, s, o.V, o.g, o.mV, o.vV, o.Vo, o.mVo, o.vVo, o.Wo, rows, cols, lam, ...c);
  if (scratch) {
    const heap = be.wasm.HEAPF32; // read after the allocation: a grown heap has a new view
    heap.copyWithin(o.u >> 2, s >> 2, (s >> 2) + nu);
    be.disposeData(scratch.dataId);
  }
}

let enabled = true;

/**
 * Turns the fused path off (false) or back on (true) for this process; returns the previous
 * setting. For the tests and benchmarks that compare it with the op-by-op form.
 */
export function setFusedKernels(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether the active backend runs the fused kernels (module comment) and they are on. */
export function fusedAvailable(): boolean {
  return enabled && tf.getBackend() === 'wasm' && instanceFor(tf.backend() as unknown as WasmBackendLike) !== null;
}

/**
 * Where each of `targets` gets its new values: itself (in place) when it is the only holder of
 * its data, else a fresh tensor (assigned afterwards by `commit`).
 */
function destinations(be: WasmBackendLike, targets: readonly tf.Variable[], fresh: readonly boolean[]): tf.Tensor[] {
  return targets.map((t, k) => (!fresh[k] && be.refCount(t.dataId) === 1 ? t : tf.engine().makeTensorFromTensorInfo(be.makeOutput([...t.shape], 'float32'))));
}
function commit(targets: readonly tf.Variable[], dest: readonly tf.Tensor[]): void {
  targets.forEach((t, k) => {
    const d = dest[k] as tf.Tensor;
    if (d !== t) {
      t.assign(d);
      d.dispose();
    }
  });
}

/** One fused Adam step of x (and its moments m, v) from gradient g; call when fusedAvailable(). */
export function fusedAdamStep(x: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamStepConstants): void {
  const be = tf.backend() as unknown as WasmBackendLike;
  const off = (t: tf.Tensor): number => be.getMemoryOffset(t.dataId);
  const targets = [x, m, v];
  // x always gets a fresh tensor: it is a matMul operand, whose packed form tfjs-backend-wasm caches by tensor
  const dest = destinations(be, targets, [true, false, false]);
  const [xo, mo, vo] = dest.map(off) as [number, number, number];
  moduleOf(be).adam(off(x), off(g), off(m), off(v), xo, mo, vo, x.size, ...adamArgs(c));
  commit(targets, dest);
}

/** The variables of one factored tensor W (module comment) and the moments of its factors. */
export interface FactoredVars {
  readonly kind: FactorKind;
  readonly rows: number;
  readonly cols: number;
  readonly u: tf.Variable;
  readonly V: tf.Variable;
  /** The product u ⊙ V (in W's own shape), kept for the next forward pass. */
  readonly W: tf.Variable;
  readonly mu: tf.Variable;
  readonly vu: tf.Variable;
  readonly mV: tf.Variable;
  readonly vV: tf.Variable;
}

/**
 * One fused spred-Adam step of a factored tensor from g = ∇_W f (W's shape, read as [rows, cols]); call when
 * fusedAvailable(). W always gets a fresh tensor (a matMul operand, as x in fusedAdamStep).
 */
export function fusedSpredAdamStep(fv: FactoredVars, g: tf.Tensor, lambda: number, c: AdamStepConstants): void {
  const be = tf.backend() as unknown as WasmBackendLike;
  const off = (t: tf.Tensor): number => be.getMemoryOffset(t.dataId);
  const { u, V, mu, vu, mV, vV, W } = fv;
  const targets = [u, V, mu, vu, mV, vV, W];
  const dest = destinations(be, targets, [false, false, false, false, false, false, true]);
  const [uo, Vo, muo, vuo, mVo, vVo, Wo] = dest.map(off) as [number, number, number, number, number, number, number];
  runSpred(be, fv.kind, fv.rows, fv.cols, lambda, { u: off(u), V: off(V), g: off(g), mu: off(mu), vu: off(vu), mV: off(mV), vV: off(vV), uo, Vo, muo, vuo, mVo, vVo, Wo }, adamArgs(c));
  commit(targets, dest);
}
