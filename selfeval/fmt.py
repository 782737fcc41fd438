"""Numbers as people read them on screen: 元 with thousands separators, 万元, rates and points with
2 decimals, "—" where there is no value. Pure functions; rounding is half-up like the rules."""

from __future__ import annotations

import math

from selfeval.rules import round_half_up

DASH = "—"


def _missing(x: object) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def number(x: float | None, digits: int = 2) -> str:
    """1234567.891 -> "1,234,567.89"."""
    if _missing(x):
        return DASH
    value = round_half_up(float(x), digits)  # type: ignore[arg-type]
    text = f"{value:,.{digits}f}"
    return "0.00" if text == "-0.00" and digits == 2 else text


def yuan(x: float | None) -> str:
    """An amount in 元: "1,234,567.89 元"."""
    return DASH if _missing(x) else f"{number(x)} 元"


def wan(x: float | None) -> str:
    """An amount in 元 shown in 万元 (for leadership views): 1234567.89 -> "123.46 万元"."""
    return DASH if _missing(x) else f"{number(float(x) / 10_000)} 万元"  # type: ignore[arg-type]


def pct(x: float | None) -> str:
    """A rate already in percent: 98.63 -> "98.63%"."""
    return DASH if _missing(x) else f"{number(x)}%"


def points(x: float | None) -> str:
    """A score or weight: 9.86 -> "9.86"."""
    return number(x)


def count(x: int | float | None) -> str:
    """A count: 13 -> "13"."""
    return DASH if _missing(x) else f"{int(x):,d}"  # type: ignore[arg-type]
