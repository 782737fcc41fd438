"""Text normalisation of what forms say, in one place: control characters dropped from cells, project
codes and years folded to one spelling, and years turned into numbers only when they are years.

Why: a form's text reaches spreadsheets (openpyxl refuses control characters), terminals (ESC
sequences) and the store's keys (a full-width or zero-width look-alike of another unit's project code
must not become a second project). Everything here is pure and cheap; nothing raises on any string.
"""

from __future__ import annotations

import re
import unicodedata

YEARS = (1990, 2100)  # a 绩效自评年度 outside is not a usable year (issue 11)

# C0 and C1 controls except tab and newline (CR is turned into a newline first); DEL too
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_YEAR = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")


def strip_controls(text: str) -> str:
    """`text` without C0/C1 control characters (tab and newline kept; CR becomes a newline)."""
    if text.isprintable():  # fast path: no control, format or separator character at all
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text)


def _invisible(ch: str) -> bool:
    """Format characters (zero-width space/joiners, BOM, direction marks) and every kind of space."""
    return ch.isspace() or unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp", "Cc")


def norm_code(text: str) -> str:
    """A 项目编码 as read: NFKC (full-width digits become ASCII) without invisible characters or
    spaces. Digits of other scripts stay as they are: such a code is reported, never silently valid."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if not _invisible(ch))


def code_key(text: str) -> str:
    """The identity of a project code for comparing ownership: norm_code with every decimal digit of
    any script as its ASCII digit, so `٤４0…` and `440…` are one project."""
    out = []
    for ch in norm_code(text):
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    return "".join(out)


def is_valid_code(text: str) -> bool:
    """A project code is 21 ASCII digits."""
    return bool(re.fullmatch(r"[0-9]{21}", text or ""))


# a year written in Chinese numerals, digit by digit (二〇二三, 二零二三, 二○二三): four of them in a row
_CN_DIGITS = str.maketrans("〇○◯零一二三四五六七八九", "000012345678" + "9")
_CN_YEAR = re.compile(
    "(?<![〇○◯零一二三四五六七八九])[〇○◯零一二三四五六七八九]{4}(?![〇○◯零一二三四五六七八九])"
)


def norm_year(text: str) -> str:
    """A 绩效自评年度 as read: NFKC (`２０２３`, `²⁰²³` become `2023`), invisible characters dropped,
    four Chinese numerals as digits (`二〇二三年` -> `2023`: the same project and year as `2023`, so its
    owner is checked as such), the ASCII four-digit year in it when there is one (`2023年度` ->
    `2023`), else the text as is."""
    text = "".join(ch for ch in unicodedata.normalize("NFKC", text or "") if not _invisible(ch) or ch == " ")
    text = re.sub(r"\s+", " ", text).strip()
    text = _CN_YEAR.sub(lambda m: m.group(0).translate(_CN_DIGITS), text)
    m = _YEAR.search(text)
    return m.group(0) if m else text


def year_int(year: object) -> int | None:
    """The year as a number when it is four ASCII digits within YEARS, else None (never raises)."""
    if isinstance(year, int) and not isinstance(year, bool):
        return year if YEARS[0] <= year <= YEARS[1] else None
    if not isinstance(year, str) or not re.fullmatch(r"[0-9]{4}", year):
        return None
    n = int(year)
    return n if YEARS[0] <= n <= YEARS[1] else None


def years_latest_first(years: list[str]) -> list[str]:
    """Stored years for a year picker: usable years newest first, then whatever else forms said
    (`abc`, `9999`) — so the default (the first) is the latest valid year, never a junk one."""
    valid = sorted(
        (y for y in years if year_int(y) is not None), key=lambda y: year_int(y) or 0, reverse=True
    )
    return valid + sorted(y for y in years if year_int(y) is None)
