"""The data derivation: public upstream files + curated tables -> ``data/imagenet_models.csv``,
``data/hardware.csv`` and ``data/imagenet_excluded.csv``.

Modules: :mod:`.common` (formatting, parsing), :mod:`.inputs` (upstream and curated readers),
:mod:`.hardware` (the accelerator table and peaks by precision), :mod:`.fields` (one step per
field group of the model table), :mod:`.uncertainty` (per-row log10 sd of compute),
:mod:`.models` (rows and their assembly). ``scripts/build_data.py`` is the command line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from .. import tables
from .common import to_csv_text
from .hardware import build_hardware
from .inputs import (read_accelerators, read_aliases, read_curated, read_ensemble_rules, read_extra_data_rules,
                     read_name_map, read_uncertainty_rules, read_upstream)
from .models import Lookups, build_models

__all__ = ["OUT_MODELS", "OUT_HARDWARE", "OUT_EXCLUDED", "EXCLUDED_COLUMNS", "build", "validate_outputs"]

OUT_MODELS = "imagenet_models.csv"
OUT_HARDWARE = "hardware.csv"
OUT_EXCLUDED = "imagenet_excluded.csv"
EXCLUDED_COLUMNS = ["origin", "row", "model", "reason"]


def validate_outputs(texts: dict[str, str]) -> None:
    """Load the three texts through the project's validating loaders (raises DataError on a broken rule)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in texts.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        hw = tables.load_hardware(Path(tmp) / OUT_HARDWARE)
        tables.load_imagenet_models(Path(tmp) / OUT_MODELS, Path(tmp) / OUT_HARDWARE, hardware=hw)
        tables.load_excluded(Path(tmp) / OUT_EXCLUDED)


def build(upstream: Path, curated_dir: Path | None = None, curated_files: list[str] | None = None) -> dict[str, str]:
    """Rebuild the three tables in memory; returns file name -> CSV text, validated."""
    up = read_upstream(Path(upstream))
    accelerators = read_accelerators()
    aliases = read_aliases()
    excluded: list[dict] = []
    curated = read_curated(excluded, set(accelerators["accelerator"]), aliases["curated"], curated_dir, curated_files)
    name_map = read_name_map(None if curated_dir is None else Path(curated_dir) / "name_map.csv")
    hardware = build_hardware(up, accelerators, tables.column_names("hardware"))
    lk = Lookups(up, name_map, hardware, aliases, read_extra_data_rules(), read_ensemble_rules(), read_uncertainty_rules())
    models = build_models(up, curated, lk, tables.column_names("imagenet_models"), excluded)
    ex = pd.DataFrame(excluded, columns=EXCLUDED_COLUMNS).sort_values(["origin", "row"]).reset_index(drop=True)
    texts = {OUT_HARDWARE: to_csv_text(hardware), OUT_MODELS: to_csv_text(models), OUT_EXCLUDED: to_csv_text(ex)}
    validate_outputs(texts)
    return texts
