"""The book's renderer: deterministic, offline, with alt text, and refusing unstable names."""

from __future__ import annotations

import base64
import re

import altair as alt
import pandas as pd
import pytest

from analysis import charts
from analysis.charts.arithmetic import arithmetic_multiplier_chart


def _chart(description="A line of y against x.", param_name="k"):
    param = alt.param(name=param_name, value=1, bind=alt.binding_range(min=0, max=2, step=0.5, name="k "))
    return (
        alt.Chart(pd.DataFrame({"x": [1, 2, 3], "y": [2, 4, 6]}))
        .mark_line()
        .encode(x="x:Q", y="y:Q")
        .add_params(param)
        .properties(description=description)
    )


def test_enable_activates_theme_and_renderer():
    charts.enable()
    assert alt.theme.active == charts.THEME
    assert alt.renderers.active == charts.RENDERER


def test_output_is_deterministic_and_has_three_mime_types():
    first = charts.report_renderer(_chart().to_dict())
    second = charts.report_renderer(_chart().to_dict())
    assert set(first) == {"text/html", "image/png", "text/plain"}
    assert first["text/html"] == second["text/html"]
    assert base64.b64decode(first["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_has_no_network_reference_and_carries_alt_text():
    html = charts.render_html(_chart().to_dict())
    assert not re.search(r"<script[^>]+src=", html)
    assert "cdn" not in html.lower()
    assert 'aria-label="A line of y against x."' in html
    assert 'class="report-chart"' in html


def test_chart_id_depends_on_the_spec():
    a = charts.chart_id(_chart().to_dict())
    b = charts.chart_id(_chart(description="Another chart.").to_dict())
    assert a != b and a.startswith("report-chart-")


def test_missing_alt_text_is_refused():
    spec = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q").to_dict()
    with pytest.raises(ValueError, match="alt text"):
        charts.report_renderer(spec)


def test_auto_named_params_are_refused():
    sel = alt.selection_point()  # Altair names it param_N
    spec = (
        alt.Chart(pd.DataFrame({"x": [1]}))
        .mark_point()
        .encode(x="x:Q")
        .add_params(sel)
        .properties(description="d")
        .to_dict()
    )
    with pytest.raises(ValueError, match="auto-generated name"):
        charts.report_renderer(spec)


def test_script_end_tags_in_data_are_escaped():
    chart = alt.Chart(pd.DataFrame({"label": ["</script><b>"]})).mark_text().encode(text="label:N")
    html = charts.render_html(chart.properties(description="text").to_dict())
    assert "</script><b>" not in html


def test_offline_bundle_defines_vega_embed_and_versions():
    js = charts.javascript_bundle()
    assert "vegaEmbed" in js and "VEGA_DEBUG" in js
    assert len(js) > 500_000


def test_arithmetic_chart_renders_with_named_slider():
    spec = arithmetic_multiplier_chart().to_dict()
    html = charts.render_html(spec)
    assert '"name":"gamma"' in html and '"input":"range"' in html


def test_dark_variant_keeps_the_palette_and_lightens_text():
    js = charts.embed_javascript()
    assert charts.DARK_CONFIG["range"]["category"][:-1] == charts.PALETTE[:-1]
    assert charts.DARK_CONFIG["range"]["category"][-1] == "#ffffff"  # black would vanish on dark
    assert "data-theme" in js and "'container'" in js and js in charts.javascript_bundle()
