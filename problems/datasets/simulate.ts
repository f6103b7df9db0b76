/**
 * Seeded synthetic datasets with a known truth (deterministic for a seed on every machine:
 * all randomness comes from `Rng`, drawn in a fixed order — design first, then the truth,
 * then the noise — so changing snr or k leaves X unchanged).
 *
 * Correlated Gaussian design (lasso, logistic, group lasso): each row x ~ N(0, Σ) with Toeplitz
 * Σ_jl = ρ^|j−l|, generated along the features by the AR(1) recursion
 *   x_0 = z_0,  x_j = ρ x_{j−1} + sqrt(1 − ρ²) z_j,  z ~ N(0, I).
 * Truth: k nonzeros at the evenly spread positions ⌊i·p/k⌋ (i = 0 … k−1), each ±U[1, 2) with a
 * random sign. The dataset's name is its canonical spec (e.g. `sim-lasso:n=100,p=200,…`).
 */
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { Rng } from '../rng.ts';
import type { Matrix } from '../types.ts';
import { hashDataset } from './hash.ts';

export interface LassoSimOptions {
  n: number;
  p: number;
  k: number;
  rho?: number;
  /** ‖Xβ‖₂ / ‖ε‖₂; Infinity for noiseless y = Xβ. */
  snr?: number;
  seed?: number;
}

export interface LogisticSimOptions {
  n: number;
  p: number;
  k: number;
  rho?: number;
  seed?: number;
  /** y = sign(Xβ) (linearly separable) instead of Bernoulli(sigmoid(Xβ)). */
  separable?: boolean;
}

export interface MultinomialSimOptions {
  n: number;
  p: number;
  k: number;
  classes: number;
  seed?: number;
}

export interface GroupLassoSimOptions {
  n: number;
  p: number;
  groupSize: number;
  kGroups: number;
  rho?: number;
  snr?: number;
  seed?: number;
}

export interface CompressiveSensingSimOptions {
  /** Number of measurements (rows of A). */
  n: number;
  /** Signal dimension (columns of A). */
  N: number;
  /** Fraction of nonzero entries in the true signal. */
  sparsity?: number;
  /** Standard deviation of the additive Gaussian noise. */
  noise?: number;
  seed?: number;
}

/**
 * Sparse linear regression: y = Xβ + ε, X as in the module comment, ε = c·z with z ~ N(0, I)
 * and c chosen so that ‖Xβ‖₂ / ‖ε‖₂ = snr exactly (ε = 0 when snr = Infinity).
 */
export function simulateLasso(opts: LassoSimOptions): Dataset {
  const { n, p, k, rho = 0, snr = 10, seed = 0 } = opts;
  const gen = 'sim-lasso';
  checkInt(gen, 'n', n, 1);
  checkInt(gen, 'p', p, 1);
  checkInt(gen, 'k', k, 1, p);
  checkRho(gen, rho);
  checkSnr(gen, snr);
  checkInt(gen, 'seed', seed, 0);
  const rng = new Rng(seed);
  const X = toeplitzDesign(rng, n, p, rho);
  const support = spread(k, p);
  const beta = new Float64Array(p);
  for (const j of support) beta[j] = signedMagnitude(rng);
  const signal = matVec(X, beta);
  const { y, sigma } = addNoise(rng, signal, snr);
  const params = { n, p, k, rho, snr, seed };
  return simDataset(gen, params, X, y, 'regression', support, beta, { noiseScale: sigma });
}

/**
 * Sparse logistic regression with labels ±1: y_i = sign(x_iᵀβ) (separable, 0 → +1) or
 * y_i = +1 with probability σ(x_iᵀβ) = 1 / (1 + exp(−x_iᵀβ)).
 */
export function simulateLogistic(opts: LogisticSimOptions): Dataset {
  const { n, p, k, rho = 0, seed = 0, separable = false } = opts;
  const gen = 'sim-logistic';
  checkInt(gen, 'n', n, 1);
  checkInt(gen, 'p', p, 1);
  checkInt(gen, 'k', k, 1, p);
  checkRho(gen, rho);
  checkInt(gen, 'seed', seed, 0);
  const rng = new Rng(seed);
  const X = toeplitzDesign(rng, n, p, rho);
  const support = spread(k, p);
  const beta = new Float64Array(p);
  for (const j of support) beta[j] = signedMagnitude(rng);
  const eta = matVec(X, beta);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = eta[i] as number;
    if (separable) y[i] = e >= 0 ? 1 : -1;
    else y[i] = rng.uniform() < 1 / (1 + Math.exp(-e)) ? 1 : -1;
  }
  const params = { n, p, k, rho, seed, separable };
  return simDataset(gen, params, X, y, 'binary', support, beta, {}, { '-1': -1, '1': 1 });
}

/**
 * Sparse multinomial regression: X iid N(0, 1), B ∈ R^{p×C} with k nonzero rows (evenly spread,
 * entries ±U[1, 2)), y_i = argmax_c (x_iᵀB_c + G_ic) with G iid standard Gumbel, i.e. y_i is a
 * draw from softmax(x_iᵀB). trueCoef is B column-major by class (B[j, c] at c·p + j);
 * trueSupport is the set of nonzero rows.
 */
export function simulateMultinomial(opts: MultinomialSimOptions): Dataset {
  const { n, p, k, classes, seed = 0 } = opts;
  const gen = 'sim-multinomial';
  checkInt(gen, 'n', n, 1);
  checkInt(gen, 'p', p, 1);
  checkInt(gen, 'k', k, 1, p);
  checkInt(gen, 'classes', classes, 2);
  checkInt(gen, 'seed', seed, 0);
  const rng = new Rng(seed);
  const X = toeplitzDesign(rng, n, p, 0);
  const support = spread(k, p);
  const B = new Float64Array(p * classes);
  for (const j of support) for (let c = 0; c < classes; c++) B[c * p + j] = signedMagnitude(rng);
  const scores: Float64Array[] = [];
  for (let c = 0; c < classes; c++) scores.push(matVec(X, B.subarray(c * p, (c + 1) * p)));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      // Gumbel(0, 1) = −log(−log U), U ∈ (0, 1)
      const u = 1 - rng.uniform();
      const s = ((scores[c] as Float64Array)[i] as number) - Math.log(-Math.log(u));
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    y[i] = arg;
  }
  const labels: Record<string, number> = {};
  for (let c = 0; c < classes; c++) labels[String(c)] = c;
  const params = { n, p, k, classes, seed };
  return simDataset(gen, params, X, y, 'multiclass', support, B, {}, labels);
}

/**
 * Group-sparse regression: features in contiguous groups {g·s, …, g·s + s − 1} of size s =
 * groupSize; kGroups active groups at evenly spread group positions ⌊i·G/kGroups⌋, every
 * coefficient of an active group ±U[1, 2); y = Xβ + ε with ‖Xβ‖/‖ε‖ = snr as in simulateLasso.
 */
export function simulateGroupLasso(opts: GroupLassoSimOptions): Dataset {
  const { n, p, groupSize, kGroups, rho = 0, snr = 10, seed = 0 } = opts;
  const gen = 'sim-group';
  checkInt(gen, 'n', n, 1);
  checkInt(gen, 'p', p, 1);
  checkInt(gen, 'groupSize', groupSize, 1, p);
  if (p % groupSize !== 0) {
    throw new UserError(`${gen}: p=${p} is not a multiple of groupSize=${groupSize}; choose p = groupSize × number of groups`);
  }
  const G = p / groupSize;
  checkInt(gen, 'kGroups', kGroups, 1, G);
  checkRho(gen, rho);
  checkSnr(gen, snr);
  checkInt(gen, 'seed', seed, 0);
  const rng = new Rng(seed);
  const X = toeplitzDesign(rng, n, p, rho);
  const active = spread(kGroups, G);
  const support = new Int32Array(kGroups * groupSize);
  const beta = new Float64Array(p);
  let m = 0;
  for (const g of active) {
    for (let l = 0; l < groupSize; l++) {
      const j = g * groupSize + l;
      support[m++] = j;
      beta[j] = signedMagnitude(rng);
    }
  }
  const signal = matVec(X, beta);
  const { y, sigma } = addNoise(rng, signal, snr);
  const params = { n, p, groupSize, kGroups, rho, snr, seed };
  return simDataset(gen, params, X, y, 'regression', support, beta, {
    noiseScale: sigma,
    activeGroups: Array.from(active).join(' '),
  });
}

/**
 * Compressive sensing (the spred paper's demo): y = A x + noise·z with A ∈ R^{n×N}, A_ij iid
 * N(0, 1/N), z ~ N(0, I), and a true x with round(sparsity·N) nonzeros at uniformly random
 * positions, values N(0, 1).
 */
export function simulateCompressiveSensing(opts: CompressiveSensingSimOptions): Dataset {
  const { n, N, sparsity = 0.1, noise = 1e-2, seed = 0 } = opts;
  const gen = 'sim-cs';
  checkInt(gen, 'n', n, 1);
  checkInt(gen, 'N', N, 1);
  if (!(sparsity > 0 && sparsity <= 1)) {
    throw new UserError(`${gen}: sparsity=${sparsity} must be in (0, 1] (fraction of nonzero entries)`);
  }
  if (!(noise >= 0 && Number.isFinite(noise))) {
    throw new UserError(`${gen}: noise=${noise} must be a finite number ≥ 0 (noise standard deviation)`);
  }
  checkInt(gen, 'seed', seed, 0);
  const k = Math.max(1, Math.round(sparsity * N));
  const rng = new Rng(seed);
  const data = new Float64Array(n * N);
  const sd = 1 / Math.sqrt(N);
  for (let e = 0; e < data.length; e++) data[e] = sd * rng.normal();
  const X = { n, p: N, data };
  // k positions uniformly at random: a partial Fisher–Yates over 0 … N−1, then sorted.
  const perm = new Int32Array(N);
  for (let j = 0; j < N; j++) perm[j] = j;
  for (let j = 0; j < k; j++) {
    const r = j + rng.int(N - j);
    const t = perm[j] as number;
    perm[j] = perm[r] as number;
    perm[r] = t;
  }
  const support = perm.slice(0, k).sort();
  const x = new Float64Array(N);
  for (const j of support) x[j] = rng.normal();
  const y = matVec(X, x);
  for (let i = 0; i < n; i++) y[i] = (y[i] as number) + noise * rng.normal();
  const params = { n, N, sparsity, noise, seed };
  return simDataset(gen, params, X, y, 'regression', support, x, { k });
}

export interface GeneSimOptions {
  n: number;
  p: number;
  k: number;
  /** Correlation of two genes in the same block. */
  rho?: number;
  /** 'linear': logistic in the genes; 'nonlinear': thresholds and interactions. */
  mode?: 'linear' | 'nonlinear';
  /** Genes per correlated block. */
  block?: number;
  /** Label sharpness s: y = +1 w.p. σ(s·(η − mean η)); Infinity: y = sign(η − mean η). */
  scale?: number;
  seed?: number;
}

/** E|x| = √(2/π) for x ~ N(0, 1): sim-genes' nonlinear genes act through |x| − √(2/π). */
const ABS_MEAN = Math.sqrt(2 / Math.PI);

/**
 * Gene-selection data with known genes, n ≪ p, binary labels ±1 (y = +1 w.p. σ(η_i)).
 *
 * Design: p genes in correlated blocks of `block` consecutive genes (the last block may be
 * shorter), equicorrelated within a block: x_j = √ρ·z_b + √(1 − ρ)·e_j with z_b, e_j iid N(0, 1),
 * so Var x_j = 1 and Corr(x_j, x_l) = ρ in one block, 0 across blocks.
 * Truth: k informative genes, the first gene of the evenly spread blocks ⌊i·G/k⌋ (G blocks), so
 * each has block−1 correlated decoys and the informative genes are independent of each other.
 * - mode=linear:    η = Σ_j β_j x_j, β_j = ±U[1, 2) (trueCoef = β).
 * - mode=nonlinear: the first m = ⌈k/2⌉ genes a_l act linearly, the other k − m genes b_l
 *   through a kink (|x|, a threshold of the slope at 0) that interacts with a threshold of a_l:
 *     η = Σ_{l ≤ m} β_l x_{a_l} + Σ_{l ≤ k−m} γ_l·(|x_{b_l}| − √(2/π))·(1 + 1[x_{a_l} > 0]),
 *   β_l = ±1.5·U[1, 2), γ_l = sign(β_l)·U[2, 4). Every gene b_l is uncorrelated with η
 *   (E[x·g(|x|)] = 0 for x ~ N(0, 1) independent of the rest), so a linear model cannot find
 *   it; its effect is visible to a model that is nonlinear in the genes (no trueCoef).
 * Labels: y_i = +1 with probability σ(s·(η_i − mean η)) (s = scale; s = ∞: y_i = sign(η_i − mean η),
 * noiseless), so the classes are balanced up to noise.
 * Draw order: design, then the truth, then the labels.
 */
export function simulateGenes(opts: GeneSimOptions): Dataset {
  const { n, p, k, rho = 0.5, mode = 'nonlinear', block = 10, scale = 1, seed = 0 } = opts;
  const gen = 'sim-genes';
  checkInt(gen, 'n', n, 2);
  checkInt(gen, 'p', p, 2);
  checkInt(gen, 'block', block, 1, p);
  const G = Math.ceil(p / block);
  checkInt(gen, 'k', k, 1, G);
  if (!(rho >= 0 && rho < 1)) throw new UserError(`${gen}: rho=${rho} must be in [0, 1) (correlation within a block)`);
  if (mode !== 'linear' && mode !== 'nonlinear') throw new UserError(`${gen}: mode='${String(mode)}' must be linear or nonlinear`);
  if (!(scale > 0)) throw new UserError(`${gen}: scale=${scale} must be > 0 (inf: noiseless labels)`);
  checkInt(gen, 'seed', seed, 0);
  const rng = new Rng(seed);
  const data = new Float64Array(n * p);
  const a = Math.sqrt(rho);
  const b = Math.sqrt(1 - rho);
  const z = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    if (j % block === 0) for (let i = 0; i < n; i++) z[i] = rng.normal();
    const off = j * n;
    // x_j = √ρ z_block + √(1−ρ) e
    for (let i = 0; i < n; i++) data[off + i] = a * (z[i] as number) + b * rng.normal();
  }
  const X: Matrix = { n, p, data };
  const support = Int32Array.from(spread(k, G), (g) => g * block);
  const col = (j: number): Float64Array => data.subarray(j * n, (j + 1) * n);
  const eta = new Float64Array(n);
  let coef: Float64Array | undefined;
  const extra: Record<string, string | number | boolean> = {};
  if (mode === 'linear') {
    coef = new Float64Array(p);
    for (const j of support) coef[j] = signedMagnitude(rng);
    eta.set(matVec(X, coef));
  } else {
    const m = Math.ceil(k / 2);
    const signs: number[] = [];
    const desc: string[] = [];
    for (let l = 0; l < m; l++) {
      const j = support[l] as number;
      const beta = 1.5 * signedMagnitude(rng);
      signs.push(Math.sign(beta));
      const x = col(j);
      // η += β x_a
      for (let i = 0; i < n; i++) eta[i] = (eta[i] as number) + beta * (x[i] as number);
      desc.push(`${beta.toFixed(3)}*x${j}`);
    }
    for (let l = 0; l < k - m; l++) {
      const jb = support[m + l] as number;
      const ja = support[l] as number;
      // the same sign as β_l, so that the interaction never cancels a_l's own effect
      const gamma = (signs[l] as number) * 2 * (1 + rng.uniform());
      const xa = col(ja);
      const xb = col(jb);
      // η += γ (|x_b| − √(2/π)) (1 + 1[x_a > 0])
      for (let i = 0; i < n; i++) {
        eta[i] = (eta[i] as number) + gamma * (Math.abs(xb[i] as number) - ABS_MEAN) * (1 + ((xa[i] as number) > 0 ? 1 : 0));
      }
      desc.push(`${gamma.toFixed(3)}*(|x${jb}|-0.798)*(1+1[x${ja}>0])`);
    }
    extra['eta'] = desc.join(' + ');
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += (eta[i] as number) / n;
  const y = new Float64Array(n);
  // y = +1 with probability σ(s(η − mean η)); s = ∞: the sign (ties → +1)
  for (let i = 0; i < n; i++) {
    const e = (eta[i] as number) - mean;
    y[i] = scale === Infinity ? (e >= 0 ? 1 : -1) : rng.uniform() < 1 / (1 + Math.exp(-scale * e)) ? 1 : -1;
  }
  const params = { n, p, k, rho, mode, block, scale, seed };
  const ds = simDataset(gen, params, X, y, 'binary', support, coef ?? new Float64Array(0), extra, { '-1': -1, '1': 1 });
  if (coef) return ds;
  const { trueCoef: _unused, ...rest } = ds;
  return rest;
}

// ---------------------------------------------------------------------------------------------

/** X (n×p, column-major) with rows N(0, Σ), Σ_jl = ρ^|j−l|, by the AR(1) recursion over columns. */
function toeplitzDesign(rng: Rng, n: number, p: number, rho: number): Matrix {
  const data = new Float64Array(n * p);
  const s = Math.sqrt(1 - rho * rho);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  for (let j = 1; j < p; j++) {
    const prev = (j - 1) * n;
    const cur = j * n;
    // x_j = ρ x_{j−1} + sqrt(1 − ρ²) z
    for (let i = 0; i < n; i++) data[cur + i] = rho * (data[prev + i] as number) + s * rng.normal();
  }
  return { n, p, data };
}

/** k distinct evenly spread positions ⌊i·m/k⌋ in 0 … m−1. */
function spread(k: number, m: number): Int32Array {
  const out = new Int32Array(k);
  for (let i = 0; i < k; i++) out[i] = Math.floor((i * m) / k);
  return out;
}

/** ±U[1, 2) with a random sign. */
function signedMagnitude(rng: Rng): number {
  const sign = rng.uniform() < 0.5 ? -1 : 1;
  return sign * (1 + rng.uniform());
}

/** X·v for column-major X. */
function matVec(X: Matrix, v: Float64Array): Float64Array {
  const { n, p, data } = X;
  const out = new Float64Array(n);
  for (let j = 0; j < p; j++) {
    const b = v[j] as number;
    if (b === 0) continue;
    const off = j * n;
    // out += v_j X[:, j]
    for (let i = 0; i < n; i++) out[i] = (out[i] as number) + b * (data[off + i] as number);
  }
  return out;
}

/** y = signal + c·z with c = ‖signal‖ / (snr ‖z‖) (c = 0 for snr = ∞). */
function addNoise(rng: Rng, signal: Float64Array, snr: number): { y: Float64Array; sigma: number } {
  const n = signal.length;
  const y = Float64Array.from(signal);
  if (snr === Infinity) return { y, sigma: 0 };
  const z = new Float64Array(n);
  let zz = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const v = rng.normal();
    z[i] = v;
    zz += v * v;
    ss += (signal[i] as number) ** 2;
  }
  const c = Math.sqrt(ss) / (snr * Math.sqrt(zz));
  for (let i = 0; i < n; i++) y[i] = (y[i] as number) + c * (z[i] as number);
  return { y, sigma: c };
}

function simDataset(
  gen: string,
  params: Record<string, number | boolean | string>,
  X: Matrix,
  y: Float64Array,
  task: Dataset['task'],
  support: Int32Array,
  coef: Float64Array,
  extra: Record<string, string | number | boolean>,
  labels?: Record<string, number>,
): Dataset {
  const spec = `${gen}:${Object.entries(params)
    .map(([key, v]) => `${key}=${v}`)
    .join(',')}`;
  return {
    name: spec,
    X,
    y,
    featureNames: Array.from({ length: X.p }, (_, j) => `x${j}`),
    task,
    ...(labels ? { labels } : {}),
    trueSupport: support,
    trueCoef: coef,
    hash: hashDataset(X, y),
    notes: { generator: gen, ...params, ...extra, source: spec },
  };
}

function checkInt(gen: string, key: string, v: number, min: number, max = Infinity): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `in ${min} … ${max}`;
    throw new UserError(`${gen}: ${key}=${v} must be an integer ${range}`);
  }
}

function checkRho(gen: string, rho: number): void {
  if (!(rho > -1 && rho < 1)) throw new UserError(`${gen}: rho=${rho} must be in (−1, 1) (feature correlation)`);
}

function checkSnr(gen: string, snr: number): void {
  if (!(snr > 0)) throw new UserError(`${gen}: snr=${snr} must be > 0 (Infinity for no noise)`);
}
