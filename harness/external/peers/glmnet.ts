/**
 * `glmnet`: R's glmnet (coordinate descent, Friedman–Hastie–Tibshirani) with standardize = FALSE,
 * intercept = FALSE, alpha = 1; gaussian (lasso), binomial (logistic), multinomial (ungrouped =
 * elementwise L1; grouped = multinomial-group). Scalings in glmnet_peer.R.
 */
import { commandSolver } from '../command.ts';
import { findRscript, interpreter, PEER_ENV, peerScript, peerUnavailable } from './runtime.ts';

export const glmnet = commandSolver({
  name: 'glmnet',
  description: 'R glmnet, standardize=FALSE, intercept=FALSE, same λ; black box over thresh = 1e-1…1e-20 (peer, Rscript + glmnet)',
  command: () => [interpreter(findRscript), peerScript('glmnet_peer.R')],
  requires: ['design-matrix', 'float64-engine', 'convex'],
  unavailable: peerUnavailable('glmnet', ['quadratic+l1', 'logistic+l1', 'multinomial+l1', 'multinomial+group-l1'], findRscript),
  env: PEER_ENV,
  nativePath: true,
  // glmnet's thresh bounds the squared coordinate changes: its KKT violation scales like √thresh
  tightestTol: 1e-20,
});
