/** The peers l1bench runs beside its own solvers, through the solver protocol (one explicit list). */
import type { Solver } from '../../../problems/types.ts';
import { sklearnCd } from './sklearn-cd.ts';
import { sklearnLars } from './sklearn-lars.ts';
import { sklearnLiblinear } from './sklearn-liblinear.ts';
import { sklearnSaga } from './sklearn-saga.ts';
import { glmnet } from './glmnet.ts';

export const PEERS: readonly Solver[] = [sklearnCd, sklearnLars, sklearnLiblinear, sklearnSaga, glmnet];
