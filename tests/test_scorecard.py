"""The claims ledger and the scorecard: every rule on constructed cases (boundaries included),
every ledger row resolving to glued keys, the page's links and filter markup."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analysis import scorecard, scorecard_page, tables
from analysis import scorecard as sc
from analysis.scorecard import NOT_REPRODUCED, NOT_TESTABLE, PARTLY, REPRODUCED, judge, parse_rule
from analysis.validate import DataError

BACKTEST_KEYS = {"backtest_best_error_2025", "backtest_best_error_2025_confirmed", "backtest_forecast_error_2025",
                 "backtest_forecast_error_2025_ci_low", "backtest_forecast_error_2025_ci_high",
                 "backtest_compute_fit_oos_log10"}


def v(rule, published, *values):
    return judge(rule, published, tuple(values))[0]


# ------------------------------------------------------------------ rules, constructed cases
def test_within_factor_is_inclusive_on_both_sides():
    assert v("within_factor:3", 2.0, 6.0) == REPRODUCED  # exactly F times
    assert v("within_factor:3", 3.0, 1.0) == REPRODUCED  # exactly 1/F
    assert v("within_factor:3", 2.0, 6.000001) == NOT_REPRODUCED
    assert v("within_factor:3", 3.0, 0.999999) == NOT_REPRODUCED
    assert v("within_factor:1", 5.0, 5.0) == REPRODUCED


def test_within_factor_with_interval_is_partly_when_only_the_interval_reaches():
    assert v("within_factor:10", 1e28, 1.1786e29, 3.8e26, 4.2e34) == PARTLY
    assert v("within_factor:10", 1e28, 2e29, 1.1e29, 4e34) == NOT_REPRODUCED  # interval starts above 1e29
    assert v("within_factor:10", 1e28, 2e29, 1e29, 4e34) == PARTLY  # touches the band's edge
    assert v("within_factor:10", 1e28, 5e28, 1e20, 1e40) == REPRODUCED


def test_ratio_rules_refuse_non_positive_values():
    with pytest.raises(ValueError, match="positive"):
        judge("within_factor:3", 1.0, (-1.0,))
    with pytest.raises(ValueError, match="positive"):
        judge("same_order_of_magnitude", 0.0, (1.0,))


def test_same_order_of_magnitude_is_half_a_decade():
    assert v("same_order_of_magnitude", 1.0, 3.16) == REPRODUCED
    assert v("same_order_of_magnitude", 1.0, 3.17) == NOT_REPRODUCED
    assert v("same_order_of_magnitude", 10.0, 3.17) == REPRODUCED
    assert v("same_order_of_magnitude", 10.0, 3.16) == NOT_REPRODUCED


def test_within_abs_boundaries_and_interval():
    assert v("within_abs:1", 2025, 2024.0) == REPRODUCED
    assert v("within_abs:1", 2025, 2026.0) == REPRODUCED
    assert v("within_abs:1", 2029, 2030.13) == NOT_REPRODUCED
    assert v("within_abs:1", 2025, 2027.0, 2026.0, 2029.0) == PARTLY
    assert v("within_abs:1", 2025, 2027.0, 2026.5, 2029.0) == NOT_REPRODUCED
    assert v("within_abs:0", 3.0, 3.0) == REPRODUCED


def test_inside_ci_with_point_or_range():
    assert v("inside_ci", 100.0, 102.5, 97.1, 108.4) == REPRODUCED
    assert v("inside_ci", 97.1, 102.5, 97.1, 108.4) == REPRODUCED  # on the low end
    assert v("inside_ci", 108.4, 102.5, 97.1, 108.4) == REPRODUCED  # on the high end
    assert v("inside_ci", 97.0, 102.5, 97.1, 108.4) == NOT_REPRODUCED
    assert v("inside_ci", 1e28, 8.8e24, 1.4e29) == REPRODUCED  # a range, no point
    with pytest.raises(ValueError, match="above high"):
        judge("inside_ci", 1.0, (3.0, 2.0))
    with pytest.raises(ValueError, match="takes 2 or 3"):
        judge("inside_ci", 1.0, (3.0,))


def test_at_least_point_and_interval():
    assert v("at_least", 4.0, 4.0) == REPRODUCED  # the bound itself counts
    assert v("at_least", 4.0, 3.999) == NOT_REPRODUCED
    assert v("at_least", 9.0, 10.685, 8.91, 13.3) == PARTLY
    assert v("at_least", 4.0, 5.2, 4.0, 6.3) == REPRODUCED  # interval starts on the bound
    assert v("at_least", 4.0, 2.99, 1.6, 4.39) == NOT_REPRODUCED
    assert "only its interval reaches it" in judge("at_least", 4.0, (2.99, 1.6, 4.39))[1]


def test_at_most_point_and_interval():
    assert v("at_most", 5.0, 5.0) == REPRODUCED
    assert v("at_most", 5.0, 6.4) == NOT_REPRODUCED
    assert v("at_most", 5.0, 4.0, 3.0, 5.0) == REPRODUCED
    assert v("at_most", 5.0, 4.0, 3.0, 5.1) == PARTLY
    assert v("at_most", 5.0, 5.1, 3.0, 7.0) == NOT_REPRODUCED


def test_sign_agrees():
    assert v("sign_agrees", 1.0, 1.5) == REPRODUCED
    assert v("sign_agrees", -1.0, -0.2) == REPRODUCED
    assert v("sign_agrees", 1.0, 0.0) == NOT_REPRODUCED  # zero has no sign
    assert v("sign_agrees", 1.0, -0.17, -1.1, 0.79) == NOT_REPRODUCED
    assert v("sign_agrees", 1.0, 0.5, -0.1, 1.0) == PARTLY
    assert v("sign_agrees", 1.0, 0.5, 0.0, 1.0) == PARTLY  # an interval touching zero does not exclude it
    with pytest.raises(ValueError, match="no sign"):
        judge("sign_agrees", 0.0, (1.0,))


def test_not_testable_keeps_its_reason():
    assert judge("not_testable:outside the report", 1.0, ()) == (NOT_TESTABLE, "outside the report")
    assert judge("not_testable:why", 1.0, (5.0,))[0] == NOT_TESTABLE  # keys only show context


@pytest.mark.parametrize("bad", ["within_factor", "within_factor:x", "within_factor:0.5", "within_abs:-1",
                                 "at_least:3", "no_such_rule", "all_of:", "all_of:a,,b", "not_testable"])
def test_malformed_rules_are_refused(bad):
    with pytest.raises(ValueError):
        parse_rule(bad)


def test_point_outside_its_own_interval_is_an_error():
    with pytest.raises(ValueError, match="not inside its interval"):
        judge("at_least", 1.0, (5.0, 6.0, 7.0))


def test_non_finite_values_are_an_error():
    with pytest.raises(ValueError, match="finite"):
        judge("at_least", 1.0, (math.nan,))


# ------------------------------------------------------------------ scoring a constructed ledger
def ledger(rows):
    cols = ["claim_id", "chapter", "claim", "value", "unit", "source", "wording_checked", "result_keys", "rule",
            "enabled", "note"]
    return pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols).set_index("claim_id")


def row(cid, value, keys, rule, enabled="yes", chapter="k2_data_bound"):
    return (cid, chapter, f"claim {cid}", value, "u", "https://example.org", "yes", keys, rule, enabled, "")


def test_all_of_combines_its_parts():
    led = ledger([row("a", 1.0, "x", "at_least"), row("b", 1.0, "y", "at_least"), row("c", 1.0, "", "not_testable:n"),
                  row("both", 1.0, "", "all_of:a,b,c"), row("one", 1.0, "", "all_of:a")])
    assert sc.score_claims(led, {"x": 2.0, "y": 0.5}).set_index("claim_id").loc["both", "verdict"] == PARTLY
    assert sc.score_claims(led, {"x": 2.0, "y": 2.0}).set_index("claim_id").loc["both", "verdict"] == REPRODUCED
    out = sc.score_claims(led, {"x": 0.5, "y": 0.5}).set_index("claim_id")
    assert out.loc["both", "verdict"] == NOT_REPRODUCED and out.loc["one", "verdict"] == NOT_REPRODUCED
    assert "0 of 2 parts" in out.loc["both", "why"]  # the untestable part is left out


def test_a_row_pointing_at_a_missing_key_fails_naming_row_and_key():
    led = ledger([row("a", 1.0, "x;x_low;x_high", "at_least"), row("b", 1.0, "nope", "at_least")])
    with pytest.raises(ValueError, match=r"b: result key\(s\) not in the results: nope"):
        sc.score_claims(led, {"x": 2.0, "x_low": 1.5, "x_high": 3.0})


def test_ledger_problems_catch_bad_rules_counts_and_all_of_targets():
    led = ledger([row("a", 1.0, "x", "at_leest"), row("b", 1.0, "x;x", "inside_ci"),
                  row("c", 1.0, "x", "within_abs:1"), row("d", 1.0, "", "all_of:c,zzz"),
                  row("e", 1.0, "", "all_of:d")])
    problems = "\n".join(sc.ledger_problems(led, {"x": 1.0}))
    assert "a: unknown rule 'at_leest'" in problems
    assert "unknown row 'zzz'" in problems
    assert "all_of row 'd' must be enabled and not itself all_of" in problems
    led = ledger([row("f", 1.0, "x;x", "at_least")])
    assert "takes (1, 3) keys, the row has 2" in sc.ledger_problems(led, {"x": 1.0})[0]


def test_disabled_rows_are_not_scored_and_must_be_enabled_once_their_keys_exist():
    led = ledger([row("a", 1.0, "x", "at_least"), row("later", 5.0, "bt", "at_most", enabled="no")])
    out = sc.score_claims(led, {"x": 2.0})
    assert list(out["claim_id"]) == ["a"]
    problems = sc.ledger_problems(led, {"x": 2.0, "bt": 6.4})
    assert problems == ["later: disabled, but all its keys exist (bt): set enabled=yes"]


def test_results_json_entries_and_plain_numbers_score_alike():
    led = ledger([row("a", 100.0, "m;lo;hi", "inside_ci")])
    plain = sc.score_claims(led, {"m": 102.5, "lo": 97.1, "hi": 108.4})
    entries = {k: {"value": x, "chapter": "notebooks/k2_data_bound"} for k, x in
               {"m": 102.5, "lo": 97.1, "hi": 108.4}.items()}
    rich = sc.score_claims(led, entries)
    assert plain["verdict"].tolist() == rich["verdict"].tolist() == [REPRODUCED]
    assert rich["key_chapter"].iloc[0] == "notebooks/k2_data_bound"
    assert rich["ours"].iloc[0] == "102.5 [97.1, 108.4]"


def test_verdict_counts_cover_every_verdict():
    led = ledger([row("a", 1.0, "x", "at_least"), row("b", 1.0, "", "not_testable:n")])
    counts = sc.verdict_counts(sc.score_claims(led, {"x": 2.0}))
    assert counts == {REPRODUCED: 1, PARTLY: 0, NOT_REPRODUCED: 0, NOT_TESTABLE: 1, "total": 2}


# ------------------------------------------------------------------ the real ledger
def test_ledger_loads_with_its_schema():
    claims = tables.load_article_claims()
    assert len(claims) >= 60
    assert claims["source"].str.startswith("https://").all()
    assert set(claims["chapter"]) <= set(scorecard.CLAIM_CHAPTERS)
    for cid, r in claims.iterrows():
        parse_rule(r["rule"])  # every rule parses


def test_ledger_has_the_four_arguments_and_every_chapter():
    claims = tables.load_article_claims()
    for cid in ("k2_exponent", "k4_exponent", "empirical_exponent", "compute_at_5pct", "cost_at_5pct", "year_at_5pct"):
        assert cid in claims.index and claims.loc[cid, "enabled"] == "yes", cid
    chapters = set(claims.loc[claims["enabled"] == "yes", "chapter"])
    assert {"k2_data_bound", "overparameterization", "evidence", "ninth_power", "extrapolation", "cost",
            "article_arithmetic"} <= chapters


def test_every_enabled_ledger_row_resolves_to_glued_keys():
    results, _ = scorecard_page.glued_results()
    problems = sc.ledger_problems(tables.load_article_claims(), results)
    assert not problems, "\n".join(problems)


def test_backtest_claims_are_in_the_ledger_and_only_they_may_wait():
    # Holds before and after the back-test chapter is merged (then its rows are enabled: see
    # test_every_enabled_ledger_row_resolves_to_glued_keys, which fails while they are not).
    claims = tables.load_article_claims()
    referenced = {k for cell in claims["result_keys"] for k in sc.split_keys(cell)}
    assert BACKTEST_KEYS <= referenced
    waiting = claims[claims["enabled"] == "no"]
    assert set(waiting["chapter"]) <= {"backtest"}
    assert {k for cell in waiting["result_keys"] for k in sc.split_keys(cell)} <= BACKTEST_KEYS


def test_bad_ledger_row_names_file_row_and_column(tmp_path):
    path = tmp_path / "claims.csv"
    text = tables.CLAIMS_FILE.read_text(encoding="utf-8").splitlines()
    header, first = text[0], text[1]
    path.write_text("\n".join([header, first.replace(",yes,", ",maybe,", 1)]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"claims.csv, row 2, column 'wording_checked'"):
        tables.load_article_claims(path)


# ------------------------------------------------------------------ where the numbers come from, links, page
def test_results_from_glue_dir_reads_numbers_only_and_skips_the_scorecard(tmp_path):
    from analysis.numbers import number_bundle

    _, meta = number_bundle("k2_slope_mean", -0.497289, "")
    data = {"text/plain": "-0.497289"}  # myst-nb's glue files hold the plain MIME type
    chart = {"data": {"text/html": "<div/>"}, "metadata": {"scrapbook": {"name": "fig"}}}
    folder = tmp_path / "notebooks"
    folder.mkdir()
    (folder / "k2_data_bound.glue.json").write_text(json.dumps({"k2_slope_mean": {"data": data, "metadata": meta},
                                                                "fig": chart}))
    (folder / "scorecard.glue.json").write_text(json.dumps({"claims_total": {"data": data, "metadata": meta}}))
    (folder / "removed_chapter.glue.json").write_text(json.dumps({"old": {"data": data, "metadata": meta}}))
    out = scorecard_page.results_from_glue_dir(tmp_path)
    assert out == {"k2_slope_mean": {"value": -0.497289, "unit": "", "chapter": "notebooks/k2_data_bound",
                                     "page": "notebooks/k2_data_bound.html"}}


def test_section_anchor_finds_the_section_that_shows_a_key():
    md = ("# Title\n\nIntro {glue:text}`early:.1f`.\n\n```{code-cell}\n# not a heading {glue:text}`x`\n```\n\n"
          "## What moves $\\gamma$, and why\n\nIt is {glue:text}`x:.2f` and {glue}`y`.\n")
    assert scorecard_page.section_anchor(md, "x") == "what-moves-gamma-and-why"
    assert scorecard_page.section_anchor(md, "y") == "what-moves-gamma-and-why"
    assert scorecard_page.section_anchor(md, "early") is None  # before the first section: the page
    assert scorecard_page.section_anchor(md, "absent") is None
    assert scorecard_page.section_anchor(md, "x_low") is None  # a prefix is not the key


def test_page_html_filters_offline_and_links_relative():
    led = ledger([row("a", 1.0, "x", "at_least"), row("b", 1.0, "", "not_testable:n", chapter="none")])
    scored = sc.score_claims(led, {"x": {"value": 2.0, "chapter": "notebooks/k2_data_bound"}})
    linked = scorecard_page.add_links(scored)
    text = scorecard_page.scorecard_html(linked)
    assert 'data-chapter="k2_data_bound" data-verdict="reproduced"' in text
    assert 'data-chapter="none" data-verdict="not testable"' in text
    assert 'href="k2_data_bound.html' in text
    assert "<script>" in text and "src=" not in text  # inline, nothing fetched
    export = scorecard_page.scorecard_records(linked, sc.verdict_counts(scored))
    assert export["counts"]["total"] == 2 and export["claims"][0]["link"].startswith("notebooks/k2_data_bound.html")


def test_ledger_schema_knows_every_chapter_and_its_rule_pattern_holds():
    import re
    from pathlib import Path

    import yaml

    from analysis import paths

    pkg = json.loads((paths.DATA / "datapackage.json").read_text(encoding="utf-8"))
    entry = next(r for r in pkg["resources"] if r["path"] == "article_claims.csv")
    fields = entry["schema"]["fields"]
    header = tables.CLAIMS_FILE.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [f["name"] for f in fields] == header
    toc = yaml.safe_load((paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    chapters = {Path(c["file"]).name for part in toc["parts"] for c in part["chapters"]
                if c["file"].startswith("notebooks/")} - {"scorecard"}
    assert chapters <= set(scorecard.CLAIM_CHAPTERS), "a chapter of the book cannot own a ledger row"
    by_name = {f["name"]: f for f in fields}
    pattern = re.compile(by_name["rule"]["constraints"]["pattern"])
    claims = tables.load_article_claims()
    assert all(pattern.match(r) for r in claims["rule"]), "a ledger rule breaks the datapackage pattern"
