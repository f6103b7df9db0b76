/**
 * The end-of-benchmark summary: runs per status, references, the slowest runs, and every
 * failure (error / timeout / diverged) with its reason.
 */
import { STATUSES } from '../../problems/types.ts';
import type { BenchResult } from './run.ts';
import { clock } from './progress.ts';

function table(rows: readonly (readonly string[])[], header: readonly string[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
}

/** Formats the summary of a benchmark as text lines. */
export function formatSummary(r: BenchResult, slowest = 5): string {
  const out: string[] = [];
  const head = `benchmark ${r.name}: ${r.planned} jobs planned, ${r.alreadyDone} already in ${r.db}, ${r.records.length} run now in ${clock(r.seconds)} (${r.workers} worker${r.workers === 1 ? '' : 's'}${r.gpuWorkers > 0 ? ` + ${r.gpuWorkers} in the gpu lane` : ''})`;
  out.push(head);
  if (r.interrupted) out.push(`interrupted by ${r.interrupted}: ${r.notRun} job(s) not run (they run next time)`);
  const counts = STATUSES.map((s) => [s, String(r.records.filter((x) => x.status === s).length)] as const).filter(([, n]) => n !== '0');
  if (counts.length) out.push('', ...table(counts, ['status', 'runs']));
  if (r.references.length) {
    const computed = r.references.filter((x) => x.source === 'computed' || x.source === 'interrupted').length;
    const cached = r.references.filter((x) => x.source === 'cached').length;
    const certified = r.references.filter((x) => x.certified).length;
    const cross = r.references.filter((x) => x.crossCheck !== null);
    const maxDiff = cross.reduce((m, x) => Math.max(m, x.crossCheck?.relDiff ?? 0), 0);
    out.push(
      '',
      `references: ${r.references.length} convex instance(s) — ${computed} computed, ${cached} cached; ${certified} certified (relative gap ≤ 1e-12)` +
        (cross.length ? `; lars cross-check on ${cross.length}: max relative difference ${maxDiff.toExponential(1)}` : ''),
    );
    for (const x of r.references.filter((y) => !y.certified)) out.push(`  uncertified: ${x.title}: ${x.note ?? ''}`);
  }
  if (r.bestSeen) out.push(`best-seen references (non-convex, uncertified) updated for ${r.bestSeen} instance(s)`);
  const timed = r.records.filter((x) => x.wallSeconds !== null && x.status !== 'skipped').sort((a, b) => (b.wallSeconds ?? 0) - (a.wallSeconds ?? 0));
  if (timed.length) {
    out.push('', `slowest runs:`);
    out.push(
      ...table(
        timed.slice(0, slowest).map((x) => [`${(x.wallSeconds ?? 0).toFixed(2)} s`, x.solverSeconds === null ? '—' : `${x.solverSeconds.toFixed(2)} s`, x.status, x.title]),
        ['wall', 'solver', 'status', 'run'],
      ).map((l) => `  ${l}`),
    );
  }
  const failures = r.records.filter((x) => x.status === 'error' || x.status === 'timeout' || x.status === 'diverged');
  if (failures.length) {
    out.push('', `failures (${failures.length}):`);
    for (const f of failures) out.push(`  ${f.status}: ${f.title}: ${f.reason ?? ''}`);
  }
  return out.join('\n') + '\n';
}
