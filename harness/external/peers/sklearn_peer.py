#!/usr/bin/env python3
"""scikit-learn on the l1bench solver protocol (docs/solver-protocol.md).

usage: sklearn_peer.py METHOD problem.json      METHOD: cd | lars | liblinear | saga

Scalings (no intercept; l1bench's objectives as in the header):
- cd    Lasso(alpha=λ)          (1/2n)‖y − Xw‖² + α‖w‖₁                       = l1bench lasso, α = λ
- lars  LassoLars(alpha=λ)      same objective, exact homotopy (no tolerance)
- liblinear / saga  LogisticRegression(penalty='l1', C=1/(nλ))
        ‖w‖₁ + C Σ_i loss_i  = (1/λ)·[(1/n) Σ_i loss_i + λ‖w‖₁]                 (same minimizer)
        binary labels ±1 (coef_ is the +1 class); saga also fits multinomial (full C-class
        softmax, coef_ (C, p) → x[c·p + j]).
Black-box mode: one untimed warm-up fit at the loosest tolerance, then one fresh fit per
tolerance, loosest first, each timed with clock() around fit() only.
Path mode (header "lambdas"): the native path functions (lasso_path, lars_path) or, for the
logistic solvers, warm-started fits along the path; times are cumulative from the path's start.
"""
import json
import os
import sys
import time
import warnings

import numpy as np


# the fit clock: wall time (perf_counter), or this process's CPU time when L1BENCH_PEER_CLOCK=cpu
# (bench/peers-speed.ts on a loaded machine, where wall time measures the load)
clock = time.process_time if os.environ.get("L1BENCH_PEER_CLOCK") == "cpu" else time.perf_counter


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def load(header_path):
    with open(header_path) as f:
        h = json.load(f)
    d = os.path.dirname(header_path)
    n, p = h["n"], h["p"]
    # column-major n×p: read as a C-ordered p×n array and transpose (a Fortran-ordered view)
    X = np.fromfile(os.path.join(d, h["files"]["X"]), dtype="<f8").reshape(p, n).T
    y = np.fromfile(os.path.join(d, h["files"]["y"]), dtype="<f8")
    return h, X, y


def main():
    warnings.simplefilter("ignore")
    method, header_path = sys.argv[-2], sys.argv[-1]
    h, X, y = load(header_path)
    n, p, lam, datafit = h["n"], h["p"], h["lambda"], h["datafit"]
    max_iter = int(min(h["maxIter"], 10**7))
    seed = int(h["seed"])
    from sklearn.linear_model import Lasso, LassoLars, LogisticRegression, lasso_path, lars_path

    if method in ("cd", "lars") and datafit != "quadratic":
        raise SystemExit(f"sklearn-{method} fits the lasso only, got datafit {datafit}")
    if method in ("liblinear", "saga") and datafit not in ("logistic", "multinomial"):
        raise SystemExit(f"sklearn-{method} fits logistic models only, got datafit {datafit}")
    if method == "liblinear" and datafit == "multinomial":
        raise SystemExit("liblinear has no multinomial l1 model (its multiclass is one-vs-rest)")

    def estimator(alpha, tol, warm=False):
        if method == "cd":
            return Lasso(alpha=alpha, fit_intercept=False, tol=tol, max_iter=max_iter, precompute=False, selection="cyclic", warm_start=warm)
        if method == "lars":
            return LassoLars(alpha=alpha, fit_intercept=False, max_iter=max_iter)
        kw = dict(penalty="l1", C=1.0 / (n * alpha), fit_intercept=False, tol=tol, max_iter=max_iter, solver=method, warm_start=warm, random_state=seed)
        if datafit == "multinomial":
            kw["multi_class"] = "multinomial"
        return LogisticRegression(**kw)

    yfit = y if datafit != "multinomial" else y.astype(np.int64)

    def coefficients(est):
        c = np.asarray(est.coef_, dtype=np.float64)
        if datafit == "multinomial":
            return c.reshape(-1)  # (C, p) row-major → index c·p + j
        return c.reshape(-1)[:p]

    if h.get("lambdas"):
        lambdas = np.asarray(h["lambdas"], dtype=np.float64)
        tol = float(h["params"].get("pathTol", 1e-10))
        if method == "cd":
            lasso_path(X, y, alphas=lambdas[:2], tol=tol, max_iter=max_iter)  # warm-up
            t0 = clock()
            _, coefs, _ = lasso_path(X, y, alphas=lambdas, tol=tol, max_iter=max_iter)
            t = clock() - t0
            # lasso_path returns the λ in the order given
            for k, l in enumerate(lambdas):
                emit({"type": "solution", "lambda": float(l), "time": t, "x": coefs[:, k].tolist()})
            return
        if method == "lars":
            lars_path(X, y, method="lasso", alpha_min=float(lambdas[-1]))  # warm-up
            t0 = clock()
            alphas, _, coefs = lars_path(X, y, method="lasso", alpha_min=float(lambdas[-1]), max_iter=max_iter)
            t = clock() - t0
            # the lasso path is piecewise linear in λ between LARS kinks: interpolate exactly
            a = alphas[::-1]
            for l in lambdas:
                w = np.array([np.interp(l, a, coefs[j, ::-1]) for j in range(p)])
                emit({"type": "solution", "lambda": float(l), "time": t, "x": w.tolist()})
            return
        est = estimator(float(lambdas[0]), tol, warm=True)
        estimator(float(lambdas[0]), tol).fit(X, yfit)  # warm-up
        elapsed = 0.0
        for l in lambdas:
            est.set_params(C=1.0 / (n * float(l)))
            t0 = clock()
            est.fit(X, yfit)
            elapsed += clock() - t0
            emit({"type": "solution", "lambda": float(l), "time": elapsed, "x": coefficients(est).tolist()})
        return

    tolerances = h["tolerances"] if method != "lars" else [None]
    first = tolerances[0] if tolerances[0] is not None else 1e-4
    estimator(lam, first).fit(X, yfit)  # untimed warm-up fit
    for tol in tolerances:
        est = estimator(lam, tol if tol is not None else 1e-4)
        t0 = clock()
        est.fit(X, yfit)
        t = clock() - t0
        emit({"type": "solution", "tol": tol, "time": t, "x": coefficients(est).tolist()})


if __name__ == "__main__":
    main()
