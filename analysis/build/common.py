"""Small pure helpers shared by the build steps: cell formatting, source normalisation, parsing."""

from __future__ import annotations

import csv
import io
import math
import re

import pandas as pd

__all__ = ["fmt", "norm_source", "pct", "parse_params", "err_from_acc", "isnum", "differs", "to_csv_text"]


def fmt(value) -> str:
    """Fixed, deterministic text for a cell (empty for None/NaN, integers without '.0', 6 significant digits)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}"
    return str(value)


def norm_source(url) -> str | None:
    """Canonical reference: ``arXiv:ID`` for arXiv URLs, ``doi:...`` for DOIs, else the URL; None when empty."""
    if url is None or (isinstance(url, float) and math.isnan(url)) or str(url).strip() == "":
        return None
    url = str(url).strip()
    m = re.search(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})", url, re.IGNORECASE) or re.match(
        r"^arXiv:(\d{4}\.\d{4,5})", url, re.IGNORECASE)
    if m:
        return f"arXiv:{m.group(1)}"
    if url.lower().startswith("doi:"):
        return "doi:" + url[4:]
    m = re.match(r"^https?://(?:dx\.)?doi\.org/(10\..+)$", url)
    if m:
        return f"doi:{m.group(1)}"
    return url


def pct(text) -> float:
    """'85.4%' or '85.4' -> 85.4; empty -> NaN."""
    text = str(text).strip()
    if not text or text.lower() == "nan":
        return math.nan
    return float(text.rstrip("%"))


def parse_params(text) -> tuple[float, str]:
    """Papers with Code 'Number of params' such as '480M' or '25.58M' -> (count, note); no unit -> (NaN, note)."""
    text = str(text).strip()
    if not text or text.lower() == "nan":
        return math.nan, ""
    m = re.match(r"^([0-9.]+)\s*([MBK])$", text, re.IGNORECASE)
    if not m:
        return math.nan, f"PwC params {text!r} has no unit, left empty"
    scale = {"K": 1e3, "M": 1e6, "B": 1e9}[m.group(2).upper()]
    return round(float(m.group(1)) * scale), ""


def err_from_acc(acc: float) -> float:
    """Top-k error (%) from accuracy (%)."""
    return math.nan if math.isnan(acc) else round(100.0 - acc, 6)


def isnum(x) -> bool:
    """True for a present number (not None, not NaN)."""
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def differs(a, b, tol: float = 0.05) -> bool:
    """Both present and more than ``tol`` apart, relative to the larger."""
    return isnum(a) and isnum(b) and abs(a - b) > tol * max(abs(a), abs(b))


def to_csv_text(frame: pd.DataFrame) -> str:
    """Deterministic CSV text: LF line ends, minimal quoting, cells through :func:`fmt`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(list(frame.columns))
    for rec in frame.itertuples(index=False):
        w.writerow([fmt(v) for v in rec])
    return buf.getvalue()
