"""Shared fixtures: one clean build of the book per test session, and a headless browser.

The build goes to ``_build_test/`` (not the reader's ``_build/``), starts from an empty execution
cache, and treats warnings as errors, exactly as CI must. Set ``DLDR_REUSE_BUILD=1`` to reuse an
existing ``_build_test`` while iterating on the site tests themselves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from analysis.paths import ROOT

SITE_OUT = ROOT / "_build_test"
JB = Path(sys.executable).with_name("jupyter-book")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


@dataclass
class Build:
    returncode: int
    log: str
    seconds: float

    @property
    def root(self) -> Path:
        return SITE_OUT / "_build"

    @property
    def html(self) -> Path:
        return self.root / "html"

    @property
    def warnings(self) -> list[str]:
        # Sphinx's own format ("file:line: WARNING: ..."); ipykernel's "[IPKernelApp] WARNING | Kernel is
        # running over TCP" notice is not a build warning.
        return [line for line in self.log.splitlines() if "WARNING:" in line or "ERROR:" in line]


def run_build(builder: str = "html") -> subprocess.CompletedProcess:
    cmd = [str(JB), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(SITE_OUT)]
    if builder != "html":
        cmd += ["--builder", builder]
    env = dict(os.environ, NO_COLOR="1", PYTHONWARNINGS="ignore::DeprecationWarning")
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)


@pytest.fixture(scope="session")
def built_site() -> Build:
    if os.environ.get("DLDR_REUSE_BUILD") == "1" and (SITE_OUT / "_build" / "html" / "index.html").exists():
        log = (SITE_OUT / "build.log").read_text() if (SITE_OUT / "build.log").exists() else ""
        return Build(0, log, 0.0)
    shutil.rmtree(SITE_OUT, ignore_errors=True)
    SITE_OUT.mkdir()
    start = time.perf_counter()
    proc = run_build()
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    (SITE_OUT / "build.log").write_text(log)
    return Build(proc.returncode, log, seconds)


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.fail("Debian's chromium is required for the browser test: run `make test` (installs it) "
                    "or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
