/**
 * Penalties Ω (λ is applied by the problem, not here).
 *
 * - `l1`:       Ω(x) = Σ_i |x_i|,      prox = soft-thresholding,  Ω*(v) = ‖v‖∞.
 * - `group-l1`: Ω(x) = Σ_g ‖x_g‖₂,     prox = block soft-thresholding,  Ω*(v) = max_g ‖v_g‖₂.
 */
import type { Penalty } from './types.ts';

/** Soft-thresholding S_t(v) = sign(v)·max(|v| − t, 0). */
export function softThreshold(v: number, t: number): number {
  return v > t ? v - t : v < -t ? v + t : 0;
}

/** Elementwise L1: Ω(x) = Σ_i |x_i|. */
export function l1(): Penalty {
  return {
    name: 'l1',
    value(x) {
      let s = 0;
      for (let i = 0; i < x.length; i++) s += Math.abs(x[i] as number);
      return s;
    },
    prox(x, t, out) {
      // out = sign(x)·max(|x| − t, 0)
      for (let i = 0; i < x.length; i++) out[i] = softThreshold(x[i] as number, t);
    },
    subdiffDistance(x, g, lambda) {
      // dist(−g_i, λ∂|x_i|): |g_i + λ sign(x_i)| if x_i ≠ 0, else max(|g_i| − λ, 0)
      let m = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i] as number;
        const gi = g[i] as number;
        const d = xi === 0 ? Math.max(Math.abs(gi) - lambda, 0) : Math.abs(gi + (xi > 0 ? lambda : -lambda));
        if (d > m) m = d;
      }
      return m;
    },
    dualNorm(v) {
      let m = 0;
      for (let i = 0; i < v.length; i++) {
        const a = Math.abs(v[i] as number);
        if (a > m) m = a;
      }
      return m;
    },
    support(x, tau) {
      let c = 0;
      for (let i = 0; i < x.length; i++) if (Math.abs(x[i] as number) > tau) c++;
      return c;
    },
  };
}

/**
 * Group L1: Ω(x) = Σ_g ‖x_g‖₂ over disjoint groups that cover every coordinate.
 * `support` counts the coordinates of groups whose norm exceeds τ.
 */
export function groupL1(groups: readonly Int32Array[]): Penalty {
  const norm = (x: Float64Array, g: Int32Array): number => {
    let s = 0;
    for (let k = 0; k < g.length; k++) {
      const v = x[g[k] as number] as number;
      s += v * v;
    }
    return Math.sqrt(s);
  };
  return {
    name: 'group-l1',
    groups,
    value(x) {
      let s = 0;
      for (const g of groups) s += norm(x, g);
      return s;
    },
    prox(x, t, out) {
      // out_g = x_g · max(1 − t/‖x_g‖, 0)
      if (out !== x) out.set(x);
      for (const g of groups) {
        const nrm = norm(x, g);
        const scale = nrm > t ? 1 - t / nrm : 0;
        for (let k = 0; k < g.length; k++) {
          const i = g[k] as number;
          out[i] = (out[i] as number) * scale;
        }
      }
    },
    subdiffDistance(x, grad, lambda) {
      // x_g ≠ 0: ‖g_g + λ x_g/‖x_g‖‖;  x_g = 0: max(‖g_g‖ − λ, 0)
      let m = 0;
      for (const g of groups) {
        const nx = norm(x, g);
        let d: number;
        if (nx === 0) {
          d = Math.max(norm(grad, g) - lambda, 0);
        } else {
          let s = 0;
          for (let k = 0; k < g.length; k++) {
            const i = g[k] as number;
            const v = (grad[i] as number) + (lambda * (x[i] as number)) / nx;
            s += v * v;
          }
          d = Math.sqrt(s);
        }
        if (d > m) m = d;
      }
      return m;
    },
    dualNorm(v) {
      let m = 0;
      for (const g of groups) {
        const a = norm(v, g);
        if (a > m) m = a;
      }
      return m;
    },
    support(x, tau) {
      let c = 0;
      for (const g of groups) if (norm(x, g) > tau) c += g.length;
      return c;
    },
  };
}
