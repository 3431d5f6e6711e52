"""The generated CHANGELOG list of changed numbers, on constructed results.json files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from analysis import releases
from analysis.paths import ROOT


def _write(path, numbers):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: {"value": v, "unit": u} for k, (v, u) in numbers.items()}))


@pytest.fixture
def store(tmp_path):
    _write(tmp_path / "releases" / "0.1.0" / "results.json",
           {"gamma": (9.31, ""), "n_rows": (19, "models"), "same": (1.5, "x"), "gone": (3, ""), "name": ("ResNet", "")})
    _write(tmp_path / "releases" / "0.2.0" / "results.json",
           {"gamma": (9.27, ""), "n_rows": (37, "models"), "same": (1.5, "y"), "new": (7, ""), "name": ("ViT", "")})
    _write(tmp_path / "releases" / "0.10.0" / "results.json",
           {"gamma": (9.27, ""), "n_rows": (37, "models"), "same": (1.5, "y"), "new": (0, ""), "name": ("ViT", "")})
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\nIntro.\n\n## Unreleased\n\n- typed entry\n")
    return tmp_path


def test_diff_lists_every_changed_value_with_its_difference(store):
    old = releases.load_results(store / "releases" / "0.1.0" / "results.json")
    new = releases.load_results(store / "releases" / "0.2.0" / "results.json")
    d = releases.diff_results(old, new)
    changed = {k: (a, b, delta, rel) for k, a, b, delta, rel in d["changed"]}
    assert set(changed) == {"gamma", "n_rows", "name"}
    assert changed["gamma"][2] == pytest.approx(-0.04) and changed["gamma"][3] == pytest.approx(-0.04 / 9.31)
    assert changed["n_rows"][2:] == (18, pytest.approx(18 / 19))
    assert changed["name"] == ("ResNet", "ViT", None, None)
    assert d["unit"] == [("same", "x", "y")]
    assert d["added"] == ["new"] and d["removed"] == ["gone"]


def test_identical_results_give_no_change(store):
    r = releases.load_results(store / "releases" / "0.2.0" / "results.json")
    assert not any(releases.diff_results(r, r).values())
    assert "No number changed" in releases.changelog_section("0.2.0", "0.1.0", releases.diff_results(r, r))


def test_script_writes_one_section_per_version_in_order_and_is_idempotent(store):
    cmd = [sys.executable, str(ROOT / "scripts" / "changelog_numbers.py"), "--releases", str(store / "releases"),
           "--changelog", str(store / "CHANGELOG.md")]
    subprocess.run(cmd, check=True, capture_output=True)
    text = (store / "CHANGELOG.md").read_text()
    assert text.count(releases.START) == 1 and "- typed entry" in text
    # 0.10.0 sorts after 0.2.0 (numeric), newest first
    assert text.index("### 0.10.0") < text.index("### 0.2.0")
    assert "| `gamma` | 9.31 | 9.27 | -0.04 | -0.43% |" in text
    assert "| `n_rows` | 19 | 37 | +18 | +94.74% |" in text
    assert "| `new` | 7 | 0 | -7 | -100.00% |" in text
    assert "Retired keys: `gone`" in text and "Unit of `same`: x -> y" in text
    subprocess.run(cmd, check=True, capture_output=True)
    assert (store / "CHANGELOG.md").read_text() == text


def test_unreleased_section_compares_a_build_with_the_latest_release(store):
    current = store / "current.json"
    _write(current, {"gamma": (9.0, ""), "n_rows": (37, "models"), "same": (1.5, "y"), "new": (0, ""), "name": ("ViT", "")})
    text = releases.release_sections(store / "releases", current)
    assert text.startswith("### unreleased: numbers changed since 0.10.0")
    assert "| `gamma` | 9.27 | 9 | -0.27 |" in text
    _write(current, {"new": (5, "")})
    assert "| `new` | 0 | 5 | +5 |  |" in releases.release_sections(store / "releases", current)  # no relative change from 0


def test_a_broken_results_file_is_refused_with_its_name_and_key(tmp_path):
    bad = tmp_path / "results.json"
    bad.write_text(json.dumps({"gamma": {"unit": ""}}))
    with pytest.raises(ValueError, match=r"results.json: key 'gamma' has no 'value'"):
        releases.load_results(bad)


def test_stored_baseline_is_a_valid_results_file_of_the_current_version():
    from analysis.charts.downloads import report_version

    path = ROOT / "releases" / report_version() / "results.json"
    data = releases.load_results(path)
    assert len(data) > 100 and all("chapter" in e for e in data.values())


def test_changelog_number_section_is_generated_from_the_stored_releases():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    expected = releases.update_changelog(ROOT / "CHANGELOG.md", releases.release_sections(ROOT / "releases"))
    assert releases.START in text and text == expected, (
        "CHANGELOG.md's number section is stale or edited by hand: run scripts/changelog_numbers.py")
