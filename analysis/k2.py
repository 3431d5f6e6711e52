"""The k² data bound, simulated: how fast estimation error falls with the sample size n.

The article's first step is that "to improve performance by a factor of k, at least k² more data
points must be used" (Thompson et al. 2021). That is the parametric rate: the error of a
well-specified estimator falls as n^(-1/2), so dividing it by k takes k² times the data. This
module simulates five learners:

* the sample mean of Gaussian data (RMSE of the estimate);
* ordinary least squares with a correlated Gaussian design: RMSE of the coefficients and the
  prediction excess risk (a squared error, which falls as n^(-1));
* logistic regression fitted by batched Newton steps: excess 0-1 error over the Bayes classifier,
  in closed form for an isotropic Gaussian design (falls as n^(-1) here);
* k-nearest-neighbour regression on the torus [0, 1)^d with k ∝ n^(4/(4+d)) (RMSE falls as
  n^(-2/(4+d)), slower than n^(-1/2)).

Replicates are array axes, never Python loops. To bound memory, large (replicate, n) arrays are
processed in a few blocks of replicates (each block is one vectorized draw); the only other loops
are over the handful of sample sizes and over Newton iterations. Every (learner, n) pair draws from
its own generator ``default_rng([seed, learner_id, n])``, so results do not depend on which other
learners or sample sizes were run.

Modules of the chapter: this one (configuration and :func:`run`), :mod:`analysis.k2_sim` (the
parametric simulators), :mod:`analysis.k2_knn` (nearest neighbours), :mod:`analysis.k2_theory`
(closed forms), :mod:`analysis.k2_fit` (exponents), :mod:`analysis.k2_report` (printed tables), :mod:`analysis.charts.k2` (charts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .k2_knn import simulate_knn
from .k2_sim import Simulation, simulate_logistic, simulate_mean, simulate_ols


# --------------------------------------------------------------------------- configuration
def n_grid(log10_min: float, log10_max: float, per_decade: int = 4) -> tuple[int, ...]:
    """Sample sizes evenly spaced in log10 n, rounded to integers, ``per_decade`` points a decade.

    Parameters
    ----------
    log10_min, log10_max : float
        Range of log10 n.
    per_decade : int
        Points per decade.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> n_grid(1, 3, per_decade=2)
    (10, 32, 100, 316, 1000)
    """
    if not log10_max > log10_min:
        raise ValueError(f"n_grid: log10_max ({log10_max}) must exceed log10_min ({log10_min})")
    if per_decade < 1:
        raise ValueError("n_grid: per_decade must be at least 1")
    count = int(round((log10_max - log10_min) * per_decade)) + 1
    ns = np.unique(np.round(10.0 ** np.linspace(log10_min, log10_max, count)).astype(int))
    return tuple(int(n) for n in ns)


@dataclass(frozen=True)
class Config:
    """Everything that sets the chapter's simulation. ``Config()`` is the full-size run."""

    seed: int = 20210924
    ns: tuple[int, ...] = field(default_factory=lambda: n_grid(1.5, 4.5))
    reps_mean: int = 500
    reps_ols: int = 300
    reps_logistic: int = 300
    reps_knn: int = 40
    sigma: float = 1.0
    ols_p: int = 3
    ols_rho: float = 0.5
    logistic_w: tuple[float, ...] = (1.0, 0.5)
    knn_dims: tuple[int, ...] = (1, 2, 4)
    knn_test_points: int = 40
    knn_k_const: float = 1.0


# --------------------------------------------------------------------------- the whole chapter
def run(config: Config | None = None) -> dict[str, Simulation]:
    """All learners of the chapter, in display order.

    Parameters
    ----------
    config : Config, optional
        The full-size ``Config()`` by default.

    Returns
    -------
    dict of str to Simulation
    """
    c = config or Config()
    sims: dict[str, Simulation] = {}
    sims["mean"] = simulate_mean(c.ns, c.reps_mean, c.seed, c.sigma)
    sims["ols_coef"], sims["ols_risk"] = simulate_ols(c.ns, c.reps_ols, c.seed, c.ols_p, c.sigma, c.ols_rho)
    sims["logistic"] = simulate_logistic(c.ns, c.reps_logistic, c.seed, c.logistic_w)
    for d in c.knn_dims:
        sim = simulate_knn(c.ns, c.reps_knn, c.seed, d, c.knn_test_points, c.sigma, c.knn_k_const)
        sims[sim.key] = sim
    return sims


def total_samples(sims: dict[str, Simulation]) -> int:
    """Simulated data points generated and processed across all learners and replicates.

    Parameters
    ----------
    sims : dict of str to Simulation

    Returns
    -------
    int
    """
    return int(sum(s.samples for s in sims.values()))
