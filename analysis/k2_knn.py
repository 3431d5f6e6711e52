"""Simulator of the k² chapter for the nonparametric learner: k-nearest-neighbour regression on the torus.

k ∝ n^(4/(4+d)) neighbours, uniform design on [0, 1)^d with wrap-around distances, Gaussian noise;
the RMSE falls as n^(-2/(4+d)), slower than the parametric n^(-1/2). Same conventions as
:mod:`analysis.k2_sim` (replicates as array axes, one generator per (learner, n)).
"""

from __future__ import annotations

import numpy as np

from .k2_sim import Simulation, _blocks, _check_int, _check_ns, _check_positive, _rng
from .k2_theory import knn_k, knn_target


# --------------------------------------------------------------------------- k-nearest neighbours
def knn_predict_torus(train_x: np.ndarray, train_y: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    """k-NN regression on the torus [0, 1)^d for stacked problems.

    train_x (b, n, d), train_y (b, n), query (b, m, d) -> predictions (b, m): the average response
    of the k training points nearest (in wrap-around distance) to each query point.

    Parameters
    ----------
    train_x : ndarray, shape (b, n, d)
    train_y : ndarray, shape (b, n)
    query : ndarray, shape (b, m, d)
    k : int
        Number of neighbours (ties at the k-th distance are averaged in).

    Returns
    -------
    ndarray, shape (b, m)
    """
    n = train_x.shape[1]
    if not 1 <= k <= n:
        raise ValueError(f"k must lie between 1 and n = {n}, got {k}")
    # float32 distances: ample precision for ranking, and numpy's partition is much faster on them;
    # in-place operations on two buffers avoid allocating a temporary per step
    qx = query.astype(np.float32)
    tx = train_x.astype(np.float32)
    dist2 = np.zeros(query.shape[:2] + (n,), dtype=np.float32)
    buf = np.empty_like(dist2)
    buf2 = np.empty_like(dist2)
    for j in range(train_x.shape[2]):  # loop over a handful of coordinates
        np.subtract(qx[:, :, None, j], tx[:, None, :, j], out=buf)
        np.abs(buf, out=buf)
        np.subtract(np.float32(1.0), buf, out=buf2)
        np.minimum(buf, buf2, out=buf)  # wrap-around distance along coordinate j
        np.square(buf, out=buf)
        dist2 += buf
    kth = np.partition(dist2, k - 1, axis=-1)[..., k - 1 : k]
    mask = dist2 <= kth
    return (mask.astype(np.float64) @ train_y[..., None])[..., 0] / mask.sum(axis=-1)


def simulate_knn(
    ns, reps: int, seed: int, d: int, test_points: int = 40, sigma: float = 1.0, k_const: float = 1.0
) -> Simulation:
    """RMSE of k-NN regression with k ∝ n^(4/(4+d)), uniform design on the torus, Gaussian noise.

    Each replicate's loss is the squared error averaged over ``test_points`` uniform query points.
    On the torus there is no boundary, so the bias is second order and the MSE falls as
    n^(-4/(4+d)); the RMSE as n^(-2/(4+d)).

    Parameters
    ----------
    ns : sequence of int
        Strictly increasing sample sizes.
    reps : int
        Replicates per sample size (at least 2).
    seed : int
        Base seed; each (learner, n) pair draws from its own generator.
    d : int
        Dimension of the torus.
    test_points : int
        Query points per replicate.
    sigma : float
        Noise standard deviation.
    k_const : float
        Constant in k = round(k_const n^(4/(4+d))).

    Returns
    -------
    Simulation
        Key ``f"knn_d{d}"``; theory slope -2/(4+d), no exact curve.
    """
    d = _check_int(d, 1, "d")
    ns = _check_ns(ns, 2, f"simulate_knn (d = {d})")
    reps = _check_int(reps, 2, "reps")
    test_points = _check_int(test_points, 1, "test_points")
    sigma = _check_positive(sigma, "sigma")
    k_const = _check_positive(k_const, "k_const")
    loss = np.empty((ns.size, reps))
    for i, n in enumerate(ns):
        rng = _rng(seed, "knn", n, extra=d)
        k = knn_k(int(n), d, k_const)
        for sl in _blocks(reps, int(n) * test_points):
            b = sl.stop - sl.start
            x = rng.random((b, int(n), d))
            y = knn_target(x) + sigma * rng.standard_normal((b, int(n)))
            q = rng.random((b, test_points, d))
            pred = knn_predict_torus(x, y, q, k)
            loss[i, sl] = np.mean((pred - knn_target(q)) ** 2, axis=1)
    return Simulation(
        key=f"knn_d{d}",
        label=f"kNN regression, d = {d}: RMSE",
        metric=f"RMSE of the regression function (d = {d})",
        ns=ns,
        loss=loss,
        root=True,
        theory_slope=-2.0 / (4.0 + d),
        theory=None,
        theory_kind="asymptotic rate n^(−2/(4+d)), anchored at the largest n",
        samples=int(reps * (ns.sum() + ns.size * test_points)),
    )
