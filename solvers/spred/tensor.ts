/**
 * spred on the TensorFlow.js engine (float32), and the plain-L1 baseline it is timed against.
 *
 * For each penalized tensor W of a TensorProblem (viewed as [rows, cols]) spred introduces factors
 *   'l1':       W = U ⊙ V             (U, V ∈ R^{rows×cols}),
 *   'group-l1': W_{r,:} = u_r · V_{r,:}  (u ∈ R^{rows×1}, V ∈ R^{rows×cols}),
 * and minimizes, over the factors and the unpenalized tensors P,
 *
 *   g = f(W(U, V), P) + (λ/2)·Σ_{penalized} (‖U‖² + ‖V‖²),        (κ = λ/2: min g = min F)
 *   ∇_U g = ∇_W f ⊙ V + λU,   ∇_V g = ∇_W f ⊙ U + λV                   ('l1')
 *   ∇_u g = Σ_cols ∇_W f ⊙ V + λu,   ∇_V g = u ⊙ ∇_W f + λV            ('group-l1', u broadcast)
 *   ∇_P g = ∇_P f.
 * ∇f comes from tfjs (the problem's loss, usually a hand-written gradient); the chain rule above
 * is applied explicitly, so the L2 term's gradient is part of what every optimizer sees (Adam
 * included: it goes through the moments; this is not AdamW).
 *
 * Optimizers: SGD with heavy-ball momentum and a schedule, Adam, on tf variables, minibatches
 * from a seeded shuffle (ctx.seed) when 0 < batchSize < n, one callback per epoch; L-BFGS
 * full batch through the Float64 optimizer (solvers/optimizers/lbfgs.ts) on the flat factor
 * vector θ (layout below), evaluating f and ∇f on tfjs per function evaluation.
 *
 * θ layout (L-BFGS and `initialFactors`): for each parameter tensor in the problem's order,
 * penalized → [U (rows·cols, or rows for group-l1) ; V (rows·cols)], unpenalized → [P].
 *
 * Initialization ('init', 'initScale' = s; σ₀ = the tensor's default-init std, TensorParamInfo.initStd):
 *   'random':   every factor entry ~ N(0, s²·σ₀) (so with s = 1 the product has std σ₀; the
 *               tensor lasso has σ₀ = 1: N(0, s²) as on the Float64 engine); unpenalized tensors
 *               from the problem's default initialization (seed ctx.seed);
 *   'balanced': the split of x₀ = ctx.x0 (or, without one, the problem's default initialization):
 *               u = √|x₀|, v = sign(x₀)√|x₀| ('l1'); u_r = √‖x₀_r‖, V_r = x₀_r/√‖x₀_r‖ ('group-l1');
 *               an entry/row where x₀ = 0 gets u = s·√σ₀, v = 0 (not the saddle u = v = 0).
 *
 * The iterate handed to the callback is the product x (flat, the problem's layout; read at trace
 * points only), extras = { imbalance: max |u² − v²| ('l1') or max_r |u_r² − ‖V_r‖²| ('group-l1') },
 * which is 0 at every stationary point of g.
 */
import * as tf from '@tensorflow/tfjs';
import type { AsyncCallback, AsyncIterateView, Callback, Params, RunContext } from '../../problems/types.ts';
import { asyncCallbackOf, readInto, syncDevice } from '../../problems/tensor/read.ts';
import type { TensorBatch, TensorParamInfo, TensorProblem } from '../../problems/tensor/types.ts';
import { Rng } from '../../problems/rng.ts';
import { UserError } from '../../problems/errors.ts';
import { EpochBatches, type SmoothObjective } from '../optimizers/types.ts';
import { Lbfgs } from '../optimizers/lbfgs.ts';
import { scheduledRate, type Schedule } from '../optimizers/sgd.ts';

export type SpredTensorMethod = 'sgd' | 'adam' | 'lbfgs';
export type DenseTensorMethod = 'sgd' | 'adam';

/** A suggested support threshold τ for float32 iterates (entries shrink toward zero, never reach it). */
export const TENSOR_TAU = 1e-6;

/** One parameter tensor's share of θ. */
interface Block {
  readonly info: TensorParamInfo;
  readonly kind: 'free' | 'l1' | 'group';
  /** Offset and length of U in θ (0 length for free). */
  readonly uOff: number;
  readonly uLen: number;
  /** Offset of V (or P for free) in θ; its length is info.size. */
  readonly vOff: number;
}

/** The factor layout of a problem (θ layout in the module comment). */
export class FactorLayout {
  readonly blocks: readonly Block[];
  readonly dim: number;
  constructor(readonly problem: TensorProblem) {
    let off = 0;
    const blocks: Block[] = [];
    for (const info of problem.params) {
      if (!info.penalized) {
        blocks.push({ info, kind: 'free', uOff: off, uLen: 0, vOff: off });
        off += info.size;
      } else {
        const kind = problem.penalty === 'group-l1' ? 'group' : 'l1';
        const uLen = kind === 'group' ? info.rows : info.size;
        blocks.push({ info, kind, uOff: off, uLen, vOff: off + uLen });
        off += uLen + info.size;
      }
    }
    this.blocks = blocks;
    this.dim = off;
  }

  /** x = product of θ (the problem's flat layout). */
  product(theta: Float64Array, x: Float64Array): Float64Array {
    for (const b of this.blocks) {
      const { offset, size, rows, cols } = b.info;
      if (b.kind === 'free') x.set(theta.subarray(b.vOff, b.vOff + size), offset);
      else if (b.kind === 'l1') {
        // x = u ⊙ v
        for (let i = 0; i < size; i++) x[offset + i] = (theta[b.uOff + i] as number) * (theta[b.vOff + i] as number);
      } else {
        // x_{r,c} = u_r · v_{r,c}
        for (let r = 0; r < rows; r++) {
          const u = theta[b.uOff + r] as number;
          for (let c = 0; c < cols; c++) x[offset + r * cols + c] = u * (theta[b.vOff + r * cols + c] as number);
        }
      }
    }
    return x;
  }

  /** ∇θ g into `out` from gx = ∇f(x); returns ½Σ‖factors‖² (g = f + λ·this). */
  chain(theta: Float64Array, gx: Float64Array, lambda: number, out: Float64Array): number {
    let sq = 0;
    for (const b of this.blocks) {
      const { offset, size, rows, cols } = b.info;
      if (b.kind === 'free') {
        out.set(gx.subarray(offset, offset + size), b.vOff);
        continue;
      }
      if (b.kind === 'l1') {
        // ∇u = g ⊙ v + λu,  ∇v = g ⊙ u + λv
        for (let i = 0; i < size; i++) {
          const u = theta[b.uOff + i] as number;
          const v = theta[b.vOff + i] as number;
          const g = gx[offset + i] as number;
          out[b.uOff + i] = g * v + lambda * u;
          out[b.vOff + i] = g * u + lambda * v;
          sq += u * u + v * v;
        }
      } else {
        // ∇u_r = Σ_c g_{r,c} v_{r,c} + λu_r,  ∇v_{r,c} = u_r g_{r,c} + λv_{r,c}
        for (let r = 0; r < rows; r++) {
          const u = theta[b.uOff + r] as number;
          let gu = lambda * u;
          sq += u * u;
          for (let c = 0; c < cols; c++) {
            const k = r * cols + c;
            const v = theta[b.vOff + k] as number;
            const g = gx[offset + k] as number;
            gu += g * v;
            out[b.vOff + k] = u * g + lambda * v;
            sq += v * v;
          }
          out[b.uOff + r] = gu;
        }
      }
    }
    return sq / 2;
  }

  /** max |u² − v²| ('l1') or max_r |u_r² − ‖V_r‖²| ('group-l1'). */
  imbalance(theta: Float64Array): number {
    let m = 0;
    for (const b of this.blocks) {
      const { size, rows, cols } = b.info;
      if (b.kind === 'l1') {
        for (let i = 0; i < size; i++) {
          const d = Math.abs((theta[b.uOff + i] as number) ** 2 - (theta[b.vOff + i] as number) ** 2);
          if (!(d <= m)) m = d;
        }
      } else if (b.kind === 'group') {
        for (let r = 0; r < rows; r++) {
          let s = 0;
          for (let c = 0; c < cols; c++) s += (theta[b.vOff + r * cols + c] as number) ** 2;
          const d = Math.abs((theta[b.uOff + r] as number) ** 2 - s);
          if (!(d <= m)) m = d;
        }
      }
    }
    return m;
  }

  /** The shapes of the variables of each block, in θ order: [U, V] or [P]. */
  variableShapes(b: Block): number[][] {
    const shape = [...b.info.shape];
    if (b.kind === 'free') return [shape];
    const vShape = [b.info.rows, b.info.cols];
    return [b.kind === 'group' ? [b.info.rows, 1] : vShape, vShape];
  }
}

function num(params: Params, key: string, dflt: number): number {
  const v = params[key];
  const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : dflt;
  return Number.isFinite(x) ? x : dflt;
}

function str(params: Params, key: string, dflt: string): string {
  const v = params[key];
  return v === undefined ? dflt : String(v);
}

/** θ₀ from the init parameters (module comment). `rng` is consumed for random factors. */
export function initialFactors(layout: FactorLayout, params: Params, ctx: RunContext, rng: Rng, who: string): Float64Array {
  const problem = layout.problem;
  const init = str(params, 'init', 'random');
  const s = num(params, 'initScale', 0.5);
  if (init !== 'random' && init !== 'balanced') throw new UserError(`${who}: parameter init must be 'random' or 'balanced', got '${init}'`);
  if (ctx.x0 && ctx.x0.length !== problem.dim) throw new UserError(`${who}: warm start x0 has length ${ctx.x0.length}, the problem has ${problem.dim} parameters`);
  const x0 = ctx.x0 ?? problem.initialParams(ctx.seed);
  const theta = new Float64Array(layout.dim);
  for (const b of layout.blocks) {
    const { offset, size, rows, cols, initStd } = b.info;
    const sd = s * Math.sqrt(initStd);
    if (b.kind === 'free') {
      theta.set(x0.subarray(offset, offset + size), b.vOff);
    } else if (init === 'random') {
      for (let i = 0; i < b.uLen; i++) theta[b.uOff + i] = sd * rng.normal();
      for (let i = 0; i < size; i++) theta[b.vOff + i] = sd * rng.normal();
    } else if (b.kind === 'l1') {
      // u = √|x₀|, v = sign(x₀)√|x₀|
      for (let i = 0; i < size; i++) {
        const x = x0[offset + i] as number;
        const r = Math.sqrt(Math.abs(x));
        theta[b.uOff + i] = x === 0 ? sd : r;
        theta[b.vOff + i] = x === 0 ? 0 : Math.sign(x) * r;
      }
    } else {
      // u_r = √‖x₀_r‖, V_r = x₀_r / √‖x₀_r‖
      for (let r = 0; r < rows; r++) {
        let nrm = 0;
        for (let c = 0; c < cols; c++) nrm += (x0[offset + r * cols + c] as number) ** 2;
        nrm = Math.sqrt(nrm);
        const su = Math.sqrt(nrm);
        theta[b.uOff + r] = nrm === 0 ? sd : su;
        for (let c = 0; c < cols; c++) theta[b.vOff + r * cols + c] = nrm === 0 ? 0 : (x0[offset + r * cols + c] as number) / su;
      }
    }
  }
  return theta;
}

/** A first-order update rule on tf variables (one call per minibatch). */
interface TensorStepper {
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], epoch: number): void;
  dispose(): void;
}

/** Adam (Kingma & Ba, Algorithm 1) on the full gradient (the L2 term included): m̂/(√v̂ + ε). */
class TensorAdam implements TensorStepper {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;
  private b1t = 1;
  private b2t = 1;
  constructor(
    vars: readonly tf.Variable[],
    private readonly lr: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly eps: number,
  ) {
    this.m = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
  }
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[]): void {
    this.t++;
    this.b1t *= this.beta1;
    this.b2t *= this.beta2;
    const { beta1, beta2, eps } = this;
    const step = this.lr / (1 - this.b1t);
    const c2 = 1 / (1 - this.b2t);
    tf.tidy(() => {
      vars.forEach((x, i) => {
        const g = grads[i] as tf.Tensor;
        const m = this.m[i] as tf.Variable;
        const v = this.v[i] as tf.Variable;
        // m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  x ← x − lr/(1−β₁ᵗ) · m / (√(v/(1−β₂ᵗ)) + ε)
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        x.assign(tf.sub(x, tf.div(tf.mul(m, step), tf.add(tf.sqrt(tf.mul(v, c2)), eps))));
      });
    });
  }
  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** SGD with heavy-ball momentum in PyTorch's form: b ← μb + g, x ← x − η_t b (η_t by schedule and epoch). */
class TensorSgd implements TensorStepper {
  private readonly buf: tf.Variable[] | null;
  constructor(
    vars: readonly tf.Variable[],
    private readonly lr: number,
    private readonly momentum: number,
    private readonly schedule: Schedule,
  ) {
    this.buf = momentum > 0 ? tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false))) : null;
  }
  apply(vars: readonly tf.Variable[], grads: readonly tf.Tensor[], epoch: number): void {
    const eta = scheduledRate(this.lr, this.schedule, epoch);
    tf.tidy(() => {
      vars.forEach((x, i) => {
        const g = grads[i] as tf.Tensor;
        if (this.buf === null) {
          // x ← x − η g
          x.assign(tf.sub(x, tf.mul(g, eta)));
        } else {
          const b = this.buf[i] as tf.Variable;
          // b ← μb + g;  x ← x − η b
          b.assign(tf.add(tf.mul(b, this.momentum), g));
          x.assign(tf.sub(x, tf.mul(b, eta)));
        }
      });
    });
  }
  dispose(): void {
    if (this.buf) tf.dispose(this.buf);
  }
}

function makeStepper(method: DenseTensorMethod, vars: readonly tf.Variable[], params: Params, who: string): TensorStepper {
  const lr = num(params, 'lr', method === 'adam' ? 1e-3 : 1e-2);
  if (!(lr > 0)) throw new UserError(`${who}: lr must be positive, got ${lr}`);
  if (method === 'adam') {
    return new TensorAdam(vars, lr, num(params, 'beta1', 0.9), num(params, 'beta2', 0.999), num(params, 'eps', 1e-8));
  }
  const schedule = str(params, 'schedule', 'constant');
  if (schedule !== 'constant' && schedule !== 'inverse-sqrt' && schedule !== 'step') {
    throw new UserError(`${who}: schedule must be 'constant', 'inverse-sqrt' or 'step', got '${schedule}'`);
  }
  return new TensorSgd(vars, lr, num(params, 'momentum', 0), schedule);
}

/**
 * Runs the epoch loop shared by spred and the dense baseline:
 * `while (await report(view)) { one epoch of minibatch steps; wait for the device }`.
 * The steps only enqueue work; on a device backend the epoch's time includes waiting for it
 * to finish (`syncDevice` on `anchor`), so solver time is the device's time, not the queue's.
 */
async function epochLoop(problem: TensorProblem, params: Params, rng: Rng, view: AsyncIterateView, report: AsyncCallback, anchor: tf.Tensor, step: (batch: TensorBatch | undefined, epoch: number) => void): Promise<void> {
  const batchSize = Math.floor(num(params, 'batchSize', 0));
  const n = problem.nSamples;
  const batches = batchSize > 0 && batchSize < n ? new EpochBatches(n, batchSize, rng) : null;
  let epoch = 0;
  while (await report(view)) {
    if (batches === null) step(undefined, epoch);
    else {
      for (const idx of batches.shuffle()) {
        const batch = problem.makeBatch(idx);
        try {
          step(batch, epoch);
        } finally {
          problem.disposeBatch(batch);
        }
      }
    }
    await syncDevice(anchor);
    epoch++;
  }
}

/** Variables of θ₀ in θ order, with their block. */
function makeVariables(layout: FactorLayout, theta0: Float64Array): { vars: tf.Variable[]; owner: Block[] } {
  const vars: tf.Variable[] = [];
  const owner: Block[] = [];
  for (const b of layout.blocks) {
    const shapes = layout.variableShapes(b);
    const parts = b.kind === 'free' ? [[b.vOff, b.info.size]] : [[b.uOff, b.uLen], [b.vOff, b.info.size]];
    shapes.forEach((shape, k) => {
      const [off, len] = parts[k] as [number, number];
      vars.push(tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(theta0.subarray(off, off + len)), shape, 'float32'), true)));
      owner.push(b);
    });
  }
  return { vars, owner };
}

/** Reads the variables back into a Float64 θ (θ layout; awaited reads). */
function readTheta(layout: FactorLayout, vars: readonly tf.Variable[], theta: Float64Array): Promise<Float64Array> {
  const offsets = layout.blocks.flatMap((b) => (b.kind === 'free' ? [b.vOff] : [b.uOff, b.vOff]));
  return readInto(vars, offsets, theta);
}

/**
 * spred on a tensor problem with SGD, Adam (on tf variables) or full-batch L-BFGS (Float64
 * two-loop + strong Wolfe line search, tfjs gradients). Parameters (read with defaults):
 * init, initScale; sgd: lr, momentum, schedule, batchSize; adam: lr, beta1, beta2, eps,
 * batchSize; lbfgs: memory. Calls back on the starting point, then once per epoch (L-BFGS: per
 * iteration), until the callback returns false (L-BFGS also returns when its line search fails
 * from steepest descent: no measurable decrease in float32).
 */
export async function runSpredTensor(problem: TensorProblem, method: SpredTensorMethod, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
  const who = `spred-${method} (tfjs)`;
  const layout = new FactorLayout(problem);
  const rng = new Rng(ctx.seed);
  const theta0 = initialFactors(layout, params, ctx, rng, who);
  const lambda = problem.lambda;
  const theta = new Float64Array(layout.dim);
  const report = asyncCallbackOf(callback, ctx);

  if (method === 'lbfgs') {
    const memory = Math.max(1, Math.floor(num(params, 'memory', 10)));
    const x = new Float64Array(problem.dim);
    const gx = new Float64Array(problem.dim);
    const obj: SmoothObjective = {
      dim: layout.dim,
      valueAndGradient(th, out) {
        // g(θ) = f(x(θ)) + (λ/2)Σ‖factors‖², ∇θ g by the chain rule from ∇f(x)
        const fx = problem.valueAndGradientSync(layout.product(th, x), gx);
        return fx + lambda * layout.chain(th, gx, lambda, out);
      },
    };
    const opt = new Lbfgs(obj, theta0, { memory });
    const view: AsyncIterateView = {
      x: async () => layout.product(opt.theta, new Float64Array(problem.dim)),
      extras: async () => ({ imbalance: layout.imbalance(opt.theta) }),
    };
    while ((await report(view)) && opt.step()) {
      // one L-BFGS iteration
    }
    return;
  }

  if (method !== 'sgd' && method !== 'adam') throw new UserError(`${who}: unknown method '${String(method)}'; use sgd, adam or lbfgs`);
  const { vars, owner } = makeVariables(layout, theta0);
  const stepper = makeStepper(method, vars, params, who);
  const view: AsyncIterateView = {
    x: async () => layout.product(await readTheta(layout, vars, theta), new Float64Array(problem.dim)),
    extras: async () => ({ imbalance: layout.imbalance(await readTheta(layout, vars, theta)) }),
  };
  const step = (batch: TensorBatch | undefined, epoch: number): void => {
    tf.tidy(() => {
      // products W in the problem's parameter order
      const W: tf.Tensor[] = [];
      for (let k = 0; k < vars.length; k++) {
        const b = owner[k] as Block;
        if (b.kind === 'free') W.push(vars[k] as tf.Variable);
        else {
          W.push(tf.mul(vars[k] as tf.Variable, vars[k + 1] as tf.Variable));
          k++;
        }
      }
      const gW = tf.grads((...p: tf.Tensor[]) => problem.loss(p, batch))(W);
      // ∇ of g per variable (module comment)
      const grads: tf.Tensor[] = [];
      let j = 0;
      for (let k = 0; k < vars.length; k++) {
        const b = owner[k] as Block;
        const g = gW[j++] as tf.Tensor;
        if (b.kind === 'free') {
          grads.push(g);
          continue;
        }
        const u = vars[k] as tf.Variable;
        const v = vars[k + 1] as tf.Variable;
        const gu = b.kind === 'l1' ? tf.mul(g, v) : tf.sum(tf.mul(g, v), 1, true);
        grads.push(tf.add(gu, tf.mul(u, lambda)), tf.add(tf.mul(g, u), tf.mul(v, lambda)));
        k++;
      }
      stepper.apply(vars, grads, epoch);
    });
  };
  try {
    await epochLoop(problem, params, rng, view, report, vars[vars.length - 1] as tf.Variable, step);
  } finally {
    stepper.dispose();
    tf.dispose(vars);
  }
}

/**
 * The baseline without the reparametrization: the same SGD/Adam on the parameters themselves
 * with the L1 subgradient, ĝ = ∇f + λ·s, s = sign(W) ('l1', sign 0 = 0) or s_r = W_r/‖W_r‖₂
 * ('group-l1', 0 for a zero row). Initialization: ctx.x0 or the problem's default (seed ctx.seed).
 * Same parameters, minibatches and callbacks as `runSpredTensor`; extras are empty.
 */
export async function runDenseTensor(problem: TensorProblem, method: DenseTensorMethod, params: Params, callback: Callback, ctx: RunContext): Promise<void> {
  const who = `dense-${method} (tfjs)`;
  if (ctx.x0 && ctx.x0.length !== problem.dim) throw new UserError(`${who}: warm start x0 has length ${ctx.x0.length}, the problem has ${problem.dim} parameters`);
  if (method !== 'sgd' && method !== 'adam') throw new UserError(`${who}: unknown method '${String(method)}'; use sgd or adam`);
  const rng = new Rng(ctx.seed);
  const x0 = ctx.x0 ?? problem.initialParams(ctx.seed);
  const lambda = problem.lambda;
  const init = problem.toTensors(x0);
  const vars = init.map((t) => tf.variable(t, true));
  tf.dispose(init);
  const stepper = makeStepper(method, vars, params, who);
  const view: AsyncIterateView = { x: () => problem.flatten(vars), extras: async () => ({}) };
  const report = asyncCallbackOf(callback, ctx);
  const step = (batch: TensorBatch | undefined, epoch: number): void => {
    tf.tidy(() => {
      const gW = tf.grads((...p: tf.Tensor[]) => problem.loss(p, batch))(vars);
      const grads = gW.map((g, i) => {
        const info = problem.params[i] as TensorParamInfo;
        if (!info.penalized) return g;
        const w = vars[i] as tf.Variable;
        if (problem.penalty === 'l1') return tf.add(g, tf.mul(tf.sign(w), lambda));
        const w2 = w.reshape([info.rows, info.cols]);
        // W_r / max(‖W_r‖, 1e-30): 0 for a zero row (tf.divNoNan is ~100× slower on wasm)
        const s = tf.div(w2, tf.maximum(tf.sqrt(tf.sum(tf.square(w2), 1, true)), 1e-30));
        return tf.add(g, tf.mul(s.reshape(info.shape as number[]), lambda));
      });
      stepper.apply(vars, grads, epoch);
    });
  };
  try {
    await epochLoop(problem, params, rng, view, report, vars[vars.length - 1] as tf.Variable, step);
  } finally {
    stepper.dispose();
    tf.dispose(vars);
  }
}
