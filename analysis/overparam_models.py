"""Parameter and data counts of a few ImageNet models (``data/overparam_models.csv``): the loader
and its schema, with the parameters-per-image ratios the k^4 chapter discusses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import paths
from .validate import Column, DataError, read_table

__all__ = ["MODELS_FILE", "MODEL_COLUMNS", "load_overparam_models"]

MODELS_FILE = paths.DATA / "overparam_models.csv"


def _source(value: object) -> str | None:
    text = str(value)
    ok = text.startswith(("arXiv:", "https://", "http://", "doi:"))
    return None if ok else "source must be an arXiv id (arXiv:...), a DOI (doi:...) or a URL"


MODEL_COLUMNS = [
    Column("model", "string"),
    Column("params", "integer", minimum=1),
    Column("labelled_images", "integer", minimum=1),
    Column("extra_images", "integer", minimum=0),
    Column("source", "string", check=_source),
    Column("note", "string"),
]


def load_overparam_models(path: Path = MODELS_FILE) -> pd.DataFrame:
    """Parameter and data counts of a few ImageNet models, with the ratios the article discusses.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file (default ``data/overparam_models.csv``).

    Returns
    -------
    pandas.DataFrame
        The validated table plus ``params_per_labelled_image`` and ``params_per_image_all``
        (parameters over labelled plus extra images).

    Raises
    ------
    analysis.validate.DataError
        On a bad cell (naming file, row and column) or an empty table.
    """
    table = read_table(path, MODEL_COLUMNS, unique=("model",))
    if table.empty:
        raise DataError(path, "the table has no rows")
    table["params_per_labelled_image"] = table["params"].astype(float) / table["labelled_images"].astype(float)
    total = (table["labelled_images"] + table["extra_images"]).astype(float)
    table["params_per_image_all"] = table["params"].astype(float) / total
    return table
