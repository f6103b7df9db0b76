/**
 * Ranking across instances (time to tolerance, performance profiles) and history across commits.
 *
 * Time to tolerance of a (instance, solver label) pair: the median over its seeds of each run's
 * T = solver time of the first trace point with criterion ≤ tol (∞ for a run that never got
 * there, and for a label that failed on that instance). A label whose runs on an instance were all
 * skipped (the solver does not apply there) or that never ran there is left out of that
 * instance: blank in the tables, and outside its performance profile's denominator. The criterion is the
 * relative suboptimality (F − F*)/|F*| when the instance has a reference F*, else the relative
 * duality gap, else the KKT violation (noted per instance).
 */
import type { ReportData, ReportInstance, ReportRun } from './data.ts';
import { median, performanceProfiles, timeToTolerance } from './metrics.ts';
import type { HistoryPoint, ProfileRow } from './specs.ts';

/** Tolerances offered on the ranking page. */
export const TOLERANCES: readonly number[] = [1e-2, 1e-4, 1e-6, 1e-8];

/** '1e-6' for 1e-6. */
export function tolLabel(tol: number): string {
  return tol.toExponential(0).replace('e-', 'e-').replace('e+', 'e');
}

export type Criterion = 'subopt' | 'gap' | 'kkt';

/** The criterion an instance is ranked by. */
export function criterionOf(inst: ReportInstance): Criterion {
  if (inst.runs.some((r) => r.trace.subopt.some((v) => v !== null))) return 'subopt';
  if (inst.runs.some((r) => r.trace.gap.some((v) => v !== null))) return 'gap';
  return 'kkt';
}

export function runTimeToTol(run: ReportRun, criterion: Criterion, tol: number): number {
  return timeToTolerance(run.trace.t, run.trace[criterion], tol);
}

/** Time-to-tolerance table of one tolerance. */
export interface TimeTable {
  readonly tol: number;
  readonly label: string;
  /** Per built instance, per solver label: median time (∞: not reached), or null (not applicable: skipped, or never ran there). */
  readonly rows: { instance: ReportInstance; criterion: Criterion; times: (number | null)[]; reached: number[]; seeds: number[]; skipped: boolean[] }[];
}

export interface Ranking {
  readonly labels: readonly string[];
  readonly tables: TimeTable[];
  readonly profiles: ProfileRow[];
  readonly groups: string[];
  readonly tolLabels: string[];
  readonly tauMax: number;
}

/** Time-to-tolerance tables and performance profiles ('all' instances, and per family). */
export function computeRanking(data: ReportData, tolerances: readonly number[] = TOLERANCES): Ranking {
  const labels = data.labels;
  // (a gene-selection run is a λ path, drawn on its own page: reports/genes.ts)
  const instances = data.instances.filter((i) => i.built && i.family !== 'gene-selection');
  const tables: TimeTable[] = tolerances.map((tol) => ({
    tol,
    label: tolLabel(tol),
    rows: instances.map((inst) => {
      const criterion = criterionOf(inst);
      const times: (number | null)[] = [];
      const reached: number[] = [];
      const seeds: number[] = [];
      const skipped: boolean[] = [];
      for (const label of labels) {
        const all = inst.runs.filter((r) => r.label === label);
        const runs = all.filter((r) => r.status !== 'skipped');
        skipped.push(all.length > 0 && runs.length === 0);
        if (runs.length === 0) {
          times.push(null);
          reached.push(0);
          seeds.push(0);
          continue;
        }
        const ts = runs.map((r) => runTimeToTol(r, criterion, tol));
        times.push(median(ts, true));
        reached.push(ts.filter(Number.isFinite).length);
        seeds.push(ts.length);
      }
      return { instance: inst, criterion, times, reached, seeds, skipped };
    }),
  }));
  const groups = ['all', ...data.families.filter((f) => f.instances.some((i) => i.built)).map((f) => f.name)];
  // One τ_max for every curve, so the axis stays put when the radio buttons change.
  const grid: { group: string; table: TimeTable; times: (number | null)[][] }[] = [];
  let largest = 10;
  for (const table of tables) {
    for (const group of groups) {
      const rows = table.rows.filter((r) => group === 'all' || r.instance.family === group);
      const times = rows.map((r) => r.times);
      grid.push({ group, table, times });
      largest = Math.max(largest, performanceProfiles(times, labels.length).tauMax);
    }
  }
  const profiles: ProfileRow[] = [];
  for (const { group, table, times } of grid) {
    const { profiles: steps } = performanceProfiles(times, labels.length, largest);
    steps.forEach((st, s) => {
      for (const p of st) profiles.push({ group, tol: table.label, solver: labels[s] as string, tau: p.tau, rho: p.rho });
    });
  }
  return { labels, tables, profiles, groups, tolLabels: tables.map((t) => t.label), tauMax: largest };
}

/** A commit as the history sees it (sha, or sha+dirty, or no git). */
export interface CommitInfo {
  readonly key: string;
  readonly label: string;
  readonly first: string;
  readonly runs: number;
}

export interface HistoryRow {
  readonly instance: ReportInstance;
  readonly label: string;
  readonly criterion: 'rel. subopt' | 'rel. gap' | 'KKT';
  /** Per commit: median final accuracy over seeds, null when the pair did not run there. */
  readonly values: (number | null)[];
}

export interface History {
  readonly commits: CommitInfo[];
  readonly rows: HistoryRow[];
  readonly points: HistoryPoint[];
}

function commitKey(r: ReportRun): string {
  return r.commit === null ? '(no git)' : r.dirty ? `${r.commit}+dirty` : r.commit;
}

/** Final accuracy of a run: rel. subopt, else rel. gap, else KKT (null when none). */
function accuracy(r: ReportRun): { value: number; criterion: HistoryRow['criterion'] } | null {
  if (r.relSubopt !== null) return { value: Math.max(r.relSubopt, 0), criterion: 'rel. subopt' };
  if (r.relGap !== null) return { value: Math.max(r.relGap, 0), criterion: 'rel. gap' };
  if (r.kkt !== null) return { value: r.kkt, criterion: 'KKT' };
  return null;
}

/** Final accuracy per (instance, solver label) across the commits recorded in the runs. */
export function computeHistory(data: ReportData): History {
  const firstSeen = new Map<string, { first: string; runs: number }>();
  for (const r of data.runs) {
    const key = commitKey(r);
    const c = firstSeen.get(key);
    if (!c) firstSeen.set(key, { first: r.startedAt, runs: 1 });
    else {
      c.runs++;
      if (r.startedAt < c.first) c.first = r.startedAt;
    }
  }
  const commits: CommitInfo[] = [...firstSeen.entries()]
    .sort((a, b) => (a[1].first < b[1].first ? -1 : a[1].first > b[1].first ? 1 : 0))
    .map(([key, v]) => ({ key, label: key === '(no git)' ? key : key.slice(0, 8) + (key.endsWith('+dirty') ? '+dirty' : ''), first: v.first, runs: v.runs }));
  const rows: HistoryRow[] = [];
  const points: HistoryPoint[] = [];
  for (const inst of data.instances) {
    if (!inst.built) continue;
    for (const label of data.labels) {
      const runs = [...inst.runs, ...inst.superseded].filter((r) => r.label === label && r.status !== 'skipped');
      if (runs.length === 0) continue;
      const accs = runs.map((r) => ({ r, a: accuracy(r) }));
      const criterion = accs.find((x) => x.a !== null)?.a?.criterion ?? 'rel. subopt';
      const values = commits.map((c, order) => {
        const vals = accs.filter((x) => commitKey(x.r) === c.key && x.a !== null && x.a.criterion === criterion).map((x) => (x.a as { value: number }).value);
        if (vals.length === 0) return null;
        const v = median(vals, true);
        points.push({ family: inst.family, instance: `${inst.dataset}, λ=${inst.lambdaRatio === null ? '?' : Number(inst.lambdaRatio.toPrecision(3))}·λmax #${inst.key.slice(0, 6)}`, solver: label, commit: c.label, order, value: v });
        return v;
      });
      rows.push({ instance: inst, label, criterion, values });
    }
  }
  return { commits, rows, points };
}
