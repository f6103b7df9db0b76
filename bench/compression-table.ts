/**
 * Prints the compression study's table from a results database: for each method, final-epoch
 * test accuracy (mean ± std over seeds) at the sparsity levels it reached (≥ 90, 95, 98, 99%),
 * after training (thresholded at τ) and after threshold + fine-tune; then every (method, λ)
 * point with its sparsity, compression and per-layer density; and the best accuracy at each level
 * over every threshold τ' of the sweep (threshold only; reports/compression.ts).
 *
 *     npx tsx bench/compression-table.ts --db results.db
 */
import { compressionPoints, loadCompressionRuns, sparsityTable, sweepPoints, sweepTable, tauText, SPARSITY_LEVELS } from '../reports/compression.ts';

const i = process.argv.indexOf('--db');
const db = i >= 0 ? (process.argv[i + 1] as string) : 'results.db';
const runs = await loadCompressionRuns(db);
const points = compressionPoints(runs);
const sweep = sweepPoints(runs);
const fmt = (a: number, s: number): string => `${a.toFixed(4)} ± ${s.toFixed(4)}`;
for (const dataset of [...new Set(points.map((p) => p.dataset))]) {
  const pts = points.filter((p) => p.dataset === dataset);
  console.log(`\n${dataset}: test accuracy at a sparsity level (trained / fine-tuned; — = not reached)`);
  console.log(['method'.padEnd(14), ...SPARSITY_LEVELS.map((l) => `≥ ${(100 * l).toFixed(0)}%`.padEnd(38))].join(' '));
  const table = sparsityTable(pts);
  for (const m of [...new Set(table.map((r) => r.method))]) {
    const cells = table
      .filter((r) => r.method === m)
      .map((r) => `${r.trained ? fmt(r.trained.accuracy, r.trained.accuracyStd) : '—'} / ${r.fineTuned ? fmt(r.fineTuned.accuracy, r.fineTuned.accuracyStd) : '—'}`.padEnd(38));
    console.log([m.padEnd(14), ...cells].join(' '));
  }
  const sw = sweep.filter((p) => p.dataset === dataset);
  console.log(`\n${dataset}: every τ' (threshold only, no fine-tuning): best test accuracy over λ and τ' at a sparsity level`);
  console.log(['method'.padEnd(14), ...SPARSITY_LEVELS.map((l) => `≥ ${(100 * l).toFixed(0)}%`.padEnd(44))].join(' '));
  const st = sweepTable(sw);
  for (const m of [...new Set(st.map((r) => r.method))]) {
    const cells = st.filter((r) => r.method === m).map((r) => (r.best ? `${fmt(r.best.accuracy, r.best.accuracyStd)} (τ'=${tauText(r.best.tau)}, ${(100 * r.best.sparsity).toFixed(2)}%)` : '—').padEnd(44));
    console.log([m.padEnd(14), ...cells].join(' '));
  }
  console.log(`\n${dataset}: every point (mean over seeds)`);
  for (const p of pts) {
    const layers = p.layers.map((l) => `${l.name} ${(100 * l.density).toFixed(2)}%`).join(', ');
    console.log(`  ${p.method.padEnd(60)} ${p.stage.padEnd(10)} seeds ${p.seeds}  acc ${fmt(p.accuracy, p.accuracyStd)}  sparsity ${(100 * p.sparsity).toFixed(2)}%  ${Number.isFinite(p.compression) ? p.compression.toFixed(1) : '∞'}×  [${layers}]  ${p.perStepMs === null ? '' : `${p.perStepMs.toFixed(1)} ms/step`}`);
  }
}
