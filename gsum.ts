import { readGeneRuns, summarizeGenes, cellText } from './reports/genes.ts';
const runs = await readGeneRuns(process.argv[2]!);
for (const ds of summarizeGenes(runs)) {
  console.log(`\n== ${ds.dataset}`);
  for (const m of ds.methods) {
    const b = m.budgets.map((x) => `≤${x.G}: ${cellText(x.pen)} | refit ${cellText(x.refit)}`).join('  ');
    console.log(`${m.method.padEnd(36)} n=${m.splits} ${JSON.stringify(m.statuses)} ${m.dense ? 'all genes ' + cellText(m.allGenes) : b}${m.recall ? `  recall≤20 ${cellText(m.recall, 2)} prec ${cellText(m.precision, 2)}` : ''}  path s ${m.seconds.mean.toFixed(1)}`);
  }
}
