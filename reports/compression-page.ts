/**
 * The template context of compression.html (reports/compression.ts draws the numbers).
 */
import { compressionSpec, sparsityTable, SPARSITY_LEVELS, type CompressionPoint } from './compression.ts';
import { scriptJson } from './render.ts';

const pct = (v: number): string => `${(100 * v).toFixed(v >= 0.995 ? 2 : 1)}%`;
const acc = (p: CompressionPoint | null): string => (p === null ? '—' : `${p.accuracy.toFixed(4)} ± ${p.accuracyStd.toFixed(4)}`);

export function compressionContext(points: readonly CompressionPoint[]): Record<string, unknown> {
  const datasets = [...new Set(points.map((p) => p.dataset))];
  return {
    runCount: points.filter((p) => p.stage === 'trained').reduce((s, p) => s + p.seeds, 0),
    pointCount: points.filter((p) => p.stage === 'trained').length,
    datasets: datasets.map((dataset, i) => {
      const pts = points.filter((p) => p.dataset === dataset);
      const table = sparsityTable(pts);
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
