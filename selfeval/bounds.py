"""Numbers as the rules round them, and the bounds every number of a form must keep (issue 11).

Nothing here raises: NaN, ±inf and absurd magnitudes come back as they are, for the checks to report.
"""

from __future__ import annotations

import math


def round_half_up(x: float, digits: int = 2) -> float:
    """Round half away from zero at `digits` decimals, robust to binary noise (9.865 -> 9.87).

    Never raises: NaN and ±inf come back unchanged, and so does anything beyond 1e15 (a float has no
    decimals left to round there; `math.floor` of an infinite product raised OverflowError)."""
    if x.__class__ is float and -1e15 < x < 1e15:  # the common case, the same arithmetic as below
        scale = 10**digits
        if x >= 0:
            return math.floor(x * scale + 0.5 + 1e-9) / scale
        return -(math.floor(-x * scale + 0.5 + 1e-9) / scale)
    if not isinstance(x, int | float) or not math.isfinite(x) or abs(x) >= 1e15:
        return x
    scale = 10**digits
    return math.floor(abs(x) * scale + 0.5 + 1e-9) / scale * (1 if x >= 0 else -1)


# bounds of the numbers a form may hold (issue 11): beyond them a value is an error at its cell
MAX_AMOUNT = 1e12  # 元
MAX_WEIGHT = 100.0


def finite_sum(values) -> float | None:
    """The exact sum (math.fsum), or None when a value is not a finite number or the sum overflows:
    1e308 on every row made fsum raise OverflowError ("intermediate overflow") on stored data."""
    try:
        total = math.fsum(values)
    except (OverflowError, ValueError, TypeError):
        return None
    return total if math.isfinite(total) else None


def sane_weight(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and 0 <= x <= MAX_WEIGHT


def sane_amount(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and abs(x) <= MAX_AMOUNT
