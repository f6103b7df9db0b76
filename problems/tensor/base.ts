/**
 * Shared machinery of tensor problems: the flat layout, Float64 views of f and ∇f, the penalty
 * Ω on the flat vector, its KKT violation and support, and the assembly of a `TensorProblem`
 * from a model (loss + batches). See types.ts for the layout and the penalty.
 *
 * KKT violation of x (∇f from tfjs, float32, full training set):
 *   max( max_{unpenalized i} |∂_i f|,
 *        'l1' tensors:             max_i dist(−∂_i f, λ∂|x_i|),
 *        'rows'/'columns' tensors: max_g dist(−∇_g f, λ∂‖x_g‖₂) ).
 */
import * as tf from '@tensorflow/tfjs';
import type { Capability, ProblemMeta } from '../types.ts';
import type { ParamPenalty, TensorBatch, TensorParamInfo, TensorProblem } from './types.ts';
import type { AdapterInfo } from './backend.ts';
import { readInto, readScalar } from './read.ts';
import { UserError } from '../errors.ts';

/** A parameter tensor before layout. */
export interface ParamDecl {
  readonly name: string;
  readonly shape: readonly number[];
  readonly penalty: ParamPenalty;
  readonly role: 'weight' | 'bias';
  readonly initStd: number;
}

/** Offsets in declaration order; a penalized tensor must be 1-D (viewed as [p, 1]) or 2-D. */
export function layoutParams(decls: readonly ParamDecl[]): TensorParamInfo[] {
  let offset = 0;
  return decls.map((d) => {
    const size = d.shape.reduce((a, b) => a * b, 1);
    if (d.penalty !== 'none' && d.shape.length > 2) throw new Error(`penalized tensor '${d.name}' must be 1-D or 2-D, got shape [${d.shape.join(', ')}]`);
    const rows = d.shape.length === 0 ? 1 : (d.shape[0] as number);
    const info: TensorParamInfo = { name: d.name, shape: [...d.shape], rows, cols: size / rows, size, offset, penalized: d.penalty !== 'none', penalty: d.penalty, role: d.role, initStd: d.initStd };
    offset += size;
    return info;
  });
}

/** Total length of the flat vector. */
export function flatDim(infos: readonly TensorParamInfo[]): number {
  return infos.reduce((s, p) => s + p.size, 0);
}

/** Flat Float64 vector → new float32 tensors (caller disposes). */
export function tensorsFromFlat(infos: readonly TensorParamInfo[], x: Float64Array): tf.Tensor[] {
  return infos.map((p) => tf.tensor(Float32Array.from(x.subarray(p.offset, p.offset + p.size)), [...p.shape], 'float32'));
}

/** Tensors → flat Float64 vector (an awaited read of each tensor's data). */
export function flatFromTensors(infos: readonly TensorParamInfo[], ts: readonly tf.Tensor[]): Promise<Float64Array> {
  return readInto(ts, infos.map((p) => p.offset), new Float64Array(flatDim(infos)));
}

export type LossFn = (params: readonly tf.Tensor[], batch: TensorBatch) => tf.Scalar;

/** ∇f(x) and f(x) over `batch` as tensors (caller disposes value, grads and ts). */
function lossAndGradientTensors(infos: readonly TensorParamInfo[], loss: LossFn, batch: TensorBatch, x: Float64Array): { ts: tf.Tensor[]; value: tf.Scalar; grads: tf.Tensor[] } {
  const ts = tensorsFromFlat(infos, x);
  const res = tf.tidy(() => tf.valueAndGrads((...p: tf.Tensor[]) => loss(p, batch))(ts));
  return { ts, value: res.value, grads: res.grads };
}

/** Writes ∇f(x) (float32 values in Float64) into `grad` and resolves to f(x), f over `batch` (awaited reads). */
export async function lossAndGradient(infos: readonly TensorParamInfo[], loss: LossFn, batch: TensorBatch, x: Float64Array, grad: Float64Array): Promise<number> {
  const { ts, value, grads } = lossAndGradientTensors(infos, loss, batch, x);
  try {
    const [v] = await Promise.all([readScalar(value), readInto(grads, infos.map((p) => p.offset), grad)]);
    return v;
  } finally {
    tf.dispose([value, ...grads, ...ts]);
  }
}

/**
 * The same with synchronous reads: only for the Float64 L-BFGS on a tensor problem (its line
 * search is synchronous). Backends without synchronous reads (webgpu) throw a UserError.
 */
export function lossAndGradientSync(infos: readonly TensorParamInfo[], loss: LossFn, batch: TensorBatch, x: Float64Array, grad: Float64Array): number {
  if (tf.getBackend() === 'webgpu') throw new UserError(SYNC_READ_MESSAGE);
  const { ts, value, grads } = lossAndGradientTensors(infos, loss, batch, x);
  try {
    infos.forEach((p, i) => grad.set((grads[i] as tf.Tensor).dataSync() as Float32Array, p.offset));
    return value.dataSync()[0] as number;
  } finally {
    tf.dispose([value, ...grads, ...ts]);
  }
}

/** Why a synchronous evaluation is refused on webgpu. */
export const SYNC_READ_MESSAGE =
  'this method evaluates f and ∇f with synchronous reads (the Float64 L-BFGS line search), which the webgpu backend does not have; use --backend wasm for it, or an SGD/Adam method on webgpu';

/** f(x) over `batch` (float32, resolved as a number; awaited read). */
export async function lossValue(infos: readonly TensorParamInfo[], loss: LossFn, batch: TensorBatch, x: Float64Array): Promise<number> {
  const ts = tensorsFromFlat(infos, x);
  const v = tf.tidy(() => loss(ts, batch));
  try {
    return await readScalar(v);
  } finally {
    tf.dispose([v, ...ts]);
  }
}

/**
 * The groups of a penalized tensor in the flat vector: group k has `len` coordinates at
 * offset + start(k) + j·stride, j < len ('l1': one coordinate per group).
 */
export function groupsOf(p: TensorParamInfo): { count: number; len: number; start: (k: number) => number; stride: number } {
  switch (p.penalty) {
    case 'rows':
      return { count: p.rows, len: p.cols, start: (r) => p.offset + r * p.cols, stride: 1 };
    case 'columns':
      return { count: p.cols, len: p.rows, start: (c) => p.offset + c, stride: p.cols };
    default:
      return { count: p.size, len: 1, start: (i) => p.offset + i, stride: 1 };
  }
}

function groupSq(a: Float64Array, o: number, len: number, stride: number): number {
  let s = 0;
  for (let j = 0, i = o; j < len; j++, i += stride) s += (a[i] as number) ** 2;
  return s;
}

/** Ω(x) = Σ_T Ω_T (types.ts): Σ|x_i| on 'l1' tensors, Σ_g ‖x_g‖₂ on 'rows'/'columns' tensors. */
export function penaltyValue(infos: readonly TensorParamInfo[], x: Float64Array): number {
  let s = 0;
  for (const p of infos) {
    if (p.penalty === 'none') continue;
    if (p.penalty === 'l1') {
      // Σ_i |x_i|
      for (let i = p.offset; i < p.offset + p.size; i++) s += Math.abs(x[i] as number);
    } else {
      // Σ_g ‖x_g‖₂
      const g = groupsOf(p);
      for (let k = 0; k < g.count; k++) s += Math.sqrt(groupSq(x, g.start(k), g.len, g.stride));
    }
  }
  return s;
}

/** Ω*(v) on the penalized tensors: max over groups of ‖v_g‖₂ (|v_i| for 'l1'). */
export function penaltyDualNorm(infos: readonly TensorParamInfo[], v: Float64Array): number {
  let m = 0;
  for (const p of infos) {
    if (p.penalty === 'none') continue;
    const g = groupsOf(p);
    for (let k = 0; k < g.count; k++) m = Math.max(m, Math.sqrt(groupSq(v, g.start(k), g.len, g.stride)));
  }
  return m;
}

/**
 * KKT violation (module comment) of x given g = ∇f(x), with entries |x_i| ≤ τ (groups ‖x_g‖ ≤ τ)
 * read as zeros: the subdifferential is taken at the support the run reports.
 */
export function kktViolation(infos: readonly TensorParamInfo[], lambda: number, x: Float64Array, g: Float64Array, tau = 0): number {
  let m = 0;
  for (const p of infos) {
    const end = p.offset + p.size;
    if (p.penalty === 'none') {
      for (let i = p.offset; i < end; i++) m = Math.max(m, Math.abs(g[i] as number));
    } else if (p.penalty === 'l1') {
      // dist(−g_i, λ∂|x_i|) = |g_i + λ sign x_i| (x_i ≠ 0), max(|g_i| − λ, 0) (x_i = 0)
      for (let i = p.offset; i < end; i++) {
        const xi = x[i] as number;
        const gi = g[i] as number;
        const d = Math.abs(xi) <= tau ? Math.max(Math.abs(gi) - lambda, 0) : Math.abs(gi + (xi > 0 ? lambda : -lambda));
        if (!(d <= m)) m = d;
      }
    } else {
      // dist(−g_G, λ∂‖x_G‖) = ‖g_G + λ x_G/‖x_G‖‖ (x_G ≠ 0), max(‖g_G‖ − λ, 0) (x_G = 0)
      const G = groupsOf(p);
      for (let k = 0; k < G.count; k++) {
        const o = G.start(k);
        const nx = Math.sqrt(groupSq(x, o, G.len, G.stride));
        let d: number;
        if (nx <= tau) d = Math.max(Math.sqrt(groupSq(g, o, G.len, G.stride)) - lambda, 0);
        else {
          let s = 0;
          for (let j = 0, i = o; j < G.len; j++, i += G.stride) {
            const v = (g[i] as number) + (lambda * (x[i] as number)) / nx;
            s += v * v;
          }
          d = Math.sqrt(s);
        }
        if (!(d <= m)) m = d;
      }
    }
  }
  return m;
}

/** Penalized coordinates with |x_i| > τ ('l1'), or the coordinates of groups with ‖x_g‖₂ > τ. */
export function supportSize(infos: readonly TensorParamInfo[], x: Float64Array, tau: number): number {
  let c = 0;
  for (const p of infos) {
    if (p.penalty === 'none') continue;
    const g = groupsOf(p);
    for (let k = 0; k < g.count; k++) if (Math.sqrt(groupSq(x, g.start(k), g.len, g.stride)) > tau) c += g.len;
  }
  return c;
}

/** 'l1' when every penalized tensor is elementwise, else 'group-l1' (TensorProblem.penalty). */
export function penaltySummary(infos: readonly TensorParamInfo[]): 'l1' | 'group-l1' {
  return infos.every((p) => p.penalty === 'none' || p.penalty === 'l1') ? 'l1' : 'group-l1';
}


/** What a concrete model supplies to `assembleTensorProblem`. */
export interface TensorModel {
  readonly family: string;
  readonly backend: string;
  /** The WebGPU adapter behind backend 'webgpu', else null. */
  readonly adapter: AdapterInfo | null;
  readonly params: readonly TensorParamInfo[];
  readonly nSamples: number;
  readonly loss: LossFn;
  readonly makeBatch: (indices: Int32Array) => TensorBatch;
  /** The whole training set (owned by the problem, released by dispose). */
  readonly fullBatch: TensorBatch;
  readonly initialParams: (seed: number) => Float64Array;
  /** Test accuracy from parameter tensors (e.g. on a held-out split), read with `await data()`. */
  readonly testAccuracy?: (params: readonly tf.Tensor[]) => Promise<number>;
  readonly capabilities: readonly Capability[];
  /** Extra tensors to release with the problem. */
  readonly owned: readonly tf.Tensor[];
}

/** A TensorProblem from a model, λ (absolute), λ_max, metadata and the instance hash. */
export function assembleTensorProblem(model: TensorModel, lambda: number, lambdaMax: number, meta: ProblemMeta, instanceHash: string): TensorProblem {
  const { params, loss, fullBatch } = model;
  const penalty = penaltySummary(params);
  const dim = flatDim(params);
  const grad = new Float64Array(dim);
  const gradAt = new Float64Array(dim);
  let gradValid = false;
  const full = (p: readonly tf.Tensor[], batch?: TensorBatch): tf.Scalar => loss(p, batch ?? fullBatch);
  const problem: TensorProblem = {
    family: model.family,
    engine: 'tfjs',
    backend: model.backend,
    adapter: model.adapter,
    lambda,
    lambdaMax,
    dim,
    capabilities: new Set<Capability>(model.capabilities),
    meta,
    instanceHash,
    params,
    penalty,
    nSamples: model.nSamples,
    loss: full,
    makeBatch: model.makeBatch,
    disposeBatch: (b) => tf.dispose([...b.tensors]),
    initialParams: model.initialParams,
    toTensors: (x) => tensorsFromFlat(params, x),
    flatten: (ts) => flatFromTensors(params, ts),
    valueAndGradient: (x, g) => lossAndGradient(params, loss, fullBatch, x, g),
    valueAndGradientSync: (x, g) => lossAndGradientSync(params, loss, fullBatch, x, g),
    penaltyValue: (x) => penaltyValue(params, x),
    // A trace point asks for F(x) and then the KKT violation of the same x: one forward and
    // backward pass over the training set serves both (`grad` holds ∇f(gradAt), a copy).
    objective: async (x) => {
      const fx = await lossAndGradient(params, loss, fullBatch, x, grad);
      gradAt.set(x);
      gradValid = true;
      return fx + lambda * penaltyValue(params, x);
    },
    kkt: async (x, tau) => {
      let same = gradValid;
      for (let i = 0; same && i < dim; i++) same = x[i] === gradAt[i];
      if (!same) {
        await lossAndGradient(params, loss, fullBatch, x, grad);
        gradAt.set(x);
        gradValid = true;
      }
      return kktViolation(params, lambda, x, grad, tau ?? 0);
    },
    support: (x, tau) => supportSize(params, x, tau),
    ...(model.testAccuracy ? { testAccuracy: model.testAccuracy } : {}),
    dispose: () => tf.dispose([...fullBatch.tensors, ...model.owned]),
  };
  const tm = model.testAccuracy;
  if (tm) {
    return {
      ...problem,
      testMetric: async (x) => {
        const ts = tensorsFromFlat(params, x);
        try {
          return await tm(ts);
        } finally {
          tf.dispose(ts);
        }
      },
    };
  }
  return problem;
}
