import { runGenePath } from './harness/genes/path.ts';
const [ds, solver, epochs, lr, count, minRatio, heads] = process.argv.slice(2);
const t0 = Date.now();
const r = await runGenePath({ problem: { family: 'gene-selection', dataset: ds!, lambda: { kind: 'ratio', ratio: 0.05 }, genes: { count: Number(count), minRatio: Number(minRatio), heads: (heads ?? 'both') as 'both' } }, solver: solver!, params: solver === 'cd' ? {} : { lr: Number(lr), batchSize: 0 }, seed: 0, tol: 1e-8, maxIter: Number(epochs), timeoutSeconds: 600 });
console.log(ds, solver, r.run.status, r.run.reason, ((Date.now()-t0)/1000).toFixed(1)+'s', 'solver', r.run.solver_seconds?.toFixed(2), 'λmax', r.run.lambda_max);
for (const t of r.trace) { const e = JSON.parse(t.extras!); console.log(`  k=${t.k} ratio=${e.lambdaRatio.toFixed(3)} genes=${e.genes} val=${e.valAcc.toFixed(2)} test=${e.testAcc.toFixed(2)} refit=${e.refitValAcc.toFixed(2)}/${e.refitTestAcc.toFixed(2)} prec=${e.precision?.toFixed(2)} rec=${e.recall} it=${e.iterations} F=${t.objective?.toFixed(4)} t=${t.time.toFixed(1)}`); }
