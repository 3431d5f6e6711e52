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


def bench_overparam() -> dict[str, float]:
    """Machine peak (matmul) against the overparameterization simulation's achieved rate."""
    from analysis import overparam

    return overparam.benchmark()


CHAPTER_BENCHMARKS = {"k2": bench_k2, "overparam": bench_overparam, "evidence": bench_evidence}
