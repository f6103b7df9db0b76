/**
 * The scikit-learn peers, one per method of sklearn_peer.py (scalings in that file's docstring):
 * `sklearn-cd` (Lasso), `sklearn-lars` (LassoLars), `sklearn-liblinear` and `sklearn-saga`
 * (LogisticRegression with penalty='l1'). Each file in this folder names one of them.
 */
import type { Solver } from '../../../problems/types.ts';
import { commandSolver } from '../command.ts';
import { findPython, interpreter, PEER_ENV, peerScript, peerUnavailable } from './runtime.ts';

export type SklearnMethod = 'cd' | 'lars' | 'liblinear' | 'saga';

export function sklearnSolver(method: SklearnMethod, description: string, models: readonly string[]): Solver {
  const name = `sklearn-${method}`;
  return commandSolver({
    name,
    description,
    command: () => [interpreter(findPython), peerScript('sklearn_peer.py'), method],
    requires: ['design-matrix', 'float64-engine', 'convex'],
    unavailable: peerUnavailable(name, models, findPython),
    env: PEER_ENV,
  nativePath: true,
  });
}
