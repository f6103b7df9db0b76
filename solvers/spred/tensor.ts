/**
 * spred on the TensorFlow.js engine (float32), and the plain-L1 baseline it is timed against.
 *
 * For each penalized tensor W of a TensorProblem (viewed as [rows, cols]) spred introduces factors
 *   'l1':       W = U ⊙ V             (U, V ∈ R^{rows×cols}),
 *   'rows':     W_{r,:} = u_r · V_{r,:}  (u ∈ R^{rows×1}, V ∈ R^{rows×cols}),
 *   'columns':  W_{:,c} = u_c · V_{:,c}  (u ∈ R^{1×cols}, V ∈ R^{rows×cols}),
 * and minimizes, over the factors and the unpenalized tensors P,
 *
 *   g = f(W(U, V), P) + (λ/2)·Σ_{penalized} (‖U‖² + ‖V‖²),        (κ = λ/2: min g = min F)
 *   ∇_U g = ∇_W f ⊙ V + λU,   ∇_V g = ∇_W f ⊙ U + λV                   ('l1')
 *   ∇_u g = Σ_cols ∇_W f ⊙ V + λu,   ∇_V g = u ⊙ ∇_W f + λV            ('rows', u broadcast;
 *                                                                       'columns': Σ over rows)
 *   ∇_P g = ∇_P f.
 * ∇f comes from tfjs (the problem's loss, usually a hand-written gradient); the chain rule above
 * is applied explicitly, so the L2 term's gradient is part of what every optimizer sees (Adam
 * included: it goes through the moments; this is not AdamW).
 *
 * Optimizers: SGD with heavy-ball momentum and a schedule, Adam (solvers/tensor/optim.ts), on tf
 * variables, in the shared minibatch loop (solvers/tensor/loop.ts: seeded data order, one
 * callback per epoch; batchSize = 0 is full batch); L-BFGS
 * full batch through the Float64 optimizer (solvers/optimizers/lbfgs.ts) on the flat factor
 * vector θ (layout below), evaluating f and ∇f on tfjs per function evaluation.
 *
 * θ layout (L-BFGS and `initialFactors`): for each parameter tensor in the problem's order,
 * penalized → [U (rows·cols; rows for 'rows'; cols for 'columns') ; V (rows·cols)], unpenalized → [P].
 *
 * Initialization ('init', 'initScale' = s; σ₀ = the tensor's default-init std, TensorParamInfo.initStd):
 *   'random':   every factor entry ~ N(0, s²·σ₀) (so with s = 1 the product has std σ₀; the
 *               tensor lasso has σ₀ = 1: N(0, s²) as on the Float64 engine); unpenalized tensors
 *               from the problem's default initialization (seed ctx.seed);
 *   'balanced': the split of x₀ = ctx.x0 (or, without one, the problem's default initialization):
 *               u = √|x₀|, v = sign(x₀)√|x₀| ('l1'); u_g = √‖x₀_g‖, V_g = x₀_g/√‖x₀_g‖ (groups:
 *               rows or columns), so U ⊙ V = x₀ exactly (up to float32 rounding of the factors);
 *               an entry/group where x₀ = 0 gets u = s·√σ₀, v = 0 (not the saddle u = v = 0).
 *
 * The iterate handed to the callback is the product x (flat, the problem's layout; read at trace
 * points only), extras = { imbalance: max |u² − v²| ('l1') or max_g |u_g² − ‖V_g‖²| (groups) },
 * which is 0 at every stationary point of g.
 */
import * as tf from '@tensorflow/tfjs';
import type { AsyncIterateView, Callback, Params, RunContext } from '../../problems/types.ts';
import { asyncCallbackOf } from '../../problems/tensor/read.ts';
import type { TensorBatch, TensorParamInfo, TensorProblem } from '../../problems/tensor/types.ts';
import { Rng } from '../../problems/rng.ts';
import { UserError } from '../../problems/errors.ts';
import type { SmoothObjective } from '../optimizers/types.ts';
import { Lbfgs } from '../optimizers/lbfgs.ts';
import { num, runMinibatchLoop, str, type StepRule } from '../tensor/loop.ts';
import { makeStepper, TensorAdam } from '../tensor/optim.ts';
import { fusedAdamStep, fusedAvailable, fusedSpredAdamStep, type FactoredVars } from '../tensor/fused.ts';

export type SpredTensorMethod = 'sgd' | 'adam' | 'lbfgs';

/** A suggested support threshold τ for float32 iterates (entries shrink toward zero, never reach it). */
export const TENSOR_TAU = 1e-6;

/** One parameter tensor's share of θ. */
interface Block {
  readonly info: TensorParamInfo;
  readonly kind: 'free' | 'l1' | 'rows' | 'columns';
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
      if (info.penalty === 'none') {
        blocks.push({ info, kind: 'free', uOff: off, uLen: 0, vOff: off });
        off += info.size;
      } else {
        const kind = info.penalty;
        const uLen = kind === 'rows' ? info.rows : kind === 'columns' ? info.cols : info.size;
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
      const { offset, size } = b.info;
      if (b.kind === 'free') x.set(theta.subarray(b.vOff, b.vOff + size), offset);
      else {
        // x_k = u_{g(k)} · v_k  (g(k) = k for 'l1', the row or column of k for groups)
        for (let k = 0; k < size; k++) x[offset + k] = (theta[b.uOff + groupOf(b, k)] as number) * (theta[b.vOff + k] as number);
      }
    }
    return x;
  }

  /** ∇θ g into `out` from gx = ∇f(x); returns ½Σ‖factors‖² (g = f + λ·this). */
  chain(theta: Float64Array, gx: Float64Array, lambda: number, out: Float64Array): number {
    let sq = 0;
    for (const b of this.blocks) {
      const { offset, size } = b.info;
      if (b.kind === 'free') {
        out.set(gx.subarray(offset, offset + size), b.vOff);
        continue;
      }
      // ∇u_G = Σ_{k∈G} g_k v_k + λu_G,  ∇v_k = u_{G(k)} g_k + λv_k
      for (let j = 0; j < b.uLen; j++) {
        const u = theta[b.uOff + j] as number;
        out[b.uOff + j] = lambda * u;
        sq += u * u;
      }
      for (let k = 0; k < size; k++) {
        const j = groupOf(b, k);
        const u = theta[b.uOff + j] as number;
        const v = theta[b.vOff + k] as number;
        const g = gx[offset + k] as number;
        out[b.uOff + j] = (out[b.uOff + j] as number) + g * v;
        out[b.vOff + k] = u * g + lambda * v;
        sq += v * v;
      }
    }
    return sq / 2;
  }

  /** max_G |u_G² − ‖V_G‖²| (G = one entry for 'l1', a row or column for groups). */
  imbalance(theta: Float64Array): number {
    let m = 0;
    for (const b of this.blocks) {
      if (b.kind === 'free') continue;
      const vs = new Float64Array(b.uLen);
      for (let k = 0; k < b.info.size; k++) {
        const j = groupOf(b, k);
        vs[j] = (vs[j] as number) + (theta[b.vOff + k] as number) ** 2;
      }
      for (let j = 0; j < b.uLen; j++) {
        const d = Math.abs((theta[b.uOff + j] as number) ** 2 - (vs[j] as number));
        if (!(d <= m)) m = d;
      }
    }
    return m;
  }

  /** The shapes of the variables of each block, in θ order: [U, V] or [P]. */
  variableShapes(b: Block): number[][] {
    const shape = [...b.info.shape];
    if (b.kind === 'free') return [shape];
    const vShape = [b.info.rows, b.info.cols];
    return [b.kind === 'rows' ? [b.info.rows, 1] : b.kind === 'columns' ? [1, b.info.cols] : vShape, vShape];
  }
}

/** The factor index of coordinate k of a penalized block (row-major [rows, cols] view). */
function groupOf(b: Block, k: number): number {
  return b.kind === 'rows' ? Math.floor(k / b.info.cols) : b.kind === 'columns' ? k % b.info.cols : k;
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
    const { offset, size, initStd } = b.info;
    const sd = s * Math.sqrt(initStd);
    if (b.kind === 'free') {
      theta.set(x0.subarray(offset, offset + size), b.vOff);
    } else if (init === 'random') {
      for (let i = 0; i < b.uLen; i++) theta[b.uOff + i] = sd * rng.normal();
      for (let i = 0; i < size; i++) theta[b.vOff + i] = sd * rng.normal();
    } else {
      // u_G = √‖x₀_G‖, V_G = x₀_G / √‖x₀_G‖  ('l1': u = √|x₀|, v = sign(x₀)√|x₀|)
      const nrm = new Float64Array(b.uLen);
      for (let k = 0; k < size; k++) {
        const j = groupOf(b, k);
        nrm[j] = (nrm[j] as number) + (x0[offset + k] as number) ** 2;
      }
      for (let j = 0; j < b.uLen; j++) {
        const n = Math.sqrt(nrm[j] as number);
        nrm[j] = n;
        theta[b.uOff + j] = n === 0 ? sd : Math.sqrt(n);
      }
      for (let k = 0; k < size; k++) {
        const n = nrm[groupOf(b, k)] as number;
        theta[b.vOff + k] = n === 0 ? 0 : (x0[offset + k] as number) / Math.sqrt(n);
      }
    }
  }
  return theta;
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

/** Reads the variables back into a Float64 θ (θ layout), with `await data()`. */
async function readTheta(layout: FactorLayout, vars: readonly tf.Variable[], theta: Float64Array): Promise<Float64Array> {
  const vals = await Promise.all(vars.map((v) => v.data()));
  let k = 0;
  for (const b of layout.blocks) {
    if (b.kind === 'free') theta.set(vals[k++] as Float32Array, b.vOff);
    else {
      theta.set(vals[k++] as Float32Array, b.uOff);
      theta.set(vals[k++] as Float32Array, b.vOff);
    }
  }
  return theta;
}

/**
 * The spred step rule for the minibatch loop: products W = U ⊙ V (u·V for groups), ∇f from the
 * problem's loss at W, the chain rule of the module comment with the L2 term, then the stepper.
 * With Adam on a backend that runs the fused kernels (solvers/tensor/fused.ts), the chain rule,
 * Adam on both factors and the next step's product are one pass per tensor, and the products are
 * kept between steps (the same float32 values: fusedRule).
 */
export function spredRule(problem: TensorProblem, method: 'sgd' | 'adam', params: Params, ctx: RunContext, who: string): StepRule & { readonly layout: FactorLayout; readonly vars: readonly tf.Variable[] } {
  const layout = new FactorLayout(problem);
  const rng = new Rng(ctx.seed);
  const theta0 = initialFactors(layout, params, ctx, rng, who);
  const lambda = problem.lambda;
  const { vars, owner } = makeVariables(layout, theta0);
  const stepper = makeStepper(method, vars, params, who);
  const theta = new Float64Array(layout.dim);
  const common = {
    layout,
    vars,
    async extras() {
      return { imbalance: layout.imbalance(await readTheta(layout, vars, theta)) };
    },
  };
  if (stepper instanceof TensorAdam && fusedAvailable()) return { ...common, ...fusedRule(problem, vars, owner, stepper, lambda) };
  const products = (): tf.Tensor[] => {
    const W: tf.Tensor[] = [];
    for (let k = 0; k < vars.length; k++) {
      const b = owner[k] as Block;
      if (b.kind === 'free') W.push(vars[k] as tf.Variable);
      else {
        const w = tf.mul(vars[k] as tf.Variable, vars[k + 1] as tf.Variable);
        W.push(b.info.shape.length === 2 ? w : w.reshape([...b.info.shape]));
        k++;
      }
    }
    return W;
  };
  return {
    ...common,
    current: products,
    step(batch, clock) {
      const W = products();
      const gW = tf.grads((...p: tf.Tensor[]) => problem.loss(p, batch))(W);
      // ∇ of g per variable (module comment)
      const grads: tf.Tensor[] = [];
      let j = 0;
      for (let k = 0; k < vars.length; k++) {
        const b = owner[k] as Block;
        const g0 = gW[j++] as tf.Tensor;
        if (b.kind === 'free') {
          grads.push(g0);
          continue;
        }
        const g = g0.reshape([b.info.rows, b.info.cols]);
        const u = vars[k] as tf.Variable;
        const v = vars[k + 1] as tf.Variable;
        const gv = tf.mul(g, v);
        const gu = b.kind === 'l1' ? gv : tf.sum(gv, b.kind === 'rows' ? 1 : 0, true);
        grads.push(tf.add(gu, tf.mul(u, lambda)), tf.add(tf.mul(g, u), tf.mul(v, lambda)));
        k++;
      }
      stepper.apply(vars, grads, clock);
    },
    dispose() {
      stepper.dispose();
      tf.dispose(vars);
    },
  };
}

/**
 * The fused spred-Adam step (solvers/tensor/fused.ts): per factored tensor one kernel computes
 * g_U, g_V from ∇_W f, Adam on both factors, and W = U ⊙ V, which is kept in a variable for the
 * next forward pass (so the product is formed once per step, not once in the forward pass and
 * again in the chain rule); free tensors take the fused plain Adam step. Same float32 result as
 * the op-by-op rule.
 */
function fusedRule(problem: TensorProblem, vars: readonly tf.Variable[], owner: readonly Block[], adam: TensorAdam, lambda: number): Pick<StepRule, 'current' | 'step' | 'dispose'> {
  const kindOf = { l1: 0, rows: 1, columns: 2 } as const;
  const slots: ({ free: number } | FactoredVars)[] = [];
  for (let k = 0; k < vars.length; k++) {
    const b = owner[k] as Block;
    if (b.kind === 'free') {
      slots.push({ free: k });
      continue;
    }
    const u = vars[k] as tf.Variable;
    const V = vars[k + 1] as tf.Variable;
    const W = tf.tidy(() => tf.variable(tf.mul(u, V).reshape([...b.info.shape]), false));
    const [mu, vu] = adam.moments(k);
    const [mV, vV] = adam.moments(k + 1);
    slots.push({ kind: kindOf[b.kind], rows: b.info.rows, cols: b.info.cols, u, V, W, mu, vu, mV, vV });
    k++;
  }
  const W = slots.map((s) => ('free' in s ? (vars[s.free] as tf.Variable) : s.W));
  return {
    current: () => [...W],
    step(batch) {
      const gW = tf.grads((...p: tf.Tensor[]) => problem.loss(p, batch))(W);
      const c = adam.nextStep();
      slots.forEach((s, j) => {
        const g = gW[j] as tf.Tensor;
        if ('free' in s) {
          const [m, v] = adam.moments(s.free);
          fusedAdamStep(vars[s.free] as tf.Variable, g, m, v, c);
        } else fusedSpredAdamStep(s, g, lambda, c);
      });
    },
    dispose() {
      adam.dispose();
      tf.dispose([...vars, ...slots.flatMap((s) => ('free' in s ? [] : [s.W]))]);
    },
  };
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
  if (method === 'lbfgs') {
    const layout = new FactorLayout(problem);
    const theta0 = initialFactors(layout, params, ctx, new Rng(ctx.seed), who);
    const lambda = problem.lambda;
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
    const report = asyncCallbackOf(callback, ctx);
    while ((await report(view)) && opt.step()) {
      // one L-BFGS iteration
    }
    return;
  }

  if (method !== 'sgd' && method !== 'adam') throw new UserError(`${who}: unknown method '${String(method)}'; use sgd, adam or lbfgs`);
  await runMinibatchLoop(problem, spredRule(problem, method, params, ctx, who), params, ctx.seed, callback, ctx.asyncCallback);
}
