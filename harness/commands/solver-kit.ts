/**
 * `l1bench new-solver NAME [--lang ts|python] [--dir DIR]`: writes a starting solver file with the
 * contract filled in (a copy of examples/my-solver.ts or examples/my_solver.py under the new name)
 * and a plan that benchmarks it beside cd and fista (NAME.plan.json).
 *
 * `l1bench test-solver FILE [--solver NAME] [--python EXE]`: runs the contract of
 * harness/contract.ts (optimality by the duality gap, determinism, warm start on small lasso,
 * logistic and group-lasso instances) on the solvers of a plugin module (.ts/.mts/.js/.mjs) or on
 * a protocol command (a .py script run with python3, or any executable file). Exit 0 when every
 * check that ran passed, 1 when one failed (a finding, not bad input), 2 for bad input.
 */
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Solver } from '../../problems/types.ts';
import { UserError } from '../../problems/errors.ts';
import { SOLVERS } from '../../solvers/index.ts';
import { checkSolver } from '../contract.ts';
import { loadPluginModule, registerCommand } from '../plugins.ts';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
const MODULE_EXT = ['.ts', '.mts', '.js', '.mjs'];

/** Writes the starting files; returns their paths. */
export function newSolver(name: string, lang: 'ts' | 'python', dir: string): { solver: string; plan: string } {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UserError(`solver name must be lower-case letters, digits and -, starting with a letter (e.g. my-ista), got '${name}'`);
  if (SOLVERS.some((s) => s.name === name)) throw new UserError(`'${name}' is a built-in solver; choose another name`);
  const file = lang === 'ts' ? `${name}.ts` : `${name.replace(/-/g, '_')}.py`;
  const solverPath = join(dir, file);
  const planPath = join(dir, `${name}.plan.json`);
  for (const p of [solverPath, planPath]) if (existsSync(p)) throw new UserError(`${p} already exists; remove it or choose another --dir`);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new UserError(`--dir ${dir} is not a writable folder (${(e as NodeJS.ErrnoException).code ?? 'error'}); create it or choose another`);
  }
  const template = readFileSync(join(EXAMPLES, lang === 'ts' ? 'my-solver.ts' : 'my_solver.py'), 'utf8');
  const camel = name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const text =
    lang === 'ts'
      ? template.replaceAll('my-solver.ts', file).replaceAll("'my-solver'", `'${name}'`).replaceAll('mySolver', camel).replaceAll('my-solver', name)
      : template.replaceAll('my_solver.py', file).replaceAll('"my-solver"', `"${name}"`);
  writeFileSync(solverPath, text);
  const solverEntry = lang === 'ts' ? { name } : { name, command: ['python3', file] };
  const plan = {
    name: `${name}-bench`,
    description: `${name} beside cd and fista (written by l1bench new-solver)`,
    tol: 1e-9,
    maxIter: 20000,
    timeout: 60,
    ...(lang === 'ts' ? { plugins: [file] } : {}),
    problems: [
      { family: 'lasso', datasets: ['diabetes', 'sim-lasso:n=100,p=300,k=10'], standardize: true, lambdaRatios: [0.1, 0.01] },
      { family: 'logistic', datasets: ['breast-cancer'], standardize: true, lambdaRatios: [0.1] },
    ],
    solvers: [{ name: 'cd' }, { name: 'fista' }, solverEntry],
  };
  writeFileSync(planPath, `${JSON.stringify(plan, null, 2)}\n`);
  return { solver: solverPath, plan: planPath };
}

/** The solvers a FILE stands for (see the module comment). */
async function solversOf(file: string, python: string, pick: string | undefined): Promise<Solver[]> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UserError(`${file} does not exist; pass a solver module (.ts/.js) or a script on the solver protocol (.py, or an executable)`);
  let solvers: Solver[];
  if (MODULE_EXT.includes(extname(path))) {
    solvers = await loadPluginModule(path);
  } else {
    const command = extname(path) === '.py' ? [python, path] : [path];
    if (command.length === 1) {
      try {
        accessSync(path, constants.X_OK);
      } catch {
        throw new UserError(`${file} is neither a module (.ts/.js), a .py script nor an executable; chmod +x it or pass a module`);
      }
    }
    solvers = [registerCommand({ name: basename(path, extname(path)).replace(/_/g, '-'), command }, process.cwd())];
  }
  if (pick === undefined) return solvers;
  const s = solvers.find((x) => x.name === pick);
  if (!s) throw new UserError(`--solver ${pick} is not in ${file}; it has: ${solvers.map((x) => x.name).join(', ')}`);
  return [s];
}

export function registerSolverKit(program: Command): void {
  program
    .command('new-solver')
    .description('write a starting solver file of your own (TypeScript plugin or Python on the solver protocol) and a plan that benchmarks it')
    .argument('<name>', 'solver name, e.g. my-ista')
    .addOption(new Option('--lang <lang>', 'language of the starting file').choices(['ts', 'python']).default('ts'))
    .option('--dir <dir>', 'folder to write into', '.')
    .action((name: string, flags: { lang: 'ts' | 'python'; dir: string }) => {
      const out = newSolver(name, flags.lang, resolve(flags.dir));
      const rel = (p: string): string => relative(process.cwd(), p) || p;
      const plugin = flags.lang === 'ts' ? ` --plugin ${rel(out.solver)}` : '';
      process.stdout.write(
        `wrote ${rel(out.solver)} and ${rel(out.plan)}; next:\n` +
          `  l1bench test-solver ${rel(out.solver)}\n` +
          (flags.lang === 'ts' ? `  l1bench solve${plugin} --solver ${name} --problem lasso --data diabetes --standardize --lambda-ratio 0.1\n` : '') +
          `  l1bench bench --config ${rel(out.plan)} --db ${name}.db\n` +
          `  l1bench report --db ${name}.db --out ${name}-report\n`,
      );
    });
  program
    .command('test-solver')
    .description('check a solver of your own against the contract the built-ins pass (duality gap on lasso, logistic, group lasso; determinism; warm start)')
    .argument('<file>', 'a solver module (.ts/.mts/.js/.mjs) or a script on the solver protocol (.py or an executable)')
    .option('--solver <name>', 'only this solver of the module')
    .option('--python <exe>', 'interpreter for .py scripts', 'python3')
    .action(async (file: string, flags: { solver?: string; python: string }) => {
      const solvers = await solversOf(file, flags.python, flags.solver);
      let failed = 0;
      let passed = 0;
      for (const s of solvers) {
        process.stdout.write(`${s.name}:\n`);
        for (const r of await checkSolver(s)) {
          if (r.state === 'fail') failed++;
          if (r.state === 'pass') passed++;
          process.stdout.write(`  ${r.state.toUpperCase().padEnd(4)}  ${r.instance.padEnd(11)}  ${r.check.padEnd(11)}  ${r.detail}\n`);
        }
      }
      if (passed === 0 && failed === 0) process.stdout.write('no check ran: the solver requires capabilities none of the instances offer\n');
      process.stdout.write(`${passed} passed, ${failed} failed\n`);
      process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
    });
}
