"""Loaders of every table in ``data/``: the data layer between the CSV files and the chapters.

Each loader reads one table through :func:`analysis.validate.check_table`, so the schema in
``data/datapackage.json`` (types, units, ranges, keys, and the project's ``x-`` rules) is the only
rule book, and raises :class:`analysis.validate.DataError` naming file, row and column when the table
breaks any rule (every problem is attached as ``DataError.problems``). Nothing here computes a
result: chapter modules take these frames.

Units: errors in percent (0-100), compute in FLOP, forward cost in GFLOP per image, peak rates in
FLOP/s, time in hours, parameters as a count (see each field's ``unit`` in the package).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths
from .validate import DATAPACKAGE, check_table, find_resource, load_datapackage

__all__ = [
    "DATAPACKAGE", "MODELS_FILE", "HARDWARE_FILE", "EXCLUDED_FILE", "OVERPARAM_FILE", "CLAIMS_FILE", "CONSTANTS_FILE",
    "COST_FILE", "LABEL_NOISE_FILE", "PEERS_FILE", "CURATED", "FIRST_EDITION_FILE",
    "load_table", "column_names", "field_units", "load_hardware", "load_imagenet_models", "imagenet_models",
    "hardware_table", "load_excluded", "load_overparam_models", "load_article_claims", "load_conversion_constants",
    "load_cost_parameters", "load_label_noise", "load_peer_figures", "load_first_edition_counts", "load_curated",
]

MODELS_FILE = paths.DATA / "imagenet_models.csv"
HARDWARE_FILE = paths.DATA / "hardware.csv"
EXCLUDED_FILE = paths.DATA / "imagenet_excluded.csv"
OVERPARAM_FILE = paths.DATA / "overparam_models.csv"
CLAIMS_FILE = paths.DATA / "article_claims.csv"
CONSTANTS_FILE = paths.DATA / "conversion_constants.csv"
COST_FILE = paths.DATA / "cost_parameters.csv"
LABEL_NOISE_FILE = paths.DATA / "label_noise.csv"
PEERS_FILE = paths.DATA / "peer_figures.csv"
CURATED = paths.DATA / "curated"
FIRST_EDITION_FILE = CURATED / "completeness_2026_11.csv"


def load_table(name: str, path: Path | None = None, package: dict | None = None,
               references: dict | None = None) -> pd.DataFrame:
    """Load the table ``name`` of the package, checked; raise DataError on any broken rule.

    Parameters
    ----------
    name : str
        Resource name in ``data/datapackage.json``.
    path : pathlib.Path, optional
        The CSV (default: the resource's path under ``data/``).
    package : dict, optional
        The package descriptor (default: the project's).
    references : dict, optional
        ``"resource.field"`` -> (file name, values) for the foreign keys.

    Returns
    -------
    pandas.DataFrame
        One row per data record; strings (None when empty), float64, Int64 and datetime64 columns.
    """
    package = load_datapackage() if package is None else package
    res = find_resource(name, package)
    path = paths.DATA / res["path"] if path is None else Path(path)
    return check_table(path, res, package, references=references).raise_problems().frame


def column_names(name: str, package: dict | None = None) -> list[str]:
    """The columns of table ``name`` in schema order."""
    return [f["name"] for f in find_resource(name, package)["schema"]["fields"]]


def field_units(name: str, package: dict | None = None) -> dict[str, str]:
    """Column -> unit ('' where none) of table ``name``."""
    return {f["name"]: f.get("unit", "") for f in find_resource(name, package)["schema"]["fields"]}


def load_hardware(path: Path = HARDWARE_FILE, package: dict | None = None) -> pd.DataFrame:
    """``data/hardware.csv``: accelerators, peaks by precision, TDP, cloud prices."""
    return load_table("hardware", path, package)


def load_imagenet_models(path: Path = MODELS_FILE, hardware_path: Path = HARDWARE_FILE, package: dict | None = None,
                         hardware: pd.DataFrame | None = None) -> pd.DataFrame:
    """``data/imagenet_models.csv``, its accelerators checked against the hardware table."""
    hardware = load_hardware(hardware_path, package) if hardware is None else hardware
    refs = {"hardware.accelerator": (Path(hardware_path).name, set(hardware["accelerator"].dropna()))}
    return load_table("imagenet_models", path, package, refs)


@lru_cache(maxsize=1)
def _cached() -> tuple[pd.DataFrame, pd.DataFrame]:
    hw = load_hardware()
    return load_imagenet_models(hardware=hw), hw


def imagenet_models() -> pd.DataFrame:
    """A copy of the committed ImageNet table (loaded and checked once per process)."""
    return _cached()[0].copy()


def hardware_table() -> pd.DataFrame:
    """A copy of the committed hardware table (loaded and checked once per process)."""
    return _cached()[1].copy()


def load_excluded(path: Path = EXCLUDED_FILE, package: dict | None = None) -> pd.DataFrame:
    """Rows the build did not use, with the reason."""
    return load_table("imagenet_excluded", path, package)


def load_overparam_models(path: Path = OVERPARAM_FILE, package: dict | None = None) -> pd.DataFrame:
    """Parameter and image counts of a few ImageNet models (overparameterization chapter)."""
    return load_table("overparam_models", path, package)


def load_article_claims(path: Path = CLAIMS_FILE, package: dict | None = None) -> pd.DataFrame:
    """The article's quantitative claims, indexed by ``claim_id``."""
    return load_table("article_claims", path, package).set_index("claim_id")


def load_conversion_constants(path: Path = CONSTANTS_FILE, package: dict | None = None) -> pd.DataFrame:
    """FLOP to USD and CO2 constants, indexed by ``name``."""
    return load_table("conversion_constants", path, package).set_index("name")


def load_cost_parameters(path: Path = COST_FILE, package: dict | None = None) -> pd.DataFrame:
    """The cost chain's parameters (units and their dimensions are checked by :mod:`analysis.cost`)."""
    return load_table("cost_parameters", path, package)


def load_label_noise(path: Path = LABEL_NOISE_FILE, package: dict | None = None) -> pd.DataFrame:
    """Measured shares of wrong ImageNet validation labels (value_pct = count / total x 100, one headline)."""
    return load_table("label_noise", path, package)


def load_peer_figures(path: Path = PEERS_FILE, package: dict | None = None) -> pd.DataFrame:
    """Peers' figures on ImageNet algorithmic progress, indexed by ``figure_id``."""
    return load_table("peer_figures", path, package).set_index("figure_id")


def load_first_edition_counts(path: Path = FIRST_EDITION_FILE, package: dict | None = None) -> pd.DataFrame:
    """Counts of the first edition of the evidence table (period, column, count, source)."""
    return load_table("completeness_2026_11", path, package)


def load_curated(name: str, path: Path | None = None, package: dict | None = None) -> pd.DataFrame:
    """A table of ``data/curated/`` by resource name (accelerators, name_map, paper_values_recent, ...)."""
    return load_table(name, path, package)
