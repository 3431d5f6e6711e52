"""The built scorecard: its export beside results.json, its links, and its filters in a browser."""

from __future__ import annotations

import json
import re

import pytest

from analysis import scorecard, scorecard_page, tables

pytestmark = pytest.mark.site

COUNT_KEYS = {"total": "claims_total", scorecard.REPRODUCED: "claims_reproduced", scorecard.PARTLY: "claims_partly",
              scorecard.NOT_REPRODUCED: "claims_not_reproduced", scorecard.NOT_TESTABLE: "claims_not_testable"}


def _load(built_site):
    results = json.loads((built_site.html / "results.json").read_text(encoding="utf-8"))
    export = json.loads((built_site.html / "scorecard.json").read_text(encoding="utf-8"))
    return results, export


def test_scorecard_json_agrees_with_results_json_and_the_glued_counts(built_site):
    results, export = _load(built_site)
    for verdict, key in COUNT_KEYS.items():
        assert export["counts"][verdict] == results[key]["value"], key
    assert results["claims_total"]["chapter"] == "notebooks/scorecard"
    # recomputed from results.json by the same function: the export is not stale
    again = scorecard.score_claims(tables.load_article_claims(), results)
    assert [c["verdict"] for c in export["claims"]] == again["verdict"].tolist()
    assert [c["claim_id"] for c in export["claims"]] == again["claim_id"].tolist()
    assert results["claims_total"]["value"] >= 60


def test_every_scorecard_link_reaches_its_section(built_site):
    _, export = _load(built_site)
    linked = [c for c in export["claims"] if c["link"]]
    assert len(linked) > 40
    ids: dict[str, set[str]] = {}
    for claim in linked:
        page, _, anchor = claim["link"].partition("#")
        path = built_site.html / page
        assert path.exists(), f"{claim['claim_id']}: {page} not built"
        if page not in ids:
            ids[page] = set(re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")))
        if anchor:
            assert anchor in ids[page], f"{claim['claim_id']}: no id {anchor!r} on {page}"
    numbers = set(re.findall(r'\bid="([^"]+)"', (built_site.html / "book" / "numbers.html").read_text(encoding="utf-8")))
    for claim in export["claims"]:
        if claim["number_link"]:
            assert claim["number_link"].partition("#")[2] in numbers, claim["claim_id"]
    html = (built_site.html / "notebooks" / "scorecard.html").read_text(encoding="utf-8")
    assert html.count("<tr id=\"claim-") == len(export["claims"])


def test_scorecard_filters_work_offline(built_site, browser):
    results, export = _load(built_site)
    page = browser.new_page()
    external = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            external.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    try:
        page.goto((built_site.html / "notebooks" / "scorecard.html").as_uri(), wait_until="load")
        visible = "document.querySelectorAll('#scorecard tbody tr:not([hidden])').length"
        assert page.evaluate(visible) == results["claims_total"]["value"]
        page.select_option("#scorecard select[name=verdict]", scorecard.NOT_REPRODUCED)
        assert page.evaluate(visible) == results["claims_not_reproduced"]["value"]
        assert page.inner_text("#scorecard .sc-shown") == str(results["claims_not_reproduced"]["value"])
        page.select_option("#scorecard select[name=verdict]", "")
        page.select_option("#scorecard select[name=chapter]", "k2_data_bound")
        expected = sum(c["chapter"] == "k2_data_bound" for c in export["claims"])
        assert expected > 0 and page.evaluate(visible) == expected
        assert external == []
    finally:
        page.close()
