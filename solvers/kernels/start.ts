/**
 * Shared start-up of the Float64 solvers: the problem's engine check and the starting point x₀.
 */
import type { Problem, RunContext } from '../../problems/types.ts';
import { UserError } from '../../problems/errors.ts';

/** The Float64 problem behind `run`, or a clear error for a tensor problem (the harness checks `requires` first). */
export function float64Problem(problem: { engine: string }, solver: string): Problem {
  if (problem.engine !== 'float64') throw new Error(`${solver} runs on the Float64 engine only, got a ${problem.engine} problem`);
  return problem as Problem;
}

/** x₀: a copy of the warm start when given (length checked), else zeros. */
export function startingPoint(dim: number, ctx: RunContext, solver: string): Float64Array {
  const x = new Float64Array(dim);
  if (ctx.x0) {
    if (ctx.x0.length !== dim) throw new UserError(`${solver}: the warm start x0 has ${ctx.x0.length} entries but the problem has ${dim} parameters; pass a warm start of length ${dim}`);
    x.set(ctx.x0);
  }
  return x;
}
