import { runGenePath } from './harness/genes/path.ts';
for (const ds of ['sim-genes:mode=linear,scale=inf','sim-genes:mode=linear,scale=3', 'sim-genes:scale=inf']) {
  const r = await runGenePath({ problem: { family: 'gene-selection', dataset: ds, lambda: { kind: 'ratio', ratio: 0.05 }, genes: { count: 20, minRatio: 0.02 } }, solver: 'cd', params: {}, seed: 0, tol: 1e-8, maxIter: 200, timeoutSeconds: 120 });
  console.log(ds, r.trace.map(t => { const e = JSON.parse(t.extras!); return `${e.genes}:${e.recall}:${e.testAcc.toFixed(2)}`; }).join(' '));
}
