/** `sklearn-liblinear`: LogisticRegression(penalty='l1', solver='liblinear', C = 1/(nλ)), binary ±1, no intercept. */
import { sklearnSolver } from './sklearn.ts';

export const sklearnLiblinear = sklearnSolver('liblinear', "scikit-learn LogisticRegression l1, liblinear (newGLMNET), C = 1/(nλ); binary only (peer, python3 + sklearn)", ['logistic+l1']);
