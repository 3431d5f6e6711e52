"""Two more learners on the k^4 chapter's data: a variable-selecting lasso and a trained network.

* ``lasso``: the article's flexible model "figures out which variables are important", which is
  variable selection. The lasso path is computed by scikit-learn's coordinate descent with the
  Gram matrix precomputed, on the same nested samples and the same hold-out share as the
  random-features model; the penalty is picked on the hold-out. Error is exact (Cov(x) = I:
  ||beta_hat - beta||^2). FLOPs: :func:`analysis.flops.flops_lasso_path`, from the sweeps the
  solver reports.
* ``mlp``: a one-hidden-layer ReLU network trained on both layers by Adam (scikit-learn's
  ``MLPRegressor``), width growing with n, stopped early on the same hold-out share (the
  weights of the best epoch are kept). FLOPs: epochs actually run x
  :func:`analysis.flops.flops_mlp_epoch`, plus a hold-out check each epoch.

Both reuse :func:`analysis.overparam.replicate_data`, so every learner sees the same examples.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import lasso_path
from sklearn.neural_network import MLPRegressor

from . import flops
from .overparam import RUN_COLUMNS, Design, replicate_data


def simulate_lasso(design: Design | None = None, n_alphas: int = 30) -> pd.DataFrame:
    """Lasso on all candidates at every sample size and replicate.

    Parameters
    ----------
    design : analysis.overparam.Design, optional
    n_alphas : int
        Penalties on the path.

    Returns
    -------
    pandas.DataFrame
        Rows like :attr:`analysis.overparam.Result.runs` (columns ``RUN_COLUMNS``).
    """
    design = (design or Design()).validate()
    d = design.n_candidates
    rows = []
    for r, rng in enumerate(np.random.default_rng(design.seed).spawn(design.replicates)):
        beta, x, y, _, _ = replicate_data(design, rng)
        for n in design.sizes:
            n_fit, n_val = design.split(n)
            xf, yf = x[:n_fit], y[:n_fit]
            gram, xy = xf.T @ xf, xf.T @ yf
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                alphas, coefs, _, n_iter = lasso_path(xf, yf, alphas=n_alphas, eps=1e-3, precompute=gram, Xy=xy,
                                                      return_n_iter=True)
            val = np.mean((x[n_fit:n] @ coefs - y[n_fit:n, None]) ** 2, axis=0)
            best = int(np.argmin(val))
            err = coefs[:, best] - beta
            active = np.count_nonzero(coefs, axis=0)
            flop = flops.flops_lasso_path(n_fit, d, n_val, n_iter, active)
            rows.append((r, "lasso", 0, n, d, float(err @ err), flop, np.nan, float(alphas[best]),
                         flops.flops_gd_pass(n_fit, d), float(np.sum(n_iter))))
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


@dataclass(frozen=True)
class NetworkDesign:
    """Settings of the trained-network arm (sizes and replicates kept small for the time budget)."""

    sizes: tuple[int, ...] = (200, 400, 800, 1600, 3200)
    examples_per_unit: int = 8  # hidden width = n / 8, so parameters ~ 25 n: overparameterized
    replicates: int = 3
    learning_rate: float = 1e-3
    batch_size: int = 64
    patience: int = 10
    max_epochs: int = 400
    weight_decay: float = 1e-4

    def width(self, n: int) -> int:
        return max(8, int(round(n / self.examples_per_unit)))


def simulate_network(design: Design | None = None, net: NetworkDesign | None = None) -> pd.DataFrame:
    """Train the network at each size on the first replicates of ``design``'s data.

    Parameters
    ----------
    design : analysis.overparam.Design, optional
    net : NetworkDesign, optional

    Returns
    -------
    pandas.DataFrame
        Rows like :attr:`analysis.overparam.Result.runs`; ``passes`` is the epochs run.
    """
    design = (design or Design()).validate()
    net = net or NetworkDesign()
    d = design.n_candidates
    rows = []
    seeds = np.random.default_rng(design.seed).spawn(design.replicates)[: net.replicates]
    for r, rng in enumerate(seeds):
        beta, x, y, _, x_test = replicate_data(design, rng)
        f_test = x_test @ beta
        for n in net.sizes:
            if n > x.shape[0]:
                raise ValueError(f"network size {n} exceeds the design's largest sample {x.shape[0]}")
            n_fit, n_val = design.split(n)
            width = net.width(n)
            model = MLPRegressor(hidden_layer_sizes=(width,), solver="adam", learning_rate_init=net.learning_rate,
                                 batch_size=net.batch_size, alpha=net.weight_decay, early_stopping=True,
                                 validation_fraction=n_val / n, n_iter_no_change=net.patience,
                                 max_iter=net.max_epochs, shuffle=True, random_state=1000 * r + n)
            # scikit-learn holds out its own split (stratification is off for regression); we pass
            # the rows in order and the same share, so it sees n_fit examples to fit.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x[:n], y[:n])
            mse = float(np.mean((model.predict(x_test) - f_test) ** 2))
            epochs = int(model.n_iter_)
            params = width * (d + 1) + width + 1
            per_epoch = flops.flops_mlp_epoch(n_fit, d, width) + 2.0 * params * n_val
            rows.append((r, "mlp", 0, n, params, mse, epochs * per_epoch, np.nan, net.weight_decay,
                         flops.flops_mlp_epoch(n_fit, d, width), float(epochs)))
    return pd.DataFrame(rows, columns=RUN_COLUMNS)
