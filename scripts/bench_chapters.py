"""Chapter kernels timed by ``scripts/bench.py`` (``make bench``): measurement only, never asserted.

Each function runs one chapter's heavy computation at full size and returns named figures
(seconds, throughput). They live here, beside the benchmark script, not in the science modules.
"""

from __future__ import annotations

import time

from analysis import k2, tables


def bench_k2(config: k2.Config | None = None) -> dict[str, float]:
    """Wall time of the k² chapter's full-size simulation and its throughput in simulated data points."""
    start = time.perf_counter()
    sims = k2.run(config or k2.Config())
    seconds = time.perf_counter() - start
    return {"k2_samples_per_second": k2.total_samples(sims) / seconds, "k2_simulation_seconds": seconds}


def bench_evidence() -> dict[str, float]:
    """Time to load and validate the evidence tables (ImageNet models and hardware)."""
    start = time.perf_counter()
    hw = tables.load_hardware()
    tables.load_imagenet_models(hardware=hw)
    return {"evidence_load_validate_s": time.perf_counter() - start}


def matmul_gflops(size: int = 2000, repeats: int = 5, seed: int = 0) -> float:
    """Dense float64 matrix product (BLAS gemm, 2 size^3 FLOPs), best of ``repeats``, in GFLOP/s."""
    import numpy as np

    rng = np.random.default_rng(seed)
    a = rng.standard_normal((size, size))
    b = rng.standard_normal((size, size))
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2.0 * size**3 / best / 1e9


def bench_overparam() -> dict[str, float]:
    """Machine peak (matmul) against the k^4 simulation's achieved rate (its counted FLOPs over its
    wall time), measured in the same run, and the frontier and sensitivity runs' wall times."""
    from analysis import overparam, overparam_frontier, overparam_sensitivity

    peak = matmul_gflops()
    result = overparam.simulate()
    sim = result.total_flop / result.seconds / 1e9
    c = overparam.curves(result)
    rf = c[c["model"] == "random_features"].sort_values("n").tail(3)
    rates = rf["train_flop"] / rf["seconds"] / 1e9
    start = time.perf_counter()
    overparam_frontier.simulate_frontier()
    frontier_s = time.perf_counter() - start
    start = time.perf_counter()
    overparam_sensitivity.sensitivity_runs()
    sensitivity_s = time.perf_counter() - start
    return {
        "k4_matmul_gflops": peak,
        "k4_sim_gflops": sim,
        "k4_sim_fraction_of_matmul": sim / peak,
        "k4_simulation_seconds": result.seconds,
        "k4_simulation_flop": result.total_flop,
        "k4_rf_gflops_largest": float(rates.iloc[-1]),
        "k4_rf_gflops_min_of_top3": float(rates.min()),
        "k4_frontier_seconds": frontier_s,
        "k4_sensitivity_seconds": sensitivity_s,
    }


CHAPTER_BENCHMARKS = {"k2": bench_k2, "overparam": bench_overparam, "evidence": bench_evidence}
