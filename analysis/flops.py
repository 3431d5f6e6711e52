"""The FLOP model of the k^4 chapter: what each fit executes, counted analytically.

One multiply-add is 2 FLOPs. The counts are the leading terms of the BLAS/LAPACK calls (plus the
lower-order terms of the calls we make), not asymptotic orders; they are unit-tested by hand and
cross-checked against wall time by ``make bench`` (``scripts/bench_chapters.py``).

Three accountings of training compute are used in the chapter, with equal weight:

* **executed**: the FLOPs of the exact solve the simulation runs (normal equations, Cholesky);
* **gradient descent, passes counted**: full-batch gradient descent, stopped early at the time the
  hold-out set picks, costs ``passes x`` :func:`flops_gd_pass`;
* **parameters x data**: the article's accounting, one :func:`flops_gd_pass` (a fixed number of
  passes, the constant dropped).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "flops_gram", "flops_matvec", "flops_lu_solve", "flops_cholesky_solve", "flops_least_squares",
    "flops_ridge", "flops_random_features", "flops_random_features_primal", "flops_random_features_gd_pass",
    "flops_gd_pass", "flops_random_features_test", "flops_lasso_path", "flops_mlp_epoch",
]


def flops_gram(n: int, k: int) -> float:
    """X^T X for an n x k matrix with a symmetric rank-k update (BLAS syrk, which NumPy uses for
    ``A.T @ A``): k(k+1)/2 distinct entries, each a length-n dot product (2n FLOPs) = n k (k+1)."""
    return float(n) * k * (k + 1)


def flops_matvec(n: int, k: int) -> float:
    """A^T y (or A w) for an n x k matrix: 2 n k."""
    return 2.0 * n * k


def flops_lu_solve(k: int) -> float:
    """Solve a k x k system with one right-hand side by LU (LAPACK gesv): 2k^3/3 + 2k^2."""
    return 2.0 * k**3 / 3.0 + 2.0 * k**2


def flops_cholesky_solve(k: int) -> float:
    """Cholesky factorization (potrf, k^3/3) plus two triangular solves (2k^2)."""
    return k**3 / 3.0 + 2.0 * k**2


def flops_least_squares(n: int, k: int) -> float:
    """Least squares / ridge on k variables via the normal equations: X^T X, X^T y, (+ lambda I), LU."""
    return flops_gram(n, k) + flops_matvec(n, k) + k + flops_lu_solve(k)


def flops_ridge(n: int, k: int) -> float:
    """Ridge on k variables, solved in the cheaper of its two forms (the simulation executes that one).

    Primal: :func:`flops_least_squares`. Dual (n < k): X X^T (n(n+1)k), + lambda I (n), LU solve of
    the n x n system, weights X^T alpha (2nk).
    """
    dual = flops_gram(k, n) + n + flops_lu_solve(n) + flops_matvec(n, k)
    return min(flops_least_squares(n, k), dual)


def flops_random_features(n: int, d: int, p: int, n_val: int = 0, n_penalties: int = 1) -> float:
    """Random-features regression with p > n, solved in its dual (kernel) form, penalty tuned on a
    hold-out set.

    ``n`` is the number of examples the model is fitted on and ``n_val`` the held-out examples
    used to choose the penalty among ``n_penalties`` values. Feature map Z = X W^T for all
    n + n_val examples (2(n+n_val)dp) and ReLU ((n+n_val)p comparisons, counted as 1 FLOP each);
    Gram matrix Phi Phi^T by syrk (n(n+1)p); then per penalty: + lambda I (n), Cholesky solve
    (n^3/3 + 2n^2), primal weights w = Phi^T alpha (2np) and validation predictions (2 n_val p).
    """
    rows = n + n_val
    per_penalty = n + flops_cholesky_solve(n) + flops_matvec(n, p) + flops_matvec(n_val, p)
    return 2.0 * rows * d * p + rows * p + flops_gram(p, n) + n_penalties * per_penalty


def flops_random_features_primal(n: int, d: int, p: int, n_val: int = 0, n_penalties: int = 1) -> float:
    """The same model solved in its primal form (cheaper when p < n): feature map and ReLU as in
    :func:`flops_random_features`, Phi^T Phi (n p(p+1)), Phi^T y (2np), then per penalty + lambda I (p),
    Cholesky solve (p^3/3 + 2p^2) and validation predictions (2 n_val p)."""
    rows = n + n_val
    per_penalty = p + flops_cholesky_solve(p) + flops_matvec(n_val, p)
    return 2.0 * rows * d * p + rows * p + flops_gram(n, p) + flops_matvec(n, p) + n_penalties * per_penalty


def flops_gd_pass(n: int, p: int) -> float:
    """One full-batch gradient-descent pass of a model linear in its p parameters over n examples:
    Phi w (2np) and Phi^T r (2np). Parameters x data, the article's unit of training cost."""
    return 4.0 * n * p


def flops_random_features_gd_pass(n: int, p: int) -> float:
    """One gradient pass of the random-features model (alias kept for the first edition's keys)."""
    return flops_gd_pass(n, p)


def flops_random_features_test(n_test: int, d: int, p: int) -> float:
    """Evaluating the fitted random-features model on a test sample (not training compute)."""
    return 2.0 * n_test * d * p + n_test * p + flops_matvec(n_test, p)


def flops_lasso_path(n: int, d: int, n_val: int, sweeps, active) -> float:
    """A lasso path by covariance-update coordinate descent (scikit-learn's Gram solver), penalty
    chosen on ``n_val`` held-out examples.

    Gram X^T X (n d(d+1)) and X^T y (2nd) once; then for each penalty on the path, ``sweeps`` passes
    over the d coordinates, where each update of a non-zero coefficient adjusts the gradient vector
    twice (remove, add back: 4d FLOPs) and a zero one costs a dot-product check (2 FLOPs), taken at
    the penalty's final number of non-zero coefficients ``active``; plus the validation predictions
    (2 n_val d per penalty). The count of active coordinates during the sweeps is approximated by
    the final one, so this is an estimate to within a small factor, not an exact count.
    """
    sweeps = np.asarray(sweeps, dtype=float)
    active = np.asarray(active, dtype=float)
    per_sweep = 4.0 * d * active + 2.0 * (d - active)
    return flops_gram(n, d) + flops_matvec(n, d) + float(np.sum(sweeps * per_sweep)) + sweeps.size * flops_matvec(n_val, d)


def flops_mlp_epoch(n: int, d: int, width: int) -> float:
    """One epoch of a one-hidden-layer network (d -> width -> 1) over n examples: forward 2 x params
    FLOPs per example and backward about twice that, so 6 x params x n (the usual 6ND rule)."""
    params = width * (d + 1) + width + 1
    return 6.0 * params * n
