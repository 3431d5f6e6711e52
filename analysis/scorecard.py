"""The scorecard: a verdict for every claim of the ledger, computed from the report's own numbers.

The ledger is ``data/article_claims.csv`` (loaded by :func:`analysis.tables.load_article_claims`): one
row per quantitative claim of the article, the paper, or a chapter's variant of them, with the
published value, the ``result_keys`` (``results.json`` keys, ``;``-separated) that test it and the
``rule`` that turns our value into a verdict. Verdicts are never typed; :func:`judge` computes them.

Rules (a closed vocabulary; every comparison is inclusive at its boundary):

``within_factor:F``
    Reproduced when ours / published lies in [1/F, F]. With three keys (value, low, high):
    partly reproduced when the point is outside but the interval meets [published/F, published*F].
``within_abs:D``
    Reproduced when |ours - published| <= D (same units, e.g. years). With an interval: partly
    reproduced when the interval meets [published - D, published + D].
``same_order_of_magnitude``
    ``within_factor`` with F = sqrt(10): the two round to the same power of ten or neighbours
    within half a decade, |log10(ours / published)| <= 0.5.
``inside_ci``
    Reproduced when low <= published <= high (keys: value, low, high; or low, high for a range).
``at_least`` / ``at_most``
    The claim is a bound. One key: reproduced when ours >= (<=) published. Three keys: reproduced
    when the whole interval is on the claimed side, partly when only the point estimate is.
``sign_agrees``
    Ours has the published value's sign (zero has none). With an interval: reproduced when the
    whole interval has it, partly when only the point has it.
``all_of:ID,ID,...``
    The claim stands for several rows: reproduced when all of them are, not reproduced when none
    is (rows not testable are left out), partly otherwise. Its ``result_keys`` are empty.
``not_testable:WHY``
    No number of the report can decide it; its keys, if any, only show context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

REPRODUCED, PARTLY, NOT_REPRODUCED, NOT_TESTABLE = "reproduced", "partly reproduced", "not reproduced", "not testable"
VERDICTS = (REPRODUCED, PARTLY, NOT_REPRODUCED, NOT_TESTABLE)
#: rule name -> whether it takes a parameter after ":"
RULES = {"within_factor": True, "within_abs": True, "same_order_of_magnitude": False, "inside_ci": False,
         "at_least": False, "at_most": False, "sign_agrees": False, "all_of": True, "not_testable": True}
#: how many result keys each rule accepts (all_of takes none; not_testable any number)
RULE_KEYS = {"within_factor": (1, 3), "within_abs": (1, 3), "same_order_of_magnitude": (1, 3),
             "inside_ci": (2, 3), "at_least": (1, 3), "at_most": (1, 3), "sign_agrees": (1, 3), "all_of": (0,)}
HALF_DECADE = math.sqrt(10.0)


def _claim_chapters() -> tuple[str, ...]:
    """Chapters a ledger row can belong to, read from the ledger's schema in ``data/datapackage.json``
    ("none": a claim that no chapter of the report tests)."""
    from . import tables

    fields = tables.find_resource("article_claims", tables.load_datapackage())["schema"]["fields"]
    return tuple(next(f for f in fields if f["name"] == "chapter")["constraints"]["enum"])


#: chapters a ledger row can belong to (the schema's enum of the ``chapter`` column)
CLAIM_CHAPTERS = _claim_chapters()


@dataclass(frozen=True)
class Rule:
    """A parsed ledger rule: its name and its parameter (a number, row ids, or a reason)."""

    name: str
    param: Any = None


def parse_rule(text: str) -> Rule:
    """Parse a ledger ``rule`` cell; raise ``ValueError`` naming what is wrong.

    >>> parse_rule("within_factor:3")
    Rule(name='within_factor', param=3.0)
    >>> parse_rule("all_of:a,b").param
    ('a', 'b')
    """
    name, sep, param = str(text).strip().partition(":")
    if name not in RULES:
        raise ValueError(f"unknown rule {name!r} (known: {', '.join(RULES)})")
    if RULES[name] and not (sep and param.strip()):
        raise ValueError(f"rule {name!r} needs a parameter after ':'")
    if not RULES[name] and sep:
        raise ValueError(f"rule {name!r} takes no parameter")
    if name in ("within_factor", "within_abs"):
        try:
            value = float(param)
        except ValueError:
            raise ValueError(f"rule {name!r}: parameter {param!r} is not a number") from None
        if not math.isfinite(value) or (name == "within_factor" and value < 1) or value < 0:
            raise ValueError(f"rule {name!r}: parameter {param!r} out of range")
        return Rule(name, value)
    if name == "all_of":
        ids = tuple(p.strip() for p in param.split(","))
        if not all(ids):
            raise ValueError(f"rule 'all_of': empty row id in {param!r}")
        return Rule(name, ids)
    return Rule(name, param.strip() or None)


def _point_interval(values: tuple[float, ...]) -> tuple[float, float | None, float | None]:
    if len(values) == 3:
        return values[0], values[1], values[2]
    return values[0], None, None


def _band(low: float, high: float, point: float, lo: float | None, hi: float | None,
          what: str) -> tuple[str, str]:
    if low <= point <= high:
        return REPRODUCED, f"ours is {what}"
    if lo is not None and lo <= high and hi >= low:
        return PARTLY, f"ours is not {what}, but its interval reaches it"
    return NOT_REPRODUCED, f"ours is not {what}" + (" and neither is its interval" if lo is not None else "")


def judge(rule: Rule | str, published: float, values: tuple[float, ...]) -> tuple[str, str]:
    """The verdict of one claim and why, from its rule, published value and our value(s).

    ``values`` are the numbers of the row's result keys, in ledger order. ``all_of`` rows are
    decided by :func:`score_claims`, which knows the other rows.

    >>> judge("within_factor:3", 100.0, (250.0,))
    ('reproduced', 'ours is within a factor of 3 of the published value')
    >>> judge("at_least", 9.0, (10.7, 8.9, 13.3))[0]
    'partly reproduced'
    """
    rule = parse_rule(rule) if isinstance(rule, str) else rule
    if rule.name == "not_testable":
        return NOT_TESTABLE, str(rule.param)
    if rule.name == "all_of":
        raise ValueError("all_of rows are judged from other rows: use score_claims")
    allowed = RULE_KEYS[rule.name]
    if len(values) not in allowed:
        raise ValueError(f"rule {rule.name!r} takes {' or '.join(map(str, allowed))} result keys, got {len(values)}")
    values = tuple(float(v) for v in values)
    if not all(math.isfinite(v) for v in values) or not math.isfinite(published):
        raise ValueError(f"rule {rule.name!r}: values must be finite, got {published!r} and {values!r}")
    if rule.name == "inside_ci":
        lo, hi = values[-2], values[-1]
        if lo > hi:
            raise ValueError(f"rule 'inside_ci': interval low {lo!r} above high {hi!r}")
        if lo <= published <= hi:
            return REPRODUCED, "the published value is inside our interval"
        return NOT_REPRODUCED, "the published value is outside our interval"
    point, lo, hi = _point_interval(values)
    if lo is not None and not lo <= point <= hi:
        raise ValueError(f"rule {rule.name!r}: point {point!r} is not inside its interval [{lo!r}, {hi!r}]")
    if rule.name in ("within_factor", "same_order_of_magnitude"):
        factor = HALF_DECADE if rule.name == "same_order_of_magnitude" else rule.param
        if published <= 0 or point <= 0 or (lo is not None and lo <= 0):
            raise ValueError(f"rule {rule.name!r} compares ratios: values must be positive")
        what = ("within half an order of magnitude of the published value" if rule.name == "same_order_of_magnitude"
                else f"within a factor of {rule.param:g} of the published value")
        return _band(published / factor, published * factor, point, lo, hi, what)
    if rule.name == "within_abs":
        d = rule.param
        return _band(published - d, published + d, point, lo, hi,
                     f"within {d:g} of the published value")
    if rule.name in ("at_least", "at_most"):
        sign = 1.0 if rule.name == "at_least" else -1.0
        side = "at or above" if sign > 0 else "at or below"
        bound = lo if sign > 0 else hi
        if sign * (point - published) < 0:
            reach = (hi if sign > 0 else lo) if lo is not None else None
            return NOT_REPRODUCED, f"ours is not {side} the published bound" + (
                " (only its interval reaches it)" if reach is not None and sign * (reach - published) >= 0 else "")
        if bound is None or sign * (bound - published) >= 0:
            return REPRODUCED, f"ours is {side} the published bound" + (" over its whole interval" if bound is not None else "")
        return PARTLY, f"our point estimate is {side} the published bound, but its interval is not"
    if rule.name == "sign_agrees":
        if published == 0:
            raise ValueError("rule 'sign_agrees': the published value has no sign (0)")
        s = math.copysign(1.0, published)
        if point * s <= 0:
            return NOT_REPRODUCED, "ours does not have the published sign"
        if lo is None or (lo * s > 0 and hi * s > 0):
            return REPRODUCED, "ours has the published sign" + (" over its whole interval" if lo is not None else "")
        return PARTLY, "our point estimate has the published sign, but its interval crosses zero"
    raise AssertionError(rule.name)  # pragma: no cover - RULES and this function disagree


def result_value(results: Mapping[str, Any], key: str) -> float:
    """A number from a results mapping whose entries are numbers or ``results.json`` entries."""
    entry = results[key]
    value = entry["value"] if isinstance(entry, Mapping) else entry
    return float(value)


def split_keys(cell: Any) -> tuple[str, ...]:
    """The ``result_keys`` cell as a tuple of keys (empty cell: no keys)."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ()
    return tuple(k.strip() for k in str(cell).split(";") if k.strip())


def format_number(value: float) -> str:
    """A glued value for the scorecard: six significant digits, as published, without noise.

    >>> format_number(2024.91), format_number(1.1786e29), format_number(0.726489), format_number(5.0)
    ('2024.91', '1.1786e+29', '0.726489', '5')
    """
    return f"{value:.6g}"


def _ours_text(values: tuple[float, ...], rule: Rule) -> str:
    if not values:
        return ""
    if len(values) == 3:
        return f"{format_number(values[0])} [{format_number(values[1])}, {format_number(values[2])}]"
    if len(values) == 2 and rule.name == "inside_ci":
        return f"[{format_number(values[0])}, {format_number(values[1])}]"
    return "; ".join(format_number(v) for v in values)


def ledger_problems(ledger: pd.DataFrame, results: Mapping[str, Any]) -> list[str]:
    """Every reason the ledger cannot be scored against ``results`` (empty list: it can).

    Enabled rows: the rule parses, the number of keys fits it, every key is in ``results``,
    ``all_of`` names enabled rows that are not themselves ``all_of``. Disabled rows must name
    at least one key that is *missing* (a disabled row whose keys all exist should be enabled).
    """
    problems = []
    ids = set(ledger.index)
    for cid, row in ledger.iterrows():
        keys = split_keys(row["result_keys"])
        try:
            rule = parse_rule(row["rule"])
        except ValueError as exc:
            problems.append(f"{cid}: {exc}")
            continue
        if row["enabled"] != "yes":
            if keys and all(k in results for k in keys):
                problems.append(f"{cid}: disabled, but all its keys exist ({', '.join(keys)}): set enabled=yes")
            continue
        missing = [k for k in keys if k not in results]
        if missing:
            problems.append(f"{cid}: result key(s) not in the results: {', '.join(missing)}")
        if rule.name in RULE_KEYS and len(keys) not in RULE_KEYS[rule.name]:
            problems.append(f"{cid}: rule {rule.name!r} takes {RULE_KEYS[rule.name]} keys, the row has {len(keys)}")
        if rule.name == "all_of":
            for sub in rule.param:
                if sub not in ids:
                    problems.append(f"{cid}: all_of names unknown row {sub!r}")
                elif ledger.loc[sub, "enabled"] != "yes" or parse_rule(ledger.loc[sub, "rule"]).name == "all_of":
                    problems.append(f"{cid}: all_of row {sub!r} must be enabled and not itself all_of")
    return problems


def _combine(verdicts: list[str]) -> tuple[str, str]:
    tested = [v for v in verdicts if v != NOT_TESTABLE]
    n_ok = sum(v == REPRODUCED for v in tested)
    summary = f"{n_ok} of {len(tested)} parts reproduced"
    if not tested:
        return NOT_TESTABLE, "none of its parts is testable"
    if n_ok == len(tested):
        return REPRODUCED, summary
    if all(v == NOT_REPRODUCED for v in tested):
        return NOT_REPRODUCED, summary
    return PARTLY, summary + (f", {sum(v == PARTLY for v in tested)} partly" if PARTLY in tested else "")


SCORE_COLUMNS = ("claim_id", "chapter", "claim", "published", "unit", "source", "wording_checked", "result_keys",
                 "rule", "ours", "verdict", "why", "key_chapter")


def score_claims(ledger: pd.DataFrame, results: Mapping[str, Any]) -> pd.DataFrame:
    """Our value and the computed verdict of every enabled ledger row.

    ``ledger`` is :func:`analysis.tables.load_article_claims` (indexed by claim id); ``results`` maps
    each result key to its number, or to its ``results.json`` entry (whose ``chapter`` is then
    kept in ``key_chapter``, the chapter that glues the first key). Raises ``ValueError`` listing
    every problem of :func:`ledger_problems` (e.g. a key that no chapter glues).
    """
    problems = ledger_problems(ledger, results)
    if problems:
        raise ValueError("the claims ledger does not resolve against the results:\n  " + "\n  ".join(problems))
    rows: dict[str, dict] = {}
    enabled = ledger[ledger["enabled"] == "yes"]
    for cid, row in enabled.iterrows():
        keys = split_keys(row["result_keys"])
        rule = parse_rule(row["rule"])
        values = tuple(result_value(results, k) for k in keys)
        if rule.name == "all_of":
            verdict, why = None, ""
        else:
            try:
                verdict, why = judge(rule, float(row["value"]), values)
            except ValueError as exc:
                raise ValueError(f"claims ledger row {cid!r}: {exc}") from None
        first = results[keys[0]] if keys else None
        rows[cid] = {"claim_id": cid, "chapter": row["chapter"], "claim": row["claim"], "published": float(row["value"]),
                     "unit": row["unit"], "source": row["source"], "wording_checked": row["wording_checked"],
                     "result_keys": ";".join(keys), "rule": row["rule"], "ours": _ours_text(values, rule),
                     "verdict": verdict, "why": why,
                     "key_chapter": first.get("chapter", "") if isinstance(first, Mapping) else ""}
    for cid, out in rows.items():
        rule = parse_rule(out["rule"])
        if rule.name == "all_of":
            parts = [rows[s]["verdict"] for s in rule.param]
            out["verdict"], out["why"] = _combine(parts)
            out["ours"] = "parts: " + ", ".join(rule.param)
    return pd.DataFrame(list(rows.values()), columns=list(SCORE_COLUMNS))


def verdict_counts(scored: pd.DataFrame) -> dict[str, int]:
    """Claims per verdict, every verdict present (zero when none), plus ``total``."""
    counts = {v: int((scored["verdict"] == v).sum()) for v in VERDICTS}
    counts["total"] = int(len(scored))
    return counts
