"""How the app writes its numbers: one format per kind of figure, used by every page.

Accuracy is a percentage with one decimal ("86.9%"), a loss has three decimals ("0.112"), a
difference between accuracies is in percentage points ("-1.2 pt"). Charts and tables that
format numbers themselves (Vega-Lite's d3 formats, Streamlit's printf column formats) take the
matching pattern from here, so a figure reads the same in a metric, a table and a tooltip.
"""

from __future__ import annotations

import math

PERCENT_DECIMALS = 1
LOSS_DECIMALS = 3
MISSING = "–"  # a figure that does not exist yet (still training, or never measured)

# The same formats for Vega-Lite (d3-format) and for Streamlit's NumberColumn (printf, on
# values already multiplied by 100).
PERCENT_D3 = f".{PERCENT_DECIMALS}%"
LOSS_D3 = f".{LOSS_DECIMALS}f"
PERCENT_PRINTF = f"%.{PERCENT_DECIMALS}f%%"
LOSS_PRINTF = f"%.{LOSS_DECIMALS}f"


def _known(value: float | None) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def percent(value: float | None) -> str:
    """An accuracy or probability (0..1) as '86.9%'; a missing figure as '–'."""
    return f"{value:.{PERCENT_DECIMALS}%}" if _known(value) else MISSING


def loss(value: float | None) -> str:
    """A loss as '0.112'; a missing or non-finite one as '–'."""
    return f"{value:.{LOSS_DECIMALS}f}" if _known(value) else MISSING


def points(difference: float | None) -> str:
    """A difference of two accuracies (0..1 each) in percentage points, e.g. '-1.2 pt'."""
    if not _known(difference):
        return MISSING
    return f"{difference * 100:+.{PERCENT_DECIMALS}f} pt"


def count(value: int) -> str:
    """A whole number with thousands separators: '8,000'."""
    return f"{int(value):,}"


def duration(seconds: float | None) -> str:
    """Seconds as m:ss ('1:05'); a missing time as '–'."""
    if not _known(seconds):
        return MISSING
    whole = max(0, round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def seconds(value: float | None) -> str:
    """A short time in seconds with one decimal: '2.4'."""
    return f"{value:.1f}" if _known(value) else MISSING


def format_number(value: float | int) -> str:
    """The shortest text that reads back as exactly `value` (0.001, 1e-05, 32): links, code."""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text
