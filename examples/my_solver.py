#!/usr/bin/env python3
"""A solver of your own, in Python (numpy only), run by l1bench through its solver protocol
(docs/solver-protocol.md): l1bench writes the problem once, starts this script with the path of
problem.json as its last argument, and certifies every iterate printed on stdout with its own
objective and duality gap (the clock stopped); the solver's numbers are never trusted.

FISTA (Beck & Teboulle 2009) with adaptive restart on F(x) = f(x) + λ·Ω(x), with
  lasso:    f(w) = (1/2n)‖y − Xw‖²,                 ∇f = −Xᵀ(y − Xw)/n,      L = ‖X‖₂²/n
  logistic: f(w) = (1/n) Σ log(1 + exp(−y_i x_iᵀw)), ∇f = −Xᵀ(y·σ(−y·Xw))/n, L = ‖X‖₂²/(4n)
  Ω = Σ|x_i| (l1: soft-thresholding) or Σ_g ‖x_g‖₂ (group-l1: block soft-thresholding),
streamed as {"type": "iterate", "time": t, "x": [...]} after each iteration, t = this process's
own seconds of solver work. l1bench stops the run (and this process) once the gap is small
enough, at maxIter, or at the run's time budget. Declare it in a plan as
  { "name": "my-solver", "command": ["python3", "my_solver.py"] }
"""
import json
import os
import sys
import time

import numpy as np


def main() -> None:
    header_path = sys.argv[-1]
    h = json.load(open(header_path))
    d = os.path.dirname(header_path)
    n, p = h["n"], h["p"]
    # X is column-major float64: reshape as (p, n) and transpose
    X = np.fromfile(os.path.join(d, h["files"]["X"]), "<f8").reshape(p, n).T
    y = np.fromfile(os.path.join(d, h["files"]["y"]), "<f8")
    lam = h["lambda"]
    family = h["datafit"]
    if family not in ("quadratic", "logistic"):
        print(json.dumps({"type": "error", "message": f"my_solver.py handles lasso and logistic, not {family}"}), flush=True)
        return
    groups = [np.array(g, dtype=int) for g in h["penalty"].get("groups", [])] if h["penalty"]["name"] == "group-l1" else None
    x0_file = h["files"].get("x0")
    w = np.fromfile(os.path.join(d, x0_file), "<f8") if x0_file else np.zeros(p)
    step = float(h["params"].get("step", 1.0))

    L = np.linalg.norm(X, 2) ** 2 / n / (4.0 if family == "logistic" else 1.0)
    t = step / L

    def grad(v: np.ndarray) -> np.ndarray:
        z = X @ v
        if family == "quadratic":
            return -(X.T @ (y - z)) / n
        return -(X.T @ (y / (1.0 + np.exp(y * z)))) / n

    def prox(v: np.ndarray, s: float) -> np.ndarray:
        if groups is None:
            return np.sign(v) * np.maximum(np.abs(v) - s, 0.0)
        out = v.copy()
        for g in groups:
            norm = np.linalg.norm(v[g])
            out[g] = 0.0 if norm <= s else v[g] * (1.0 - s / norm)
        return out

    work = 0.0
    z, tk = w.copy(), 1.0
    for _ in range(h["maxIter"]):
        t0 = time.perf_counter()
        w_next = prox(z - t * grad(z), t * lam)
        if np.dot(z - w_next, w_next - w) > 0:
            # adaptive restart (O'Donoghue & Candès 2015): momentum points uphill, drop it
            tk, z = 1.0, w.copy()
            w_next = prox(z - t * grad(z), t * lam)
        tk_next = (1.0 + np.sqrt(1.0 + 4.0 * tk * tk)) / 2.0
        z = w_next + ((tk - 1.0) / tk_next) * (w_next - w)
        w, tk = w_next, tk_next
        work += time.perf_counter() - t0
        # printing is not solver work: the time is taken before it
        print(json.dumps({"type": "iterate", "time": work, "x": w.tolist()}), flush=True)


if __name__ == "__main__":
    main()
