"""Charts for the book: one theme and renderer (:mod:`.theme`) and one module of builders per chapter.

Nothing is enabled on import: notebooks (and tests) call :func:`enable` once to register and
enable the ``report`` Altair theme and renderer.
"""

from .theme import (
    DARK_CONFIG,
    EMBED_OPTIONS,
    FONT,
    HEIGHT,
    PALETTE,
    RENDERER,
    THEME,
    WIDTH,
    chart_id,
    embed_javascript,
    enable,
    javascript_bundle,
    log_axis,
    render_html,
    render_png,
    report_renderer,
    report_theme,
    spec_json,
)

__all__ = [
    "DARK_CONFIG",
    "EMBED_OPTIONS",
    "FONT",
    "HEIGHT",
    "PALETTE",
    "RENDERER",
    "THEME",
    "WIDTH",
    "chart_id",
    "embed_javascript",
    "enable",
    "javascript_bundle",
    "log_axis",
    "render_html",
    "render_png",
    "report_renderer",
    "report_theme",
    "spec_json",
]
