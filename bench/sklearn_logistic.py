"""Times scikit-learn's liblinear on L1 logistic regression for bench/logistic-vs-sklearn.ts.

Objective (liblinear, no intercept): ||w||_1 + C * sum_i log(1 + exp(-y_i x_i^T w)); with
C = 1/(n*lam) it is n*C times ours, F(w) = (1/n) sum_i log(1 + exp(-y_i x_i^T w)) + lam*||w||_1.

Usage: python3 sklearn_logistic.py JOB.json  ->  JSON on stdout.
JOB = {"instances": [{"name", "csv", "lambdas": [...], "fstars": [...]}], "tols": [...],
"target": float, "repeats": int, "timeout": seconds}; each csv holds one row per sample, the
label (+1/-1) first, then the features. For each lambda, tols are tried in order until a fit
reaches (F - F*)/F* <= target (or one fit takes longer than `timeout`).
Prints {"version", "results": [{"name", "lambda", "tol", "seconds", "n_iter", "subopt", "coef"}]},
seconds being the fastest of `repeats` fits (only the fit is timed).
"""
import json
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression


def main() -> None:
    job = json.load(open(sys.argv[1]))
    out = []
    warnings.simplefilter("ignore", ConvergenceWarning)
    for inst in job["instances"]:
        data = np.loadtxt(inst["csv"], delimiter=",")
        y = data[:, 0]
        X = np.ascontiguousarray(data[:, 1:])
        n = X.shape[0]
        for lam, fstar in zip(inst["lambdas"], inst["fstars"]):
            for tol in job["tols"]:
                best = float("inf")
                model = None
                for _ in range(job["repeats"]):
                    model = LogisticRegression(
                        penalty="l1", solver="liblinear", fit_intercept=False,
                        C=1.0 / (n * lam), tol=tol, max_iter=100000, random_state=0,
                    )
                    t0 = time.perf_counter()
                    model.fit(X, y)
                    best = min(best, time.perf_counter() - t0)
                w = model.coef_.ravel()
                # F(w) = (1/n) sum log(1 + exp(-y x^T w)) + lam ||w||_1
                F = np.mean(np.logaddexp(0.0, -y * (X @ w))) + lam * np.abs(w).sum()
                subopt = (F - fstar) / abs(fstar)
                out.append({
                    "name": inst["name"], "lambda": lam, "tol": tol, "seconds": best,
                    "n_iter": int(np.max(model.n_iter_)), "subopt": subopt, "coef": w.tolist(),
                })
                if subopt <= job["target"] or best > job["timeout"]:
                    break
    json.dump({"version": sklearn.__version__, "results": out}, sys.stdout)


if __name__ == "__main__":
    main()
