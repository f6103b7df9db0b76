/**
 * `l1bench solve --problem gene-selection`: one job of the gene-selection protocol (path.ts), i.e.
 * one method on one stratified split (`--seed` = the split index r) of one dataset, along the
 * warm-started λ path λ_max … minRatio·λ_max (`--path K`, `--path-min-ratio r`), with select then
 * refit at every λ. Prints what it runs, one row per λ (|S|, validation and test accuracy,
 * penalized and refitted, recall on simulations) and the reported point (best validation
 * accuracy); records the run under suite `solve` unless `--no-db`.
 * `--max-iter` is the budget per λ: epochs for the networks (default NETWORK_EPOCHS, the full
 * study's), Newton steps for cd (default CD_STEPS).
 */
import { UserError } from '../../problems/errors.ts';
import { openStore, type Store } from '../store/index.ts';
import { executeJob, type JobSpec } from '../job.ts';
import { GENE_PATH_DEFAULTS, type GenePathSpec, type Heads, HEADS } from './types.ts';
import { DENSE_METHOD, GENE_FAMILY, LINEAR_METHODS, type PathPoint } from './path.ts';

/** Default epochs per λ of the network methods (harness/suites/genes.json). */
export const NETWORK_EPOCHS = 100;
/** Default Newton steps per λ of cd. */
export const CD_STEPS = 200;

export interface GeneSolveOptions {
  readonly data: string;
  readonly solver: string;
  readonly params: JobSpec['params'];
  readonly split: number;
  readonly tol: number;
  /** Per-λ budget (null: the method's default). */
  readonly maxIter: number | null;
  readonly timeoutSeconds: number | null;
  readonly count?: number;
  readonly minRatio?: number;
  readonly tau?: number;
  readonly hidden?: number;
  readonly heads?: string;
  readonly backend: string;
  readonly db: string | false;
  readonly lockWait?: number;
  readonly quiet: boolean;
  readonly suite: string;
}

/** Runs and prints one gene-selection job (module comment); resolves to the exit code. */
export async function solveGeneSelection(o: GeneSolveOptions): Promise<number> {
  if (o.heads !== undefined && !(HEADS as readonly string[]).includes(o.heads)) throw new UserError(`--heads must be one of ${HEADS.join(', ')}, got '${o.heads}'`);
  const genes: Partial<GenePathSpec> = {
    ...(o.count !== undefined ? { count: o.count } : {}),
    ...(o.minRatio !== undefined ? { minRatio: o.minRatio } : {}),
    ...(o.tau !== undefined ? { tau: o.tau } : {}),
    ...(o.hidden !== undefined ? { hidden: o.hidden } : {}),
    ...(o.heads !== undefined ? { heads: o.heads as Heads } : {}),
  };
  const spec: GenePathSpec = { ...GENE_PATH_DEFAULTS, ...genes };
  if (spec.minRatio <= 0 || spec.minRatio >= 1) throw new UserError(`--path-min-ratio must be in (0, 1), got ${spec.minRatio}`);
  const linear = LINEAR_METHODS.includes(o.solver);
  const maxIter = o.maxIter ?? (linear ? CD_STEPS : NETWORK_EPOCHS);
  const job: JobSpec = {
    problem: { family: GENE_FAMILY, dataset: o.data, lambda: { kind: 'ratio', ratio: spec.minRatio }, genes, backend: o.backend },
    solver: o.solver,
    params: o.params,
    seed: o.split,
    tol: o.tol,
    maxIter,
    timeoutSeconds: o.timeoutSeconds,
    suite: o.suite,
  };
  let store: Store | null = null;
  if (o.db !== false) store = await openStore(o.db, o.lockWait !== undefined ? { lockWaitSeconds: o.lockWait } : {});
  try {
    const result = await executeJob(job);
    const r = result.run;
    const id = store ? await store.recordRun(r, result.trace, result.repetitions) : null;
    if (!o.quiet) {
      const ex = JSON.parse(r.extras ?? '{}') as { nTrain?: number; nVal?: number; nTest?: number; best?: { index: number } | null; bestRefit?: { index: number } | null };
      const dense = o.solver === DENSE_METHOD;
      const model = linear ? 'L1 / group-L1 logistic on the Float64 engine' : `the network (heads=${spec.heads}${spec.heads === 'linear' ? '' : `, hidden ${spec.hidden}`}) on TensorFlow.js`;
      const lines = [
        `${r.solver_label} on gene-selection/${r.dataset}, split ${o.split} (train ${ex.nTrain} / validation ${ex.nVal} / test ${ex.nTest}): ${model}`,
        dense
          ? `one unpenalized fit on every gene, ${maxIter} epochs`
          : `path of ${spec.count} λ from λ_max = ${(r.lambda_max ?? NaN).toExponential(3)} down to ${spec.minRatio}·λ_max, ${spec.warm ? 'warm-started' : 'cold starts'}, ≤ ${maxIter} ${linear ? 'Newton steps' : 'epochs'} per λ; selected = groups with norm > τ = ${spec.tau}, then refit on them`,
        '  k  λ/λ_max    genes  val acc  test acc  refit val  refit test  recall  status',
      ];
      const f = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));
      for (const t of result.trace) {
        const p = JSON.parse(t.extras as string) as PathPoint;
        lines.push(
          `${String(t.k + 1).padStart(3)}  ${p.lambdaRatio.toExponential(2).padEnd(9)}  ${String(p.genes).padStart(5)}  ${f(p.valAcc).padStart(7)}  ${f(p.testAcc).padStart(8)}  ${f(p.refitValAcc).padStart(9)}  ${f(p.refitTestAcc).padStart(10)}  ${f(p.recall).padStart(6)}  ${p.status}`,
        );
      }
      const at = (b: { index: number } | null | undefined): string => (b ? `k = ${b.index + 1}` : '—');
      lines.push(`reported point (best validation accuracy): penalized ${at(ex.best)}, refitted ${at(ex.bestRefit)}`);
      lines.push(`status ${r.status}${r.reason ? ` (${r.reason})` : ''}; solver time ${(r.solver_seconds ?? NaN).toFixed(3)} s, wall ${(r.wall_seconds ?? NaN).toFixed(3)} s`);
      lines.push(store && id !== null ? `recorded in ${store.path} as run #${id} (suite '${o.suite}')` : 'not recorded (--no-db)');
      process.stdout.write(lines.join('\n') + '\n');
    }
    return r.status === 'diverged' || r.status === 'error' ? 3 : 0;
  } finally {
    await store?.close();
  }
}
