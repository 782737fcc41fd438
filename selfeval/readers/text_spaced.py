"""Funds lines whose cells are parted by single spaces: read where the contents decide, else refused.

Text copied out of a PDF often keeps a line's cells as words: `年度资金总额: 880 880 880 10 10`, under
a header `年初预算数 全年预算数 全年执行数 分值 执行率 得分`. The header's words are vocabulary, so
they split surely. The values split too, but which column each belongs to is a question: five values
for six columns can sit six ways. A placement is kept only when the values fit their columns (amounts,
a whole 分值 of at most 30, a percentage, 得分 ≤ 分值) and agree with each other (a printed 执行率 is
执行数 / 预算数; 得分 is 分值 × 执行率, capped at 分值). Exactly one placement left: the line is read
(above, 执行率 is the one not printed: the amounts give 100 %, and 10 × 100 % is the 得分 printed).
None or several: the line is left as it was, and the text reader refuses it (TEXT_SEPARATORS_LOST).
"""

from __future__ import annotations

import re

from selfeval.model import Cell
from selfeval.readers import vocab
from selfeval.readers.text_place import funds_mappings, is_placeholder, points, printed

Row = tuple[Cell, ...]

_VALUE = r"(?:[-—–/]|\d[\d,]*(?:\.\d+)?%?)"
_SPACED_LINE = re.compile(rf"^(?P<label>[^\d\s:：]{{2,20}})[:：]?\s*(?P<values>{_VALUE}(?: {_VALUE})+)$")
_RATE_SLACK = 0.5  # percentage points: published rates are rounded, never this far off
_SCORE_SLACK = 0.05  # points


def respaced(rows: list[Row]) -> list[Row]:
    """The rows, with a single-spaced funds header split into its words and each single-spaced funds
    line split into cells placed under them, where exactly one placement fits."""
    out: list[Row] = []
    columns: dict[str, int] | None = None
    for row in rows:
        header = _split_header(row)
        if header is not None:
            row, columns = header
        elif columns is not None and any(vocab.indicator_header_field(vocab.norm(c.text)) for c in row):
            columns = None  # past the funds table
        elif columns is not None:
            row = _split_values(row, columns) or row
        out.append(row)
    return out


def _split_header(row: Row) -> tuple[Row, dict[str, int]] | None:
    """A funds header row with its words as cells, and its fields' columns; None if not one."""
    cells: list[Cell] = []
    shift = 0
    split = False
    for cell in row:
        words = cell.text.split()
        fields = [vocab.funds_header_field(vocab.norm(w)) for w in words]
        if len(words) >= 2 and all(fields):
            start = max(cell.col, 2) + shift  # column 1 stays for the row labels
            cells += [Cell(w, cell.row, start + k) for k, w in enumerate(words)]
            shift = start + len(words) - 1 - cell.col
            split = True
        else:
            cells.append(Cell(cell.text, cell.row, cell.col + shift))
    columns: dict[str, int] = {}
    for cell in cells:
        field = vocab.funds_header_field(vocab.norm(cell.text))
        if field and field not in columns:
            columns[field] = cell.col
    if not {"annual_budget", "executed"} <= columns.keys():
        return None
    return (tuple(cells) if split else row), columns


def _split_values(row: Row, columns: dict[str, int]) -> Row | None:
    """A funds line's single-spaced values placed under the header, or None (left as printed)."""
    for k, cell in enumerate(row):
        m = _SPACED_LINE.match(cell.text.strip())
        if not m or not vocab.funds_row_label(vocab.norm(m.group("label"))):
            continue
        values = [Cell(v, cell.row, cell.col) for v in m.group("values").split(" ")]
        fields = sorted(columns, key=columns.get)
        options = list({printed(p): p for p in funds_mappings(fields, values) if _agrees(p)}.values())
        if len(options) != 1:
            return None
        placed = [Cell(c.text, cell.row, columns[f]) for f, c in options[0].items()]
        label = Cell(m.group("label"), cell.row, min(cell.col, min(columns.values()) - 1))
        return (*row[:k], label, *sorted(placed, key=lambda c: c.col), *row[k + 1 :])
    return None


def _agrees(placed: dict[str, Cell]) -> bool:
    """The placed values check each other: a printed 执行率 is 执行数 / 预算数, and 得分 is 分值 × 执行率
    (capped at 分值) — the rate printed or, when it is not, the one the amounts give."""
    value = {f: points(c.text) for f, c in placed.items() if not is_placeholder(c.text)}
    budget, executed = value.get("annual_budget"), value.get("executed")
    computed = executed / budget * 100 if budget and executed is not None and budget > 0 else None
    rate_text = placed["rate"].text if "rate" in placed else ""
    rate = points(rate_text.rstrip("%％")) if rate_text and not is_placeholder(rate_text) else None
    if rate is not None and (computed is None or abs(rate - computed) > _RATE_SLACK):
        return False
    rate = rate if rate is not None else computed
    weight, score = value.get("weight"), value.get("score")
    if score is not None and weight is not None:
        if rate is None:
            return False
        expected = weight * min(rate, 100.0) / 100
        return abs(score - expected) <= _SCORE_SLACK
    return score is None or weight is not None  # a score whose weight is not printed proves nothing
