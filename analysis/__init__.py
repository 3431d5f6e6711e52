"""Analysis package for the report re-examining "Deep Learning's Diminishing Returns".

Layering: ``data/`` -> ``analysis`` -> ``notebooks/`` -> book. Notebooks only narrate and call
functions from this package; simulations, fits, conversions and chart builders live here and
are unit-tested in ``tests/``. The data layer is :mod:`analysis.tables` (one loader per table of
``data/``), checked by :mod:`analysis.validate` against ``data/datapackage.json``. Chart builders live in the :mod:`analysis.charts` package, whose
theme is enabled explicitly with ``charts.enable()``.
"""

__all__ = [
    "arithmetic",
    "cells",
    "charts",
    "conversions",
    "evidence",
    "inventory",
    "k2",
    "k2_fit",
    "k2_report",
    "k2_knn",
    "k2_sim",
    "k2_theory",
    "numbers",
    "overparam",
    "paths",
    "rules",
    "stats",
    "tables",
    "validate",
]
