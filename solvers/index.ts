/**
 * The solver registry: one explicit list, no folder scanning. `name` = file name = CLI selector.
 */
import type { Solver } from '../problems/types.ts';
import { ista } from './ista.ts';
import { fista } from './fista.ts';
import { cd } from './cd.ts';
import { lars } from './lars.ts';
import { spredSgd } from './spred-sgd.ts';
import { spredAdam } from './spred-adam.ts';
import { spredLbfgs } from './spred-lbfgs.ts';
import { dense } from './dense.ts';
import { subgradAdam } from './subgrad-adam.ts';
import { proxSgd } from './prox-sgd.ts';
import { proxAdam } from './prox-adam.ts';
import { gmp } from './gmp.ts';
import { UserError } from '../problems/errors.ts';
import { pluginSolver, pluginSolvers } from './plugins.ts';
// The peers (scikit-learn, glmnet) run as external commands through harness/external/ (the one
// place this folder reaches into harness/: the registry lists every solver).
import { PEERS } from '../harness/external/peers/index.ts';

export const SOLVERS: readonly Solver[] = [ista, fista, cd, lars, spredSgd, spredAdam, spredLbfgs, dense, subgradAdam, proxSgd, proxAdam, gmp, ...PEERS];

/** The built-in solvers, then the plugin solvers loaded in this process (solvers/plugins.ts). */
export function allSolvers(): readonly Solver[] {
  return [...SOLVERS, ...pluginSolvers()];
}

export function findSolver(name: string): Solver {
  const s = SOLVERS.find((x) => x.name === name) ?? pluginSolver(name);
  if (!s) throw new UserError(`unknown solver '${name}'; choose one of: ${allSolvers().map((x) => x.name).join(', ')} (or load yours with --plugin FILE)`);
  return s;
}
