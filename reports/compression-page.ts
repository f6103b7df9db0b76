/**
 * The template context of compression.html (reports/compression.ts draws the numbers).
 */
import { compressionSpec, denseAccuracy, sparsityTable, sweepSpec, sweepTable, tauText, SPARSITY_LEVELS, type CompressionPoint, type SweepPoint } from './compression.ts';
import { scriptJson } from './render.ts';

const pct = (v: number): string => `${(100 * v).toFixed(v >= 0.995 ? 2 : 1)}%`;
const acc = (p: { readonly accuracy: number; readonly accuracyStd: number } | null): string => (p === null ? '—' : `${p.accuracy.toFixed(4)} ± ${p.accuracyStd.toFixed(4)}`);

export function compressionContext(points: readonly CompressionPoint[], sweep: readonly SweepPoint[] = []): Record<string, unknown> {
  const datasets = [...new Set(points.map((p) => p.dataset))];
  return {
    runCount: points.filter((p) => p.stage === 'trained').reduce((s, p) => s + p.seeds, 0),
    pointCount: points.filter((p) => p.stage === 'trained').length,
    datasets: datasets.map((dataset, i) => {
      const pts = points.filter((p) => p.dataset === dataset);
      const table = sparsityTable(pts);
      const sw = sweep.filter((p) => p.dataset === dataset);
      const swTable = sweepTable(sw);
      const taus = [...new Set(sw.map((p) => p.tau))].sort((a, b) => b - a);
      const swMethods = [...new Set(sw.map((p) => p.method))];
      const methods = [...new Set(table.map((r) => r.method))];
      return {
        dataset,
        anchor: `d${i + 1}`,
        chartId: `compression-${i + 1}`,
        chartJson: scriptJson({ spec: compressionSpec(pts, { title: `test accuracy against compression: ${dataset}` }) ?? {}, data: {} }),
        levels: SPARSITY_LEVELS.map(pct),
        sparsityRows: methods.map((method) => ({
          method,
          cells: table
            .filter((r) => r.method === method)
            .flatMap((r) => [
              { text: acc(r.trained), title: r.trained ? `${r.trained.method}: sparsity ${pct(r.trained.sparsity)}` : '' },
              { text: acc(r.fineTuned), title: r.fineTuned ? `${r.fineTuned.method}: sparsity ${pct(r.fineTuned.sparsity)}` : '' },
            ]),
        })),
        sweep: sw.length > 0,
        sweepChartId: `compression-sweep-${i + 1}`,
        sweepChartJson: scriptJson({ spec: sweepSpec(sw, denseAccuracy(pts), { title: `every τ' (threshold only): ${dataset}` }) ?? {}, data: {} }),
        sweepRows: [...new Set(swTable.map((r) => r.method))].map((method) => ({
          method,
          cells: swTable
            .filter((r) => r.method === method)
            .map((r) => ({ text: acc(r.best), title: r.best ? `${r.best.method}, τ' = ${tauText(r.best.tau)}: sparsity ${pct(r.best.sparsity)}` : '' })),
        })),
        taus: taus.map(tauText),
        tauRows: swMethods.map((method) => ({
          method,
          cells: taus.map((tau) => {
            const p = sw.find((q) => q.method === method && q.tau === tau);
            return p === undefined ? { text: '—', front: false } : { text: `${pct(p.sparsity)} · ${p.accuracy.toFixed(4)}`, front: p.front };
          }),
        })),
        layerNames: pts[0]?.layers.map((l) => l.name) ?? [],
        layerRows: pts.map((p) => ({
          method: p.method,
          stage: p.stage,
          seeds: p.seeds,
          densities: p.layers.map((l) => pct(l.density)),
          sparsity: pct(p.sparsity),
          compression: Number.isFinite(p.compression) ? `${p.compression.toFixed(1)}×` : '∞',
          accuracy: acc(p),
          perStep: p.perStepMs === null ? '—' : p.perStepMs.toFixed(1),
        })),
      };
    }),
  };
}
