/**
 * Reference optima F* per problem instance (keyed by instance hash = data + λ + penalty).
 *
 * Convex instances: a high-precision solve with the most precise applicable solver (coordinate
 * descent where it applies, else FISTA), stopped at relative duality gap ≤ REFERENCE_TOL and
 * CERTIFIED when (F − D)/|F| ≤ CERTIFY_REL_GAP. On lasso, LARS (exact path to λ) runs as a
 * cross-check: the primary solver's certified F* is kept (else the lowest certified one) and the
 * disagreement between the two is reported. A solve that
 * misses the certificate is stored with certified = 0 (and the summary says so).
 *
 * Non-convex instances (mlp) have no certificate: after the benchmark a 'best-seen' row
 * (certified = 0) records the lowest final objective any run reached, and runs keep a null
 * reference.
 */
import type { ReferenceRow, Store } from '../store/index.ts';
import { ENDED_NORMALLY } from '../../problems/types.ts';
import type { ReferenceAttempt, ReferenceInput } from './protocol.ts';
import type { NewTrace } from '../store/index.ts';
import type { ProblemSpec } from '../job.ts';

/** Stopping tolerance of a reference solve (relative gap). */
export const REFERENCE_TOL = 1e-13;
/** Relative duality gap that certifies F*. */
export const CERTIFY_REL_GAP = 1e-12;
/** Iteration budget of a reference solve (epochs for cd). */
export const REFERENCE_MAX_ITER = 1_000_000;
/** Reference solvers, most precise first. */
export const REFERENCE_SOLVERS: readonly string[] = ['cd', 'fista'];
/** Cross-check solvers (run too when applicable). */
export const REFERENCE_CROSS_CHECK: readonly string[] = ['lars'];

/** What the benchmark learned about an instance's reference. */
export interface ReferenceOutcome {
  readonly instanceHash: string;
  readonly title: string;
  readonly source: 'cached' | 'computed' | 'interrupted' | 'none';
  readonly objective: number | null;
  readonly certified: boolean;
  readonly relGap: number | null;
  readonly solver: string | null;
  /** |F_cross − F_primary| / |F_primary| when a cross-check ran and was certified too. */
  readonly crossCheck: { readonly solver: string; readonly relDiff: number } | null;
  readonly note: string | null;
}

/** An instance whose reference is stored; its spec is kept so that a merge can rebuild and re-check F*. */
export interface ReferenceInstance {
  readonly instanceHash: string;
  readonly family: string;
  readonly dataset: string;
  readonly lambda: number;
  readonly title: string;
  readonly spec?: ProblemSpec;
}

/** The reference handed to runs of an instance. */
export function referenceInput(row: Pick<ReferenceRow, 'objective' | 'certified'>): ReferenceInput {
  return { objective: row.objective, kind: row.certified ? 'certified' : 'best-seen' };
}

const isCertified = (a: ReferenceAttempt): boolean => a.relGap !== null && a.relGap <= CERTIFY_REL_GAP;

/**
 * Chooses F* from the attempts: the lowest certified objective, else the lowest objective
 * (uncertified). Stores it and returns the outcome (objective null when no attempt gave one).
 */
export async function storeReference(
  store: Store,
  instance: ReferenceInstance,
  attempts: readonly ReferenceAttempt[],
): Promise<ReferenceOutcome> {
  const finite = attempts.filter((a) => a.objective !== null && Number.isFinite(a.objective));
  const certified = finite.filter(isCertified);
  const primary = attempts.find((a) => !a.cross) ?? null;
  const lowest = (xs: readonly ReferenceAttempt[]): ReferenceAttempt | null =>
    xs.reduce<ReferenceAttempt | null>((b, a) => (b === null || (a.objective as number) < (b.objective as number) ? a : b), null);
  // The primary solver's certified F*; else the lowest certified one; else the lowest seen.
  const best = primary && isCertified(primary) ? primary : (lowest(certified) ?? lowest(finite));
  const cross = attempts.find((a) => a.cross) ?? null;
  let crossCheck: ReferenceOutcome['crossCheck'] = null;
  if (primary && cross && isCertified(primary) && isCertified(cross)) {
    const fp = primary.objective as number;
    crossCheck = { solver: cross.solver, relDiff: Math.abs((cross.objective as number) - fp) / Math.max(Math.abs(fp), 1e-300) };
  }
  if (best === null) {
    const why = attempts.map((a) => `${a.solver}: ${a.status}${a.reason ? ` (${a.reason})` : ''}`).join('; ') || 'no applicable reference solver (cd, fista)';
    return { instanceHash: instance.instanceHash, title: instance.title, source: 'none', objective: null, certified: false, relGap: null, solver: null, crossCheck, note: why };
  }
  const ok = isCertified(best);
  await store.putReference({
    instance_hash: instance.instanceHash,
    family: instance.family,
    dataset: instance.dataset,
    lambda: instance.lambda,
    objective: best.objective as number,
    gap: best.gap,
    rel_gap: best.relGap,
    solver: best.solver,
    certified: ok ? 1 : 0,
    x: best.x ? JSON.stringify(best.x) : null,
    created_at: new Date().toISOString(),
    spec: instance.spec ? JSON.stringify(instance.spec) : null,
  });
  const note = ok
    ? null
    : `not certified: best relative gap ${best.relGap === null ? 'n/a' : best.relGap.toExponential(2)} > ${CERTIFY_REL_GAP} (${best.solver}: ${best.status}${best.reason ? `, ${best.reason}` : ''})`;
  return {
    instanceHash: instance.instanceHash,
    title: instance.title,
    source: 'computed',
    objective: best.objective,
    certified: ok,
    relGap: best.relGap,
    solver: best.solver,
    crossCheck,
    note,
  };
}

/**
 * A reference solve stopped from outside (time budget): keeps the lowest objective its streamed
 * trace reached, uncertified unless a streamed point already had the certificate.
 */
export async function storeInterruptedReference(
  store: Store,
  instance: ReferenceInstance,
  solver: string,
  trace: readonly NewTrace[],
  reason: string,
): Promise<ReferenceOutcome> {
  let best: NewTrace | null = null;
  for (const p of trace) {
    if (p.objective !== null && p.objective !== undefined && Number.isFinite(p.objective) && (best === null || p.objective < (best.objective as number))) best = p;
  }
  if (best === null) {
    return { instanceHash: instance.instanceHash, title: instance.title, source: 'none', objective: null, certified: false, relGap: null, solver, crossCheck: null, note: reason };
  }
  const F = best.objective as number;
  const relGap = best.gap === null || best.gap === undefined ? null : best.gap / Math.max(Math.abs(F), 1e-300);
  const ok = relGap !== null && relGap <= CERTIFY_REL_GAP;
  await store.putReference({
    instance_hash: instance.instanceHash,
    family: instance.family,
    dataset: instance.dataset,
    lambda: instance.lambda,
    objective: F,
    gap: best.gap ?? null,
    rel_gap: relGap,
    solver,
    certified: ok ? 1 : 0,
    x: null,
    created_at: new Date().toISOString(),
    spec: instance.spec ? JSON.stringify(instance.spec) : null,
  });
  return { instanceHash: instance.instanceHash, title: instance.title, source: 'interrupted', objective: F, certified: ok, relGap, solver, crossCheck: null, note: ok ? null : `not certified: ${reason}` };
}

/**
 * After a benchmark: for each non-convex instance, stores (or lowers) a 'best-seen' reference
 * (certified = 0): the lowest final objective of its runs that ended normally
 * (converged / max_iter / stalled / timeout). Returns how many rows were written.
 */
export async function updateBestSeen(store: Store, instanceHashes: Iterable<string>): Promise<number> {
  let written = 0;
  for (const hash of instanceHashes) {
    const best = await store.db
      .selectFrom('runs')
      .select(['objective', 'solver_label', 'family', 'dataset', 'lambda', 'problem'])
      .where('instance_hash', '=', hash)
      .where('status', 'in', ENDED_NORMALLY)
      .where('current', '=', 1)
      .where('objective', 'is not', null)
      .orderBy('objective', 'asc')
      .limit(1)
      .executeTakeFirst();
    if (!best || best.objective === null || !Number.isFinite(best.objective) || best.lambda === null) continue;
    const old = await store.getReference(hash);
    if (old && (old.certified === 1 || old.objective <= best.objective)) continue;
    await store.putReference({
      instance_hash: hash,
      family: best.family,
      dataset: best.dataset,
      lambda: best.lambda,
      objective: best.objective,
      gap: null,
      rel_gap: null,
      solver: best.solver_label,
      certified: 0,
      x: null,
      created_at: new Date().toISOString(),
      spec: best.problem,
    });
    written++;
  }
  return written;
}
