"""Two executions of each chapter give identical glued values.

The golden notebook (tests/goldens) is one execution, made when it was regenerated; the clean
build of this test session is another, in a different process and at a different time.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from analysis.numbers import GLUE_PREFIX
from analysis.paths import ROOT

pytestmark = pytest.mark.site
GOLDENS = sorted((ROOT / "tests" / "goldens").glob("*.ipynb"))


def _golden_numbers(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            meta = o.get("metadata", {})
            if "scrapbook" in meta and "report" in meta:
                out[meta["scrapbook"]["name"]] = o["data"][GLUE_PREFIX + "text/plain"]
    return out


@pytest.mark.parametrize("golden", GOLDENS, ids=[p.stem for p in GOLDENS])
def test_glued_values_identical_across_executions(built_site, golden):
    glue_file = built_site.root / "jupyter_execute" / "notebooks" / f"{golden.stem}.glue.json"
    assert glue_file.exists(), f"{glue_file} not produced by the build"
    built = {k: v["data"]["text/plain"] for k, v in json.loads(glue_file.read_text()).items()
             if "report" in v.get("metadata", {})}
    expected = _golden_numbers(golden)
    assert expected, f"{golden.name} glues no numbers"
    assert built == expected
