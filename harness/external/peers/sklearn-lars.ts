/** `sklearn-lars`: scikit-learn's `LassoLars` (exact LARS-lasso homotopy), alpha = λ, no intercept; one solution. */
import { sklearnSolver } from './sklearn.ts';

export const sklearnLars = sklearnSolver('lars', 'scikit-learn LassoLars (LARS homotopy), alpha = λ (peer, python3 + sklearn)', ['quadratic+l1']);
