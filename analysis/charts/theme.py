"""One Altair theme and one renderer for the whole book.

:func:`enable` registers and enables both (call it once, e.g. at the top of a notebook; importing
this module has no side effect):

* the ``report`` theme (Okabe-Ito colour-blind-safe palette, one font, one size);
* the ``report`` renderer, whose output is deterministic and draws with **no network**:

  - ``text/html``: a ``<div class="report-chart">`` with a stable id (a hash of the spec), the
    chart's alt text as ``aria-label``, and an inline script that calls ``vegaEmbed``. The Vega
    runtime itself is served by the book (``_static/altair-offline.js``, written by
    ``book/_ext/report_ext.py`` from the bundle inside ``vl-convert-python``), never a CDN;
  - ``image/png``: a static rendering (vl-convert, no browser) for non-HTML builders (PDF);
  - ``text/plain``: a one-line description.

The renderer refuses charts without alt text (a top-level ``description``) and charts whose
params or views were auto-named by Altair (``param_3``, ``param_e4a49676…``, ``view_2``), because those names depend on
how many charts the session made before and would make stored outputs unstable.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
from typing import Any

import altair as alt

from ..numbers import publish

THEME = "report"
RENDERER = "report"

# Okabe & Ito (2008) colour-blind-safe palette, black last.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH = 560
HEIGHT = 340
EMBED_OPTIONS = {"renderer": "svg", "actions": False}
AUTO_NAME_RE = re.compile(r'"(param|view)_[0-9a-f]+"')


def report_theme() -> alt.theme.ThemeConfig:
    axis = {
        "labelFont": FONT,
        "titleFont": FONT,
        "labelFontSize": 12,
        "titleFontSize": 13,
        "titleFontWeight": "normal",
        "gridColor": "#e5e5e5",
        "domainColor": "#888888",
        "tickColor": "#888888",
    }
    return alt.theme.ThemeConfig(
        {
            "config": {
                "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
                "font": FONT,
                "axis": axis,
                "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 12, "titleFontSize": 12},
                "title": {"font": FONT, "fontSize": 15, "fontWeight": "normal", "anchor": "start"},
                "range": {"category": PALETTE},
                "line": {"strokeWidth": 2},
                "point": {"size": 50, "filled": True},
                "circle": {"size": 50},
            }
        }
    )


def _check_spec(spec: dict) -> str:
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ValueError(
            "chart has no alt text: give the top-level chart .properties(description='...') "
            "one or two sentences saying what it shows"
        )
    text = json.dumps(spec, sort_keys=True)
    found = AUTO_NAME_RE.search(text)
    if found:
        raise ValueError(
            f"chart uses an auto-generated name {found.group(0)}: name every param "
            "(alt.param(name=...), alt.selection_point(name=...)) so outputs are deterministic"
        )
    return description.strip()


def _published(value):
    """``value`` with every float at the report's published precision (``numbers.SIG_DIGITS``), so a
    chart's embedded data and its id do not depend on the last digits a BLAS kernel produces."""
    if isinstance(value, float):
        return publish(value) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _published(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_published(v) for v in value]
    return value


def spec_json(spec: dict) -> str:
    """Canonical JSON for a spec: floats at published precision, sorted keys, no spaces, safe to
    inline in a <script>.

    >>> spec_json({"b": [0.49728901163469713], "a": 1})
    '{"a":1,"b":[0.497289]}'
    """
    text = json.dumps(_published(spec), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("</", "<\\/")


def chart_id(spec: dict) -> str:
    """Stable HTML id of a chart: a hash of its canonical spec (same chart, same id)."""
    return "report-chart-" + hashlib.sha256(spec_json(spec).encode("utf-8")).hexdigest()[:16]


def render_html(spec: dict) -> str:
    """HTML of a chart: a div with the alt text as ``aria-label`` and an inline ``vegaEmbed`` call.

    Raises ``ValueError`` for a chart without alt text or with auto-named params (see module doc).
    """
    description = _check_spec(spec)
    cid = chart_id(spec)
    embed = json.dumps(EMBED_OPTIONS, sort_keys=True, separators=(",", ":"))
    return (
        f'<div class="report-chart" id="{cid}" role="img" aria-label="{html.escape(description)}"></div>\n'
        '<script type="text/javascript">\n'
        "(function () {\n"
        "  var el = document.currentScript.previousElementSibling;\n"
        f"  var spec = {spec_json(spec)};\n"
        "  if (typeof window.vegaEmbed !== 'function') {\n"
        "    el.textContent = 'This chart needs the Vega runtime served with the book "
        "(_static/altair-offline.js), which did not load.';\n"
        "    console.error('report-chart: vegaEmbed is not loaded');\n"
        "    return;\n"
        "  }\n"
        f"  window.vegaEmbed(el, spec, {embed}).catch(function (err) {{\n"
        "    el.textContent = 'Chart failed to draw: ' + err;\n"
        "    console.error('report-chart:', err);\n"
        "  });\n"
        "})();\n"
        "</script>"
    )


def render_png(spec: dict) -> bytes:
    """Static PNG of a chart (vl-convert, no browser), for non-HTML builders."""
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert

    return vlc.vegalite_to_png(spec, vl_version=vl_version_for_vl_convert(), scale=1, ppi=96)


def report_renderer(spec: dict, **_: Any) -> dict:
    """The ``report`` Altair renderer: HTML, PNG and a one-line text bundle for one chart spec."""
    import base64

    description = _check_spec(spec)
    return {
        "text/html": render_html(spec),
        "image/png": base64.b64encode(render_png(spec)).decode("ascii"),
        "text/plain": f"<Chart: {description}>",
    }


def enable() -> None:
    """Register and enable the report theme and renderer (idempotent)."""
    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=True)(report_theme)
    alt.theme.enable(THEME)
    if RENDERER not in alt.renderers.names():
        alt.renderers.register(RENDERER, report_renderer)
    alt.renderers.enable(RENDERER)


def javascript_bundle() -> str:
    """The offline Vega runtime: vega + vega-lite + vega-embed from vl-convert-python.

    Ends with :func:`embed_javascript`, the book's wrapper around ``vegaEmbed`` (responsive width,
    dark variant). Also pre-seeds ``window.VEGA_DEBUG`` with the versions Altair expects, so that Altair's own
    default HTML output (if anything ever emits it) skips its CDN loader as well.
    """
    import vl_convert as vlc
    from altair.utils._importers import vl_version_for_vl_convert
    from altair.vegalite.v6 import display as d

    bundle = vlc.javascript_bundle(vl_version=vl_version_for_vl_convert())
    return (
        f"/* vega {vlc.get_vega_version()}, vega-lite {d.VEGALITE_VERSION}, "
        f"vega-embed {vlc.get_vega_embed_version()}: bundled by vl-convert-python (BSD-3-Clause) */\n"
        "(function(){\n" + bundle + "\n})();\n"
        "window.VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {}, {"
        f"vega_version: {d.VEGA_VERSION!r}, vegalite_version: {d.VEGALITE_VERSION!r}, "
        f"vegaembed_version: {d.VEGAEMBED_VERSION!r}}});\n"
        + embed_javascript()
    )


#: Dark variant of the one theme: the same palette (black swapped for white), a transparent
#: background so the chart sits on the page's dark background, and light axes, legends and titles.
DARK_TEXT = "#ced6dd"
DARK_CONFIG = {
    "background": "transparent",
    "axis": {"labelColor": DARK_TEXT, "titleColor": DARK_TEXT, "gridColor": "#3a4047",
             "domainColor": "#9aa4ad", "tickColor": "#9aa4ad"},
    "legend": {"labelColor": DARK_TEXT, "titleColor": DARK_TEXT},
    "header": {"labelColor": DARK_TEXT, "titleColor": DARK_TEXT},
    "title": {"color": DARK_TEXT, "subtitleColor": DARK_TEXT},
    "text": {"color": DARK_TEXT},
    "range": {"category": PALETTE[:-1] + ["#ffffff"]},
}

# Wraps vegaEmbed for the book's own charts (elements with class report-chart): single views take
# the width of their container (so a chart fits a phone), composite views scroll inside their own
# box, and every chart is drawn again with DARK_CONFIG when the reader switches the theme
# (pydata-sphinx-theme sets html[data-theme]); slider and menu values survive the redraw.
_EMBED_JS = """
(function () {
  var embed = window.vegaEmbed;
  if (typeof embed !== 'function' || embed.reportWrapped) { return; }
  var DARK = __DARK__;
  var charts = [];
  function isDark() { return document.documentElement.getAttribute('data-theme') === 'dark'; }
  function merge(a, b) {
    var out = Object.assign({}, a);
    Object.keys(b).forEach(function (k) {
      var v = b[k];
      out[k] = (v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object')
        ? merge(a[k], v) : v;
    });
    return out;
  }
  function composite(s) { return !!(s.hconcat || s.vconcat || s.concat || s.facet || s.repeat); }
  function prepare(c) {
    var s = JSON.parse(JSON.stringify(c.spec));
    if (!composite(s)) {
      s.width = 'container';
      s.autosize = {type: 'fit-x', contains: 'padding'};
    }
    if (c.view && s.params) {
      s.params.forEach(function (p) {
        if (p.bind && !p.select) { try { p.value = c.view.signal(p.name); } catch (e) { /* not a signal */ } }
      });
    }
    if (c.dark) { s.config = merge(s.config || {}, DARK); }
    return s;
  }
  function draw(c) {
    if (c.view) { c.view.finalize(); }
    c.dark = isDark();
    var spec = prepare(c);
    c.el.setAttribute('data-chart-theme', c.dark ? 'dark' : 'light');
    return embed(c.el, spec, c.opts).then(function (result) {
      c.view = result.view;
      if (c.el.querySelector('input, select, button')) { c.el.setAttribute('role', 'figure'); }
      c.el.setAttribute('tabindex', '0');  // a chart wider than the screen scrolls in its box: keyboard too
      return result;
    });
  }
  function wrapped(el, spec, opts) {
    var node = typeof el === 'string' ? document.querySelector(el) : el;
    if (!node || !node.classList || !node.classList.contains('report-chart') || typeof spec !== 'object') {
      return embed(el, spec, opts);
    }
    var c = {el: node, spec: spec, opts: opts || {}};
    node.classList.add(composite(spec) ? 'report-chart-scroll' : 'report-chart-fit');
    charts.push(c);
    return draw(c);
  }
  Object.keys(embed).forEach(function (k) { wrapped[k] = embed[k]; });
  wrapped.reportWrapped = true;
  window.vegaEmbed = wrapped;
  new MutationObserver(function () {
    charts.forEach(function (c) {
      if (c.dark !== isDark()) {
        draw(c).catch(function (err) { c.el.textContent = 'Chart failed to draw: ' + err; console.error('report-chart:', err); });
      }
    });
  }).observe(document.documentElement, {attributes: true, attributeFilter: ['data-theme']});
})();
"""


def embed_javascript() -> str:
    """The book's wrapper around ``vegaEmbed`` (responsive width, live dark variant); see ``_EMBED_JS``.

    >>> "MutationObserver" in embed_javascript() and '"background":"transparent"' in embed_javascript()
    True
    """
    return _EMBED_JS.replace("__DARK__", json.dumps(DARK_CONFIG, sort_keys=True, separators=(",", ":")))


def log_axis(title: str, **kwargs: Any) -> alt.Axis:
    """A log-scale axis with powers-of-ten labels in the book's style."""
    return alt.Axis(title=title, format="~e", **kwargs)

