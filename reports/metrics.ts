/**
 * The numbers behind the report: seed aggregation of convergence curves, time-to-tolerance,
 * Dolan–Moré performance profiles and compact rounding. Pure functions over plain arrays.
 *
 * - Median curve over seeds: on a common grid X (the union of the seeds' abscissae, thinned to at
 *   most `maxPoints`), each seed's curve y_s(x) is interpolated linearly in x (in log y for
 *   positive log-scale metrics) and held at its last value after it ends (a finished run keeps
 *   its final accuracy, so the median never jumps when one seed stops); med(x) is the median over
 *   the seeds that have started by x, and the curve ends at the median of the seeds' last
 *   abscissae (where the median run ended). The band [lo(x), hi(x)] is the 20–80% quantile range
 *   (as benchopt draws it; linear interpolation between order statistics, in log y for log
 *   metrics), given only where at least {@link BAND_MIN_SEEDS} seeds contribute (lo = hi = med
 *   elsewhere, i.e. no band).
 * - Time to tolerance of a run: T = t_j of the first trace point j with metric_j ≤ tol (∞ if none).
 * - Performance profile (Dolan & Moré 2002): for instances P and solvers S with times T_{p,s},
 *   r_{p,s} = T_{p,s} / min_{s'} T_{p,s'}, and ρ_s(τ) = |{p ∈ P_s : r_{p,s} ≤ τ}| / |P_s|, where
 *   P_s are the instances solver s applies to (a planned skip is left out, not counted unsolved).
 */

/** Smallest value drawn on a log axis: relative quantities below it are plotted at it. */
export const LOG_FLOOR = 1e-16;

/** Times below this (timer resolution) count as this, so ratios of times stay finite. */
export const TIME_FLOOR = 1e-6;

/** Rounds to `digits` significant digits (non-finite values and 0 pass through). */
export function round(v: number, digits = 4): number {
  if (!Number.isFinite(v) || v === 0) return v;
  return Number(v.toPrecision(digits));
}

/** Rounds, mapping null/undefined/NaN to null (JSON has no NaN). */
export function roundOrNull(v: number | null | undefined, digits = 4): number | null {
  if (v === null || v === undefined || Number.isNaN(v)) return null;
  return round(v, digits);
}

/** One seed's curve: abscissae in increasing order and their values. */
export interface Series {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** One point of a seed-aggregated curve. */
export interface BandPoint {
  readonly x: number;
  readonly med: number;
  readonly lo: number;
  readonly hi: number;
}

/** Fewest seeds for which a spread band is drawn. */
export const BAND_MIN_SEEDS = 3;

/** Quantiles of the spread band. */
export const BAND_QUANTILES = [0.2, 0.8] as const;

/**
 * q-quantile of a non-empty sorted array: linear interpolation between order statistics at rank
 * h = (n − 1)·q (Hyndman–Fan type 7, numpy's default); in log space when `log` (positive values).
 */
export function quantileSorted(v: readonly number[], q: number, log: boolean): number {
  const h = (v.length - 1) * q;
  const i = Math.floor(h);
  const a = v[i] as number;
  const b = v[Math.min(i + 1, v.length - 1)] as number;
  const w = h - i;
  if (w === 0 || a === b) return a;
  return log ? Math.exp((1 - w) * Math.log(a) + w * Math.log(b)) : (1 - w) * a + w * b;
}

/** Median of a non-empty sorted array (mean of the two middle values when even; geometric mean when `log`). */
function medianSorted(v: readonly number[], log: boolean): number {
  const n = v.length;
  const a = v[(n - 1) >> 1] as number;
  const b = v[n >> 1] as number;
  if (a === b) return a;
  if (a === Infinity || b === Infinity) return Infinity;
  return log ? Math.sqrt(a * b) : (a + b) / 2;
}

/** Median of numbers (∞ allowed); NaN for an empty list. */
export function median(values: readonly number[], log = false): number {
  if (values.length === 0) return NaN;
  return medianSorted([...values].sort((p, q) => p - q), log);
}

/**
 * Interpolates a series at x: linear in x, in log y when `log`; before the first point: NaN; after
 * the last: the last value (a finished run keeps its final value).
 */
export function interpolate(s: Series, x: number, log: boolean): number {
  const n = s.x.length;
  if (n === 0 || x < (s.x[0] as number)) return NaN;
  if (x >= (s.x[n - 1] as number)) return s.y[n - 1] as number;
  // Binary search for the segment [x_i, x_{i+1}] holding x.
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((s.x[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  const x0 = s.x[lo] as number;
  const x1 = s.x[hi] as number;
  const y0 = s.y[lo] as number;
  const y1 = s.y[hi] as number;
  if (x === x0) return y0;
  if (x1 === x0) return y1;
  const w = (x - x0) / (x1 - x0);
  return log ? Math.exp((1 - w) * Math.log(y0) + w * Math.log(y1)) : (1 - w) * y0 + w * y1;
}

/** Keeps at most `max` of the sorted values, evenly spaced in rank (first and last kept). */
export function thin(sorted: readonly number[], max: number): number[] {
  if (sorted.length <= max) return [...sorted];
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(sorted[Math.round((i * (sorted.length - 1)) / (max - 1))] as number);
  return out;
}

/**
 * Median curve and 20–80% band over seeds (see the module comment). With one series the points
 * are returned as they are (lo = hi = med). `grid` overrides the default grid (it is still cut
 * at the median end). Series must hold finite values (positive ones when `log`).
 */
export function aggregateSeeds(series: readonly Series[], log: boolean, maxPoints = 60, grid?: readonly number[]): BandPoint[] {
  const used = series.filter((s) => s.x.length > 0);
  if (used.length === 0) return [];
  if (used.length === 1 && grid === undefined) {
    const s = used[0] as Series;
    return s.x.map((x, i) => ({ x, med: s.y[i] as number, lo: s.y[i] as number, hi: s.y[i] as number }));
  }
  const end = median(used.map((s) => s.x[s.x.length - 1] as number));
  const xs = (grid ?? thin([...new Set(used.flatMap((s) => s.x))].sort((a, b) => a - b), maxPoints)).filter((x) => x <= end);
  const out: BandPoint[] = [];
  const vals: number[] = [];
  for (const x of xs) {
    vals.length = 0;
    for (const s of used) {
      const v = interpolate(s, x, log);
      if (!Number.isNaN(v)) vals.push(v);
    }
    if (vals.length === 0) continue;
    vals.sort((a, b) => a - b);
    const med = medianSorted(vals, log);
    const band = vals.length >= BAND_MIN_SEEDS;
    out.push({ x, med, lo: band ? quantileSorted(vals, BAND_QUANTILES[0], log) : med, hi: band ? quantileSorted(vals, BAND_QUANTILES[1], log) : med });
  }
  return out;
}

/** Time of the first point whose metric is ≤ tol; ∞ when none is (null metrics never count). */
export function timeToTolerance(times: readonly number[], metric: readonly (number | null)[], tol: number): number {
  for (let i = 0; i < times.length; i++) {
    const m = metric[i];
    if (m !== null && m !== undefined && m <= tol) return times[i] as number;
  }
  return Infinity;
}

/** One step of a performance profile: ρ(τ) = fraction, from τ on. */
export interface ProfileStep {
  readonly tau: number;
  readonly rho: number;
}

/**
 * Dolan–Moré profiles. `times[p][s]` is solver s's time on instance p (∞ = not solved; null =
 * not applicable: left out of solver s's denominator). Returns, per solver, the steps of ρ_s
 * (τ ≥ 1), ending at `tauMax` (default: 2× the largest finite ratio, at least 10), and that τ_max.
 */
export function performanceProfiles(times: readonly (readonly (number | null)[])[], solverCount: number, tauMax?: number): { profiles: ProfileStep[][]; tauMax: number } {
  const applies = Array.from({ length: solverCount }, (_, s) => times.filter((row) => row[s] !== null && row[s] !== undefined).length);
  const ratios: number[][] = Array.from({ length: solverCount }, () => []);
  let largest = 1;
  for (const row of times) {
    let best = Infinity;
    for (let s = 0; s < solverCount; s++) best = Math.min(best, Math.max(row[s] ?? Infinity, TIME_FLOOR));
    if (!Number.isFinite(best)) continue;
    for (let s = 0; s < solverCount; s++) {
      const t = row[s] ?? Infinity;
      if (!Number.isFinite(t)) continue;
      const r = Math.max(t, TIME_FLOOR) / best;
      (ratios[s] as number[]).push(r);
      largest = Math.max(largest, r);
    }
  }
  const end = tauMax ?? Math.max(10, 2 * largest);
  const profiles = ratios.map((rs, s) => {
    const P = applies[s] as number;
    rs.sort((a, b) => a - b);
    const steps: ProfileStep[] = [];
    let i = 0;
    while (i < rs.length && (rs[i] as number) <= 1) i++;
    steps.push({ tau: 1, rho: P === 0 ? 0 : i / P });
    while (i < rs.length) {
      const r = rs[i] as number;
      while (i < rs.length && rs[i] === r) i++;
      if (r > end) break;
      steps.push({ tau: r, rho: i / P });
    }
    steps.push({ tau: end, rho: (steps[steps.length - 1] as ProfileStep).rho });
    return steps;
  });
  return { profiles, tauMax: end };
}
