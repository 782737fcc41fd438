"""Cells safe to open in a spreadsheet: text a spreadsheet would run as a formula (OWASP "CSV
injection", CWE-1236) is recognised here, once, for every writer — CSV, the xlsx exports and
templates, and the frames pages hand to st.dataframe (whose "Download as CSV" writes cells as they
are).

A cell is formula-like when its first character after spaces is one of = + - @, a tab, CR or LF —
or the full-width ＝ ＋ － ＠: LibreOffice 7 keeps those as text (checked), but Excel in Chinese and
Japanese locales may convert full-width operators when a cell is entered, so they are treated alike.
A plain number (-12.5, +3, 98.63%) is a number, not a formula. `neutralise` prefixes a formula-like
text with an apostrophe (what OWASP prescribes for CSV); the xlsx writers keep the text as it is in a
string cell and set the cell's quote prefix instead (`formula_like` says when).
"""

from __future__ import annotations

import re

FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")
_LEADING_SPACE = " \u3000\u00a0"  # a leading space hides a formula from some importers, not all
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def formula_like(value: object) -> bool:
    """Whether a spreadsheet could take this cell for a formula (see the module's docstring)."""
    if not isinstance(value, str):
        return False
    text = value.lstrip(_LEADING_SPACE)
    if not text or text[0] not in FORMULA_STARTS:
        return False
    return not _PLAIN_NUMBER.fullmatch(text.strip())


def neutralise(value: object) -> object:
    """The cell as a CSV (or a page's table) may carry it: a formula-like text with a leading
    apostrophe, anything else unchanged."""
    return "'" + value if formula_like(value) else value  # type: ignore[operator]


def restore(value: object) -> object:
    """`neutralise` undone, for a text typed back into a table that showed it neutralised (the
    editor's grid): an apostrophe before a formula-like text goes; anything else is unchanged."""
    if isinstance(value, str) and value.startswith("'") and formula_like(value[1:]):
        return value[1:]
    return value
