/**
 * `l1bench list`: solvers (with parameters and requirements), problem families, datasets, and
 * which solver runs on which problem (a capability check, the same one the planner uses).
 */
import type { Command } from 'commander';
import type { Capability } from '../../problems/types.ts';
import { allSolvers } from '../../solvers/index.ts';
import { pluginSource, sourceName } from '../../solvers/plugins.ts';
import { collect, loadPluginModule } from '../plugins.ts';
import { PROBLEMS } from '../../problems/zoo.ts';
import { describeDatasets } from '../../problems/datasets/index.ts';
import { planLanes, type LanePlan } from '../bench/lanes.ts';
import { describeAdapter } from '../../problems/tensor/names.ts';

/** Where jobs run: the cpu lane, and the gpu lane with its adapter (a software adapter is not a GPU). */
export function describeLanes(l: LanePlan): string {
  const adapter = l.adapter ? describeAdapter(l.adapter) : 'no WebGPU adapter';
  return [
    'Lanes:',
    '  cpu  Float64 problems, reference solves, and tensor jobs on wasm / cpu / tensorflow',
    `  gpu  tensor jobs on webgpu / tensorflow-gpu: ${l.gpuWorkers} worker${l.gpuWorkers === 1 ? '' : 's'} (--gpu-workers; default 1 with a hardware adapter, else 0)`,
    `  WebGPU here: ${adapter}; tensor backend 'auto' runs as '${l.autoBackend}'`,
  ].join('\n');
}

/** Every problem family (the zoo's one list: Float64, tensor, gene-selection) with the capabilities it offers. */
export function familyCapabilities(): { name: string; description: string; caps: ReadonlySet<Capability> }[] {
  return PROBLEMS.map((f) => ({ name: f.name, description: f.description, caps: new Set(f.capabilities) }));
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list solvers, problems, datasets and which solver runs on which problem')
    .option('--plugin <file>', 'also list the solvers of a .ts/.js module of yours (repeatable)', collect, [] as string[])
    .action(async (flags: { plugin: string[] }) => {
      for (const f of flags.plugin) await loadPluginModule(f);
      const SOLVERS = allSolvers();
      const lines: string[] = ['Solvers:'];
      for (const s of SOLVERS) {
        const src = pluginSource(s.name);
        lines.push(`  ${s.name.padEnd(12)} ${s.description}${src ? ` [plugin: ${sourceName(src)}]` : ''}`);
        lines.push(`  ${''.padEnd(12)} requires: ${s.requires.join(', ') || '(nothing)'}`);
        const ps = Object.entries(s.params).map(([k, p]) => `${k}=${String(p.default)}`);
        if (ps.length) lines.push(`  ${''.padEnd(12)} params: ${ps.join(' ')}`);
      }
      lines.push('', 'Problems:');
      const fams = familyCapabilities();
      for (const f of fams) lines.push(`  ${f.name.padEnd(18)} ${f.description}`);
      lines.push('', describeDatasets(), '', 'Solver × problem (✓ runs, · skipped: missing capability):');
      const w = Math.max(...SOLVERS.map((s) => s.name.length)) + 2;
      lines.push(`  ${''.padEnd(w)}${fams.map((f) => f.name.padEnd(f.name.length + 2)).join('')}`);
      for (const s of SOLVERS) {
        const row = fams.map((f) => (s.requires.every((c) => f.caps.has(c)) ? '✓' : '·').padEnd(f.name.length + 2)).join('');
        lines.push(`  ${s.name.padEnd(w)}${row}`);
      }
      lines.push('', describeLanes(await planLanes(true, undefined)));
      process.stdout.write(lines.join('\n') + '\n');
    });
}
