"""Analysis package for the report re-examining "Deep Learning's Diminishing Returns".

Layering: ``data/`` -> ``analysis`` -> ``notebooks/`` -> book. Notebooks only narrate and call
functions from this package; simulations, fits, conversions and chart builders live here and
are unit-tested in ``tests/``.
"""

__all__ = ["charts", "numbers", "paths"]
