"""The data check: ``python -m analysis.validate [DIR]`` and the schema in ``data/datapackage.json``.

Each malformed case of the code review's section 3 is built in ``tmp_path`` from a committed table
(one fault at a time, or several to show that every problem is reported) and must produce the exact
``FILE:ROW:COLUMN: rule`` line, ROW being the physical line of the file (header = 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis import paths, tables
from analysis.cells import check_cell
from analysis.validate import DataError, load_datapackage, main

PEERS = "peer_figures"  # figure_id,description,value,unit,date,source,note (date optional)
OVERPARAM = "overparam_models"  # model,params,labelled_images,extra_images,source,note


def _folder(tmp_path: Path, names: list[str], rows=None, text=None, package=None) -> Path:
    """A data folder holding the committed tables ``names`` and a package describing only them.

    ``rows(name, records) -> records`` edits the parsed CSV records; ``text(name, text) -> text``
    edits the raw file text afterwards; ``package(pkg)`` edits the descriptor.
    """
    pkg = load_datapackage()
    pkg["resources"] = [r for r in pkg["resources"] if r["name"] in names]
    if package:
        package(pkg)
    for res in pkg["resources"]:
        raw = (paths.DATA / res["path"]).read_text(encoding="utf-8")
        records = list(csv.reader(io.StringIO(raw, newline="")))
        if rows:
            records = rows(res["name"], records)
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(records)
        out = text(res["name"], buf.getvalue()) if text else buf.getvalue()
        dest = tmp_path / res["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(out.encode("utf-8"))
    (tmp_path / "datapackage.json").write_text(json.dumps(pkg), encoding="utf-8")
    return tmp_path


def _check(folder: Path, capsys) -> list[str]:
    """The problem lines printed by the command line, with the folder prefix removed."""
    code = main([str(folder)])
    out = capsys.readouterr().out.splitlines()
    lines = [line.replace(f"{folder}/", "") for line in out]
    assert code == (1 if lines else 0)
    return lines


def _cell(name: str, line: int, column: str, value: str):
    """An edit that sets one cell (``line`` = file line of the record, header = 1)."""
    def edit(res, records):
        if res == name:
            records[line - 1][records[0].index(column)] = value
        return records
    return edit


# ---- the committed data --------------------------------------------------------------------------
def test_committed_data_passes(capsys):
    assert main([str(paths.DATA)]) == 0
    assert capsys.readouterr().out == ""


def test_every_csv_is_described_with_v2_profiles():
    pkg = load_datapackage()
    assert pkg["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    described = {r["path"] for r in pkg["resources"]}
    on_disk = {str(p.relative_to(paths.DATA)) for p in paths.DATA.rglob("*.csv")}
    assert described == on_disk
    for res in pkg["resources"]:
        assert res["$schema"] == "https://datapackage.org/profiles/2.0/dataresource.json" and "profile" not in res
        assert res["schema"]["$schema"] == "https://datapackage.org/profiles/2.0/tableschema.json"


def test_frictionless_validates_the_package_offline():
    """``frictionless validate data/datapackage.json`` passes with every proxy pointing nowhere."""
    exe = Path(sys.executable).parent / "frictionless"
    dead = "http://127.0.0.1:9"
    env = dict(os.environ, http_proxy=dead, https_proxy=dead, HTTP_PROXY=dead, HTTPS_PROXY=dead, NO_COLOR="1")
    run = subprocess.run([str(exe), "validate", "--json", str(paths.DATA / "datapackage.json")],
                         capture_output=True, text=True, env=env, timeout=300)
    report = json.loads(run.stdout)
    assert run.returncode == 0 and report["valid"], run.stdout[-2000:] + run.stderr[-2000:]
    assert len(report["tasks"]) == len(load_datapackage()["resources"])


def test_undescribed_table_is_reported(tmp_path, capsys):
    folder = _folder(tmp_path, [PEERS])
    (folder / "stray.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert _check(folder, capsys) == ["stray.csv:-:-: table not described in datapackage.json"]


# ---- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value,rule", [
    ("2019/05/28", "date '2019/05/28' is not ISO (write YYYY-MM-DD)"),
    ("20190528", "date '20190528' is not ISO (write YYYY-MM-DD)"),
    ("May 28 2019", "not a date (YYYY-MM-DD) 'May 28 2019'"),
    ("2019", "partial date '2019': give year, month and day (YYYY-MM-DD)"),
    ("2019-05", "partial date '2019-05': give year, month and day (YYYY-MM-DD)"),
    ("05/06/2019", "date '05/06/2019' is not ISO (YYYY-MM-DD): day and month order is ambiguous"),
    ("28/05/2019", "date '28/05/2019' is not ISO (YYYY-MM-DD): day and month order is ambiguous"),
    ("2019-02-30", "not a calendar date '2019-02-30' (YYYY-MM-DD)"),
])
def test_bad_dates(tmp_path, capsys, value, rule):
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 2, "date", value))
    assert _check(folder, capsys) == [f"peer_figures.csv:2:date: {rule}"]


def test_future_date_is_after_today_not_after_a_fixed_year(tmp_path, capsys):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 2, "date", tomorrow))
    assert _check(folder, capsys) == [f"peer_figures.csv:2:date: date {tomorrow} is after today "
                                      f"({dt.date.today().isoformat()})"]
    assert check_cell({"name": "d", "type": "date"}, dt.date.today().isoformat())[1] is None


def _date_bounds(**bounds):
    def edit(pkg):
        for f in pkg["resources"][0]["schema"]["fields"]:
            if f["name"] == "date":
                f["constraints"].update(bounds)
    return edit


def test_date_bounds_are_compared_to_the_day(tmp_path, capsys):
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 2, "date", "2012-01-15"),
                     package=_date_bounds(minimum="2012-06-01"))
    assert _check(folder, capsys) == ["peer_figures.csv:2:date: value 2012-01-15 out of range (must be >= 2012-06-01)"]


def test_one_sided_date_bound(tmp_path, capsys):
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 2, "date", "2020-01-01"),
                     package=_date_bounds(maximum="2019-12-31"))
    assert _check(folder, capsys) == ["peer_figures.csv:2:date: value 2020-01-01 out of range (must be <= 2019-12-31)"]


# ---- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize("column,value,rule", [
    ("params", "99999999999999999999", "value 99999999999999999999 overflows a 64-bit integer"),
    ("params", "1e30", "value '1e30' is not a whole number written in digits"),
    ("params", "6e7", "value '6e7' is not a whole number written in digits"),
    ("params", "224.5", "value '224.5' is not a whole number"),
    ("labelled_images", "2.24e2", "value '2.24e2' is not a whole number written in digits"),
    ("params", "0", "value 0 out of range (must be >= 1)"),
    ("extra_images", "-5", "value -5 out of range (must be >= 0)"),
])
def test_integer_columns(tmp_path, capsys, column, value, rule):
    folder = _folder(tmp_path, [OVERPARAM], rows=_cell(OVERPARAM, 3, column, value))
    assert _check(folder, capsys) == [f"overparam_models.csv:3:{column}: {rule}"]


def test_number_overflowing_a_float(tmp_path, capsys):
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 4, "value", "1e400"))
    assert _check(folder, capsys) == ["peer_figures.csv:4:value: value 1e400 overflows a 64-bit float"]


@pytest.mark.parametrize("sentinel", ["NaN", "N/A", "-", "?", "null"])
@pytest.mark.parametrize("column", ["value", "note"])
def test_sentinel_strings_in_text_and_number_columns(tmp_path, capsys, sentinel, column):
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 3, column, sentinel))
    assert _check(folder, capsys) == [
        f"peer_figures.csv:3:{column}: placeholder {sentinel!r}: leave the cell empty and say why in the note"]


# ---- rows and keys -------------------------------------------------------------------------------
def test_ragged_rows(tmp_path, capsys):
    def edit(res, records):
        records[2] = records[2][:-1]  # line 3 lost its note
        records[4] = records[4] + ["extra"]  # line 5 has one field too many
        return records
    folder = _folder(tmp_path, [OVERPARAM], rows=edit)
    assert _check(folder, capsys) == ["overparam_models.csv:3:note: short row: 5 fields, the header has 6",
                                      "overparam_models.csv:5:-: long row: 7 fields, the header has 6"]


def test_header_only_table(tmp_path, capsys):
    folder = _folder(tmp_path, [OVERPARAM], rows=lambda res, records: records[:1])
    assert _check(folder, capsys) == ["overparam_models.csv:1:-: header only: the table has no rows"]
    with pytest.raises(DataError, match="no rows"):
        tables.load_overparam_models(folder / "overparam_models.csv")


@pytest.mark.parametrize("twin,rule", [
    ("ALEXNET", "duplicate model 'ALEXNET': differs only in case or whitespace from row 2"),
    ("  AlexNet ", "duplicate model 'AlexNet' (first seen at row 2)"),
    ("alex\tnet", None),
])
def test_duplicate_ids_differing_in_case_or_whitespace(tmp_path, capsys, twin, rule):
    folder = _folder(tmp_path, [OVERPARAM], rows=_cell(OVERPARAM, 4, "model", twin))
    lines = _check(folder, capsys)
    assert lines == ([f"overparam_models.csv:4:model: {rule}"] if rule else [])


def test_near_duplicate_with_inner_whitespace_or_invisible_character(tmp_path, capsys):
    def edit(res, records):
        records[4][0] = records[3][0].replace(" ", "  ", 1)  # 'Noisy  Student (EfficientNet-L2)'
        records[2][0] = "ResNet-50\u200b"
        return records
    folder = _folder(tmp_path, [OVERPARAM], rows=edit)
    assert _check(folder, capsys) == [
        r"overparam_models.csv:3:model: invisible character '\u200b' in 'ResNet-50\u200b'",
        "overparam_models.csv:5:model: duplicate model 'Noisy  Student (EfficientNet-L2)': differs only in case or "
        "whitespace from row 4"]


def test_blank_lines_and_quoted_newlines_do_not_shift_the_row(tmp_path, capsys):
    def edit(res, records):
        records[1][-1] = "first line of the note\nsecond line"  # record 2 spans lines 2-3
        records[3][records[0].index("params")] = "many"  # record 4 starts on line 6 (after the blank)
        return records

    def blank(res, text):
        lines = text.split("\n")
        return "\n".join(lines[:4] + [""] + lines[4:])  # a blank line 5

    folder = _folder(tmp_path, [OVERPARAM], rows=edit, text=blank)
    assert _check(folder, capsys) == ["overparam_models.csv:5:-: blank line",
                                      "overparam_models.csv:6:params: value 'many' is not a whole number"]


def test_every_problem_is_reported_not_only_the_first(tmp_path, capsys):
    def edit(res, records):
        records[1][2] = "x"
        records[3][4] = "2019/01/01"
        records[5][5] = "see id 123456789"
        return records
    folder = _folder(tmp_path, [PEERS], rows=edit)
    assert _check(folder, capsys) == [
        "peer_figures.csv:2:value: non-numeric value 'x'",
        "peer_figures.csv:4:date: date '2019/01/01' is not ISO (write YYYY-MM-DD)",
        "peer_figures.csv:6:source: value 'see id 123456789' does not match pattern ^https?://\\S+$"]
    with pytest.raises(DataError) as err:
        tables.load_peer_figures(folder / "peer_figures.csv")
    assert err.value.row == 2 and len(err.value.problems) == 3 and "(and 2 more problems)" in str(err.value)


# ---- the file as a whole -------------------------------------------------------------------------
@pytest.mark.parametrize("sep,word", [(";", "semicolons"), ("\t", "tabs")])
def test_wrong_delimiter_is_named(tmp_path, capsys, sep, word):
    def edit(res, text):
        return "\n".join(sep.join(rec) for rec in csv.reader(io.StringIO(text))) + "\n"
    folder = _folder(tmp_path, [OVERPARAM], text=edit)
    assert _check(folder, capsys) == [f"overparam_models.csv:1:-: wrong delimiter: the header is separated by {word}; "
                                      "the tables are comma-separated"]


@pytest.mark.parametrize("name,change", [
    ("byte-order mark", lambda res, text: "\ufeff" + text),
    ("CRLF line ends", lambda res, text: text.replace("\n", "\r\n")),
    ("both", lambda res, text: "\ufeff" + text.replace("\n", "\r\n")),
])
def test_bom_and_crlf_are_read_as_the_same_table(tmp_path, capsys, name, change):
    """A spreadsheet's BOM and Windows line ends neither rename the first column, nor leave a CR in the
    last one, nor shift the row: the same table loads, and a bad cell is reported where it is."""
    folder = _folder(tmp_path, [PEERS], text=change)
    assert _check(folder, capsys) == []
    assert tables.load_peer_figures(folder / "peer_figures.csv").equals(tables.load_peer_figures())
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 5, "date", "2012/06/01"), text=change)
    assert _check(folder, capsys) == ["peer_figures.csv:5:date: date '2012/06/01' is not ISO (write YYYY-MM-DD)"]


def test_stray_carriage_return(tmp_path, capsys):
    folder = _folder(tmp_path, [PEERS], text=lambda res, text: text.replace("months,", "months\r,", 1))
    assert _check(folder, capsys) == ["peer_figures.csv:2:-: carriage return (CR) without a line feed"]


def test_header_problems(tmp_path, capsys):
    def edit(res, records):
        records[0][0] = " model"
        records[0][5] = "params"
        return records
    folder = _folder(tmp_path, [OVERPARAM], rows=edit)
    assert _check(folder, capsys) == [
        "overparam_models.csv:1:model: header ' model' has whitespace around the name",
        "overparam_models.csv:1:params: duplicate column name in the header",
        "overparam_models.csv:-:note: missing column"]


# ---- provenance ----------------------------------------------------------------------------------
@pytest.mark.parametrize("text,hit", [
    ("Table 2 (read via id 123456789)", "id 123456789"),
    ("ids 1234567890 and 1234567891", "ids 1234567890"),
    ("value found on 2025-11-02", "found on 2025-11"),
    ("retrieved in March 2025 from the site", "retrieved in March 2025"),
    ("checked in this session", "session"),
])
def test_provenance_text_rejects_lookup_ids_and_when_found(tmp_path, capsys, text, hit):
    folder = _folder(tmp_path, [PEERS], rows=_cell(PEERS, 3, "note", text))
    assert _check(folder, capsys) == [f"peer_figures.csv:3:note: provenance text {hit!r} is not a public source "
                                      "(URL, DOI or arXiv id with table or page)"]


def test_curated_value_is_checked_against_its_target_column(tmp_path, capsys):
    def edit(res, records):
        if res != "paper_values_d1":
            return records
        records.append(["ResNet-50", "epochs", "-1", "arXiv:1512.03385", "reported", "Sec. 3.4"])
        records.append(["ResNet-50", "publication_date", "12/10/2015", "arXiv:1512.03385", "reported", "v1"])
        return records
    folder = _folder(tmp_path, ["paper_values_d1", "imagenet_models", "hardware"], rows=edit)
    n = len((paths.DATA / "curated" / "paper_values_d1.csv").read_text(encoding="utf-8").splitlines())
    assert _check(folder, capsys) == [
        f"curated/paper_values_d1.csv:{n + 1}:value: epochs: value -1 out of range (must be > 0)",
        f"curated/paper_values_d1.csv:{n + 2}:value: publication_date: date '12/10/2015' is not ISO (YYYY-MM-DD): "
        "day and month order is ambiguous"]


def test_cross_column_rules_of_the_package(tmp_path, capsys):
    def edit(res, records):
        if res == "label_noise":
            records[1][records[0].index("value_pct")] = "9.5"
            records[2][records[0].index("headline")] = "yes"
        return records
    folder = _folder(tmp_path, ["label_noise"], rows=edit)
    lines = _check(folder, capsys)
    assert len(lines) == 2
    assert lines[0].startswith("label_noise.csv:2:value_pct: value_pct 9.5 is not count / total x 100")
    assert lines[1] == "label_noise.csv:3:headline: exactly one row must have headline = yes (found 2)"


def test_make_check_data_runs_the_check():
    text = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    assert "check-data:" in text and "-m analysis.validate" in text


def test_build_refuses_a_malformed_curated_file_and_excludes_a_bad_value(tmp_path):
    """The build reads curated files through the same check: a ragged row stops it, naming the line;
    a value that breaks its target column's rule is excluded with the reason (never used silently)."""
    from analysis.build import inputs

    header = "model,field,value,source,status,note\n"
    (tmp_path / "a.csv").write_text(header + "X,epochs,90,arXiv:1234.56789,reported,ok\nX,epochs,90\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        inputs.read_curated([], set(), {}, folder=tmp_path, files=["a.csv"])
    assert (err.value.row, err.value.column) == (3, "source") and "short row" in err.value.rule
    (tmp_path / "b.csv").write_text(header + "X,publication_date,2019-05,arXiv:1234.56789,reported,v1\n",
                                    encoding="utf-8")
    excluded: list[dict] = []
    assert inputs.read_curated(excluded, set(), {}, folder=tmp_path, files=["b.csv"]) == []
    assert excluded == [{"origin": "curated/b.csv", "row": 2, "model": "X",
                         "reason": "publication_date: partial date '2019-05': give year, month and day (YYYY-MM-DD)"}]


def test_hardware_rules_from_the_package(tmp_path, capsys):
    def edit(res, records):
        h = records[0]
        row = next(r for r in records[1:] if r[h.index("burden_precision")] == "fp32")
        row[h.index("burden_precision")] = ""
        return records
    folder = _folder(tmp_path, ["hardware"], rows=edit)
    lines = _check(folder, capsys)
    assert len(lines) == 1 and lines[0].endswith(":burden_precision: burden_peak_flops given without burden_precision")
