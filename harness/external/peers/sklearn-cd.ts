/** `sklearn-cd`: scikit-learn's `Lasso` (cyclic coordinate descent), alpha = λ, no intercept; a black box over tolerances. */
import { sklearnSolver } from './sklearn.ts';

export const sklearnCd = sklearnSolver('cd', "scikit-learn Lasso (coordinate descent), alpha = λ; black box over tol = 1e-1…1e-14 (peer, python3 + sklearn)", ['quadratic+l1']);
