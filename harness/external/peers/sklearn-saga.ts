/** `sklearn-saga`: LogisticRegression(penalty='l1', solver='saga', C = 1/(nλ)), binary or multinomial, no intercept. */
import { sklearnSolver } from './sklearn.ts';

export const sklearnSaga = sklearnSolver('saga', "scikit-learn LogisticRegression l1, saga, C = 1/(nλ); binary and multinomial (peer, python3 + sklearn)", ['logistic+l1', 'multinomial+l1']);
