"""Numbers as people read them, in one place for pages, exports, reports and the rules' own
explanations: 元 with thousands separators, 万元, rates and points with 2 decimals, weights as the
forms print them (12.5, 100, 8.3), "—" where there is no value, and stored times in Beijing time.
Pure functions that never raise on stored data (NaN, inf, 1e308 included); rounding is half-up
like the rules."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

from selfeval.bounds import round_half_up

DASH = "—"
BEIJING = timezone(timedelta(hours=8))
# beyond this a number is shown in scientific notation: half-up rounding of it would overflow,
# and no real amount, weight or score comes near it (issue 11: a stored budget of 1e308)
HUGE = 1e15


def _missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return True


def short(x: float | None) -> str:
    """A weight, score or factor as the forms and the rules' explanations print it: 12.5, 100, 6.5,
    98.63 (no trailing zeros, no separators; absurd values in scientific notation)."""
    if x.__class__ is float:
        return _short_float(x)
    if x is None:
        return DASH
    if not isinstance(x, int | float) or not math.isfinite(x) or abs(x) >= HUGE:
        return f"{x:g}" if isinstance(x, int | float) else str(x)
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


@lru_cache(maxsize=4096)  # the same weights and scores are written in every form's explanations
def _short_float(x: float) -> str:
    if not math.isfinite(x) or abs(x) >= HUGE:
        return f"{x:g}"
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def number(x: float | None, digits: int = 2) -> str:
    """1234567.891 -> "1,234,567.89"; inf -> "∞"; 1e308 -> "1.00e+308"."""
    if _missing(x):
        return DASH
    value = float(x)  # type: ignore[arg-type]
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if abs(value) >= HUGE:
        return f"{value:.{digits}e}"
    value = round_half_up(value, digits)
    text = f"{value:,.{digits}f}"
    return "0.00" if text == "-0.00" and digits == 2 else text


def yuan(x: float | None) -> str:
    """An amount in 元: "1,234,567.89 元"."""
    return DASH if _missing(x) else f"{number(x)} 元"


def wan(x: float | None) -> str:
    """An amount in 元 shown in 万元 (for leadership views): 1234567.89 -> "123.46 万元"."""
    return DASH if _missing(x) else f"{number(float(x) / 10_000)} 万元"  # type: ignore[arg-type]


def wan_number(x: float | None) -> str:
    """An amount in 元 as a 万元 figure without the unit (the label carries it): "1,687.22"."""
    return DASH if _missing(x) else number(float(x) / 10_000)  # type: ignore[arg-type]


def pct(x: float | None) -> str:
    """A rate already in percent: 98.63 -> "98.63%"."""
    return DASH if _missing(x) else f"{number(x)}%"


def points(x: float | None) -> str:
    """A score or weight: 9.86 -> "9.86"."""
    return number(x)


def count(x: int | float | None) -> str:
    """A count: 13 -> "13"."""
    if _missing(x) or math.isinf(float(x)):  # type: ignore[arg-type]
        return DASH
    if abs(float(x)) >= HUGE:  # type: ignore[arg-type]
        return f"{float(x):.2e}"  # type: ignore[arg-type]
    return f"{int(x):,d}"  # type: ignore[arg-type]


def local_time(ts: object) -> str:
    """A stored timestamp (UTC without a zone, as the store keeps them) in Beijing time, to the minute;
    "—" when there is none."""
    if ts is None:
        return DASH
    try:
        if not isinstance(ts, datetime):
            import pandas as pd

            if pd.isna(ts):
                return DASH
            ts = pd.Timestamp(ts).to_pydatetime()
        return ts.replace(tzinfo=UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError, OverflowError):
        return DASH
