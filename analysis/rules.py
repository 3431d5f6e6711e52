"""The project's rules on top of the Frictionless table schemas, as declared in ``data/datapackage.json``.

Keys (``primaryKey`` and ``unique``, compared after folding case, whitespace and invisible
characters), foreign keys, ``x-provenance`` (a value needs its source flag and the reverse),
``x-rules`` (cross-column rules, listed in :data:`RULES`), ``x-provenance-text`` (no look-up ids,
tool names or 'when a value was found' wording in provenance text) and ``x-target`` (a long-format
curated value is checked against the schema of the column it fills). Each function appends
:class:`analysis.validate.Problem` objects to the table; none raises.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from .cells import check_cell
from .validate import Problem, Table, check_table, find_resource

__all__ = ["RULES", "apply_rules", "check_package", "foreign_key_problems", "frictionless_problems", "fold_key"]

INVISIBLE_OR_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00ad]+")


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def fold_key(value) -> str:
    """A key as compared for duplicates: case folded, whitespace collapsed, invisible characters removed."""
    return INVISIBLE_OR_SPACE.sub(" ", str(value)).strip().casefold()


def _keys(table: Table, columns: list[str]) -> None:
    first_exact, first_folded = {}, {}
    for line, *key in _each(table, *columns):
        key = tuple(key)
        if any(_empty(k) for k in key):
            continue
        folded = tuple(fold_key(k) for k in key)
        label = " + ".join(columns)
        shown = key[0] if len(key) == 1 else key
        if key in first_exact:
            table.problems.append(Problem(str(table.path), line, columns[0],
                                          f"duplicate {label} {shown!r} (first seen at row {first_exact[key]})"))
        elif folded in first_folded:
            table.problems.append(Problem(str(table.path), line, columns[0],
                                          f"duplicate {label} {shown!r}: differs only in case or whitespace from "
                                          f"row {first_folded[folded]}"))
        first_exact.setdefault(key, line)
        first_folded.setdefault(folded, line)


def _each(table: Table, *columns: str):
    """(line, values...) of every row whose cells in ``columns`` passed their field checks."""
    bad = {(p.row, p.column) for p in table.problems}
    values = [table.frame[c].tolist() for c in columns]
    for i, line in enumerate(table.lines):
        if not any((line, c) in bad for c in columns):
            yield (line, *(v[i] for v in values))


def _not_greater(table, rule):
    a, b, unless = rule["column"], rule["than"], rule.get("unless")
    for line, x, y, *why in _each(table, a, b, *([unless] if unless else [])):
        if not (_empty(x) or _empty(y)) and x > y and (not unless or _empty(why[0])):
            tail = f" and no {unless} explains it" if unless else ""
            yield line, a, f"{a} ({x:g}) greater than {b} ({y:g}){tail}"


def _requires(table, rule):
    for line, x, y in _each(table, rule["column"], rule["needs"]):
        if not _empty(x) and _empty(y):
            yield line, rule["needs"], f"{rule['column']} given without {rule['needs']}"


def _required_when(table, rule):
    for line, x, flag in _each(table, rule["column"], rule["when"]):
        if flag == rule["equals"] and _empty(x):
            yield line, rule["column"], f"{rule['when']} is {flag!r} but {rule['column']} is empty ({rule['why']})"


def _equals_selected(table, rule):
    col, sel = rule["column"], rule["selector"]
    for line, choice, x, *refs in _each(table, sel, col, *rule["columns"].values()):
        if _empty(choice) or choice not in rule["columns"]:
            continue
        ref = dict(zip(rule["columns"].values(), refs))[rule["columns"][choice]]
        if _empty(x) or _empty(ref) or not math.isclose(x, ref, rel_tol=1e-9):
            yield line, col, f"{col} must equal the {choice} peak of the device ({rule['columns'][choice]})"


def _ratio(table, rule):
    col, num, den = rule["column"], rule["numerator"], rule["denominator"]
    for line, x, n, d in _each(table, col, num, den):
        if not any(_empty(v) for v in (x, n, d)) and d:
            expected = rule.get("scale", 1.0) * float(n) / float(d)
            if abs(expected - x) > rule["tolerance"]:
                yield line, col, f"{col} {x:g} is not {num} / {den} x {rule.get('scale', 1):g} ({expected:.3f})"


def _exactly_one(table, rule):
    hits = [line for line, v in _each(table, rule["column"]) if v == rule["value"]]
    if table.lines and len(hits) != 1:
        yield (hits[1] if len(hits) > 1 else None), rule["column"], \
            f"exactly one row must have {rule['column']} = {rule['value']} (found {len(hits)})"


#: rule name in ``x-rules`` -> function yielding (line, column, rule text)
RULES = {"not_greater": _not_greater, "not_greater_unless": _not_greater, "requires": _requires,
         "required_when": _required_when, "equals_selected": _equals_selected, "ratio": _ratio,
         "exactly_one": _exactly_one}


def _provenance_flags(table: Table, pairs: dict[str, str]):
    for value_col, flag_col in pairs.items():
        for line, value, flag in _each(table, value_col, flag_col):
            if _empty(flag):
                continue
            if not _empty(value) and flag == "empty":
                yield line, flag_col, f"provenance flag missing: {value_col} has a value but {flag_col} is 'empty'"
            elif _empty(value) and flag != "empty":
                yield line, value_col, f"{flag_col} is {flag!r} but {value_col} is empty"


def _provenance_text(table: Table, spec: dict):
    rx = re.compile(spec["pattern"])
    for col in [c for c in spec["columns"] if c in table.frame.columns]:
        for line, text in _each(table, col):
            m = None if _empty(text) else rx.search(str(text))
            if m:
                yield line, col, (f"provenance text {m.group(0)!r} is not a public source (URL, DOI or arXiv id with "
                                  "table or page)")


def _targets(table: Table, spec: dict, package: dict, sentinels):
    fields = {f["name"]: f for f in find_resource(spec["resource"], package)["schema"]["fields"]}
    for line, name, cell in _each(table, spec["field"], spec["value"]):
        target = fields.get(spec.get("rename", {}).get(name, name))
        if target is None or _empty(cell):
            continue
        loose = {**target, "constraints": {k: v for k, v in target.get("constraints", {}).items() if k != "required"}}
        _, problem = check_cell(loose, str(cell), sentinels)
        if problem:
            yield line, spec["value"], f"{name}: {problem}"


def apply_rules(table: Table, res: dict, package: dict, references: dict[str, set] | None = None) -> None:
    """Append to ``table.problems`` every broken key, provenance and ``x-rules`` rule of ``res``."""
    schema = res["schema"]
    if not table.lines:
        return
    present = set(table.frame.columns)
    if schema.get("primaryKey"):
        _keys(table, list(schema["primaryKey"]))
    for f in schema["fields"]:
        if f.get("constraints", {}).get("unique"):
            _keys(table, [f["name"]])
    found = list(_provenance_flags(table, schema.get("x-provenance", {})))
    for rule in schema.get("x-rules", []):
        if "checked_by" in rule:
            continue
        if rule["rule"] not in RULES:
            raise ValueError(f"datapackage.json: unknown x-rule {rule['rule']!r} in {res['name']}")
        found += RULES[rule["rule"]](table, rule)
    if "x-provenance-text" in package:
        found += _provenance_text(table, package["x-provenance-text"])
    if "x-target" in schema and {schema["x-target"]["field"], schema["x-target"]["value"]} <= present:
        found += _targets(table, schema["x-target"], package, frozenset(package.get("x-sentinels", [])))
    table.problems += [Problem(str(table.path), line, col, text) for line, col, text in found]
    if references is not None:
        table.problems += foreign_key_problems(table, res, references)


def foreign_key_problems(table: Table, res: dict, references: dict[str, set]) -> list[Problem]:
    """Values of ``res``'s foreign keys that the referenced table does not hold.

    ``references`` maps ``"resource.field"`` to (file name, set of values).
    """
    out = []
    for fk in res["schema"].get("foreignKeys", []):
        col = fk["fields"][0] if isinstance(fk["fields"], list) else fk["fields"]
        ref_field = fk["reference"]["fields"]
        ref = f"{fk['reference']['resource']}.{ref_field[0] if isinstance(ref_field, list) else ref_field}"
        if ref not in references:
            continue
        ref_file, known = references[ref]
        for line, value in _each(table, col):
            if not _empty(value) and value not in known:
                out.append(Problem(str(table.path), line, col, f"unknown {col} {value!r} (not in {ref_file})"))
    return out


def check_package(folder: Path, package: dict) -> dict[str, Table]:
    """Check every resource of ``package`` with its file under ``folder``; foreign keys included."""
    tables = {res["name"]: check_table(Path(folder) / res["path"], res, package) for res in package["resources"]}
    references = {}
    for res in package["resources"]:
        for fk in res["schema"].get("foreignKeys", []):
            name = fk["reference"]["resource"]
            fields = fk["reference"]["fields"]
            field = fields[0] if isinstance(fields, list) else fields
            if name in tables:
                frame = tables[name].frame
                references[f"{name}.{field}"] = (Path(tables[name].path).name, set(frame[field].dropna()))
    for res in package["resources"]:
        tables[res["name"]].problems += foreign_key_problems(tables[res["name"]], res, references)
    return tables


def frictionless_problems(folder: Path, package: dict, tables: dict[str, Table]) -> list[Problem]:
    """Problems ``frictionless`` finds that the project's checks did not already report.

    Files not read as CSV (missing, encoding, delimiter, stray CR) are left to the project's
    message. Frictionless numbers logical records; they are mapped to physical lines.
    """
    import frictionless

    report = frictionless.Package(package, basepath=str(folder)).validate()
    out = []
    for task in report.tasks:
        table = tables.get(task.name)
        if table is None or not table.record_lines:  # not read as CSV: the project's message says why
            continue
        flagged = {(p.row, p.column) for p in table.problems} | {(p.row, None) for p in table.problems}
        for err in task.errors:
            row = getattr(err, "row_number", None)
            line = table.record_lines[row - 1] if row and row <= len(table.record_lines) else row
            col = getattr(err, "field_name", None) or getattr(err, "label", None)
            if (line, col) in flagged or (line, None) in flagged or (None, col) in flagged:
                continue
            out.append(Problem(str(table.path), line, col, f"frictionless {err.type}: {err.note}"))
    return out
