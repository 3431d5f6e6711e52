"""Glued numbers do not depend on the OpenBLAS kernel (issue 8).

The k2 chapter (the fit-heavy one) is executed in a fresh process under a *different* OpenBLAS
kernel (``OPENBLAS_CORETYPE=Prescott``, then ``Haswell``) and with the kernel variables unset (OpenBLAS then picks
one for the processor), and every glued number must equal the golden's text exactly. Before glued
floats were rounded to their published precision (``analysis.numbers.SIG_DIGITS``) this failed:
the 16th significant digit of a fitted slope moved with the kernel. The machine's own environment
is never changed; only the child process gets the modified one. About 10-15 s per execution.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from analysis.numbers import GLUE_PREFIX

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "k2_data_bound"
KERNEL_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Executes the chapter in this child process's environment and prints {key: glued text} as JSON.
RUNNER = """
import json, sys, jupytext
from nbclient import NotebookClient
nb = jupytext.read(sys.argv[1])
NotebookClient(nb, timeout=600, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[2]}}).execute()
out = {}
for cell in nb.cells:
    for o in cell.get("outputs", []):
        meta = o.get("metadata", {})
        if "scrapbook" in meta and "report" in meta:
            out[meta["scrapbook"]["name"]] = o["data"][sys.argv[3]]
print(json.dumps(out))
"""


def glued_in_golden(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    return {o["metadata"]["scrapbook"]["name"]: o["data"][GLUE_PREFIX + "text/plain"]
            for cell in nb.cells for o in cell.get("outputs", [])
            if "scrapbook" in o.get("metadata", {}) and "report" in o.get("metadata", {})}


def execute_with(env_changes: dict[str, str | None]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in env_changes}
    env.update({k: v for k, v in env_changes.items() if v is not None})
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ROOT / "notebooks" / f"{CHAPTER}.md"), str(ROOT / "notebooks"),
         GLUE_PREFIX + "text/plain"],
        env=env, capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("env_changes", [
    {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_L2_SIZE": None},
    {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"},
    dict.fromkeys(KERNEL_VARS),
], ids=["prescott", "haswell", "unset"])
def test_k2_glued_numbers_equal_golden_under_another_blas_kernel(env_changes):
    expected = glued_in_golden(ROOT / "tests" / "goldens" / f"{CHAPTER}.ipynb")
    assert len(expected) > 20, "the k2 golden glues too few numbers"
    got = execute_with(env_changes)
    diff = {k: (expected.get(k), got.get(k)) for k in expected.keys() | got.keys() if expected.get(k) != got.get(k)}
    assert not diff, f"{len(diff)} glued numbers differ from the golden (golden, this kernel): {diff}"
