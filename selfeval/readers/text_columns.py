"""Whitespace-aligned text (pdftotext -layout) -> rows, by the columns its own header lines give.

Cells are runs of text separated by two or more spaces. Each table's header line (the funds header,
预期目标/实际完成情况, the indicator header) names the columns; the gutters every line of the table
leaves blank bound them, and a cell belongs to the header column between the same gutters: that is
where the document printed it, not a guess. A cell under two columns, or two numbers under one, is
refused (TEXT_COLUMNS_UNCLEAR) with its line. Wrapped text (a line whose cells sit only in text
columns, the numeric ones empty) continues the row above and is joined to it; a header printed again
after a page break gives the columns of the new page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from selfeval.messages import issue
from selfeval.model import Cell, Issue, Loc
from selfeval.readers import vocab
from selfeval.values import to_number

_CELL = re.compile(r"\S+(?:[ \u3000]\S+)*")
_LEFT = 3  # columns 1..3 hold labels printed left of a table's first column; table columns follow


@dataclass
class _Span:
    start: float
    end: float
    text: str
    line: int


class _Unclear(Exception):
    def __init__(self, span: _Span, why: str):
        super().__init__(why)
        self.span, self.why = span, why


def _spans(line: str, number: int, wide: bool) -> list[_Span]:
    """Cells of a line with their horizontal extent (characters, or display columns when wide)."""
    positions = []
    x = 0
    for ch in line:
        positions.append(x)
        x += 2 if wide and unicodedata.east_asian_width(ch) in "WF" else 1
    positions.append(x)
    return [
        _Span(positions[m.start()], positions[m.end()], _clean(m.group(0)), number)
        for m in _CELL.finditer(line.replace("\u3000", " "))
    ]


def _clean(text: str) -> str:
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text).replace("**", "")
    return re.sub(r"^#{1,6}\s*", "", text).strip()


def _grid_fields(spans: list[_Span]) -> set[str]:
    return {f for s in spans if (f := vocab.indicator_header_field(vocab.norm(s.text)))}


def is_column_layout(lines: list[str]) -> bool:
    """No tabs or pipes, and an indicator header line that splits into its columns at wide gaps."""
    if any("\t" in line or "|" in line for line in lines):
        return False
    for n, line in enumerate(lines, start=1):
        if re.search(r"\S {2,}\S", line):
            fields = _grid_fields(_spans(line, n, False))
            if {"name", "target"} <= fields and len(fields) >= 4:
                return True
    return False


def read(lines: list[str], sheet: str) -> tuple[list[tuple[Cell, ...]], list[Issue]]:
    """Rows of the whole text, form by form (a refused form leaves the others readable): by character
    positions, else by display width (CJK counted double), else refused at the line that is unclear."""
    rows: list[tuple[Cell, ...]] = []
    problems: list[Issue] = []
    for chunk in _forms(lines):
        first_error: _Unclear | None = None
        for wide in (False, True):
            try:
                rows += _read(chunk, wide)
                break
            except _Unclear as unclear:
                first_error = first_error or unclear
        else:
            assert first_error is not None
            span = first_error.span
            problems.append(
                issue("TEXT_COLUMNS_UNCLEAR", Loc(sheet, span.line), text=span.text[:40], why=first_error.why)
            )
    return rows, problems


def _forms(lines: list[str]) -> list[list[tuple[int, str]]]:
    """(line number, line) runs, a new one at each form title."""
    chunks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines, start=1):
        if vocab.is_title(vocab.norm(line)) and any(line.strip() for _, line in chunks[-1]):
            chunks.append([])
        chunks[-1].append((number, line))
    return chunks


class _Table:
    """A header line's columns, and the rows under it. Header cells that name no field of this table
    and stand left of its first field (项目资金（元）, 年度绩效指标) are row labels, not columns.

    The table's lines give its gutters: positions blank on every line (header, data and wrapped text
    alike). Between two gutters lies one slot; a cell belongs to the header column in its slot. Only
    where a slot holds several header columns (a line overflowed) is a cell placed by its overlap with
    each column, and refused when that is not clear."""

    def __init__(self, kind: str, header: list[_Span], lines: list[list[_Span]]):
        self.kind = kind
        spans = sorted(header, key=lambda s: s.start)
        first = next((k for k, s in enumerate(spans) if _names_field(kind, s.text)), 0)
        if kind == "funds" and first + 1 < len(spans):
            # 四川's 年度预算数(万元) over the row-label column, before 年初预算/调整后预算数/预算执行数
            fields = [vocab.funds_header_field(vocab.norm(s.text)) for s in spans[first:]]
            if fields[0] in fields[1:]:
                first += 1
        self.labels = spans[:first]
        self.columns = spans[first:]
        self.slots = _slots([s for line in lines for s in line])

    def ignored(self, k: int) -> bool:
        """A funds column of words beside the figures (原因): not part of the Form, left out."""
        return self.kind == "funds" and not _names_field("funds", self.columns[k].text)

    def slot(self, span: _Span) -> int:
        middle = (span.start + span.end) / 2
        return next((k for k, (lo, hi) in enumerate(self.slots) if lo <= middle < hi), -1)

    def place(self, spans: list[_Span]) -> dict[int, list[_Span]]:
        """Column index (-1 for left labels) -> spans."""
        placed: dict[int, list[_Span]] = {}
        for span in spans:
            placed.setdefault(self._column(span), []).append(span)
        for k, found in placed.items():
            if k >= 0 and len(found) > 1 and (self.numeric(k) or any(_is_number(s.text) for s in found)):
                raise _Unclear(found[1], "与同一行的另一数值落在同一列")
        return placed

    def _column(self, span: _Span) -> int:
        slot = self.slot(span)
        here = [k for k, c in enumerate(self.columns) if self.slot(c) == slot]
        if len(here) == 1:
            return here[0]
        if not here:
            if any(self.slot(label) == slot for label in self.labels) or span.end <= self.columns[0].start:
                return -1
            raise _Unclear(span, "不在任何表头列之下")
        return self._by_overlap(span, here)

    def _by_overlap(self, span: _Span, candidates: list[int]) -> int:
        cols = self.columns
        bounds = [cols[0].start - 1.0]
        bounds += [(cols[k].end + cols[k + 1].start) / 2 for k in range(len(cols) - 1)]
        overlaps = []
        for k in candidates:
            lo = bounds[k] if k > 0 else float("-inf")
            hi = bounds[k + 1] if k + 1 < len(bounds) else float("inf")
            overlaps.append((max(0.0, min(hi, span.end) - max(lo, span.start)), k))
        overlaps.sort(reverse=True)
        (best, k), (second, _) = overlaps[0], overlaps[1]
        if best <= 0 or second * 2 > best:
            raise _Unclear(span, "跨越两列")
        return k

    def numeric(self, k: int) -> bool:
        key = vocab.norm(self.columns[k].text)
        if self.kind == "funds":
            return vocab.funds_header_field(key) is not None
        return self.kind == "grid" and vocab.indicator_header_field(key) in ("weight", "score")


def _stacked(spans: list[_Span]) -> list[_Span]:
    """Row labels left of a table, a label wrapped onto the next line (其中：当年财政 / 拨款) joined:
    pieces one above the other are one label."""
    out: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.line)):
        last = out[-1] if out else None
        if last is not None and span.line != last.line and span.start < last.end and last.start < span.end:
            out[-1] = _Span(
                min(last.start, span.start),
                max(last.end, span.end),
                _joined([last.text, span.text]),
                last.line,
            )
        else:
            out.append(span)
    return sorted(out, key=lambda s: s.start)


def _slots(spans: list[_Span]) -> list[tuple[float, float]]:
    """Horizontal intervals covered by some cell, split where every line leaves 2+ blank positions."""
    slots: list[list[float]] = []
    for span in sorted(spans, key=lambda s: s.start):
        if slots and span.start < slots[-1][1] + 2:
            slots[-1][1] = max(slots[-1][1], span.end)
        else:
            slots.append([span.start, span.end])
    return [(lo, hi) for lo, hi in slots]


def _is_number(text: str) -> bool:
    return to_number(text.rstrip("%％分")) is not None


def _joined(texts: list[str]) -> str:
    """Wrapped pieces of one cell: joined as written, a space only between two Latin words."""
    out = ""
    for t in texts:
        if out and re.match(r"[A-Za-z]", out[-1]) and re.match(r"[A-Za-z]", t[0]):
            out += " "
        out += t
    return out


def _table_ends(all_spans: list[list[_Span]]) -> dict[int, int]:
    """Header line index -> index after the table's last line, by the same marks _read uses."""
    ends: dict[int, int] = {}
    start: int | None = None
    kind = None
    for n, spans in enumerate(all_spans):
        keys = [vocab.norm(s.text) for s in spans]
        found = _header_kind(keys) if spans else None
        if found in ("funds", "goals", "grid"):
            if start is not None:
                ends[start] = n
            start, kind = n, found
            continue
        if start is None or not spans:
            continue
        if any(vocab.is_title(k) or vocab.is_remark_label(k) for k in keys) or (
            kind == "funds" and any(vocab.is_goal_label(k) == "label" for k in keys)
        ):
            ends[start] = n
            start = None
        elif kind == "grid" and any(vocab.is_total_label(k) for k in keys):
            ends[start] = n + 1
            start = None
    if start is not None:
        ends[start] = len(all_spans)
    return ends


def _read(lines: list[tuple[int, str]], wide: bool) -> list[tuple[Cell, ...]]:
    all_spans = [_spans(line, number, wide) for number, line in lines]
    ends = _table_ends(all_spans)
    rows: list[tuple[Cell, ...]] = []
    table: _Table | None = None
    pending: dict[int, list[_Span]] | None = None
    header_at = -1  # index in rows of the current table's header row

    def emit_table_row(placed: dict[int, list[_Span]]) -> None:
        cells = []
        for k, spans in sorted(placed.items()):
            if k < 0:
                labels = _stacked(spans)[-_LEFT:]
                cells += [
                    Cell(s.text, s.line, n) for n, s in enumerate(labels, start=_LEFT - len(labels) + 1)
                ]
            elif table is None or not table.ignored(k):
                cells.append(Cell(_joined([s.text for s in spans]), spans[0].line, _LEFT + 1 + k))
        if cells:
            rows.append(tuple(cells))

    def close() -> None:
        nonlocal pending
        if pending is not None:
            emit_table_row(pending)
        pending = None

    for index, spans in enumerate(all_spans):
        if not spans:
            continue
        keys = [vocab.norm(s.text) for s in spans]
        kind = _header_kind(keys)
        if kind == "header_continuation" and table is not None and pending is None and table.kind != "goals":
            # a wrapped header cell (偏差原因分析 / 及改进措施): joined to its column's header text
            for k, found in table.place(spans).items():
                if k >= 0:
                    col = table.columns[k]
                    col.text = _joined([col.text] + [s.text for s in found])
            if header_at == len(rows) - 1:  # the header row is the last one out: it gets the words too
                rows[-1] = tuple(
                    Cell(table.columns[c.col - _LEFT - 1].text, c.row, c.col) if c.col > _LEFT else c
                    for c in rows[-1]
                )
            continue
        if kind in ("funds", "goals", "grid"):
            close()
            repeated = table is not None and table.kind == kind == "grid"
            table = _Table(kind, spans, all_spans[index : ends.get(index, index + 1)])
            if repeated:  # the header printed again on the next page: its columns, not a row
                header_at = -1
                continue
            header_row = {k: [s] for k, s in enumerate(table.columns)}
            if table.labels and kind == "funds":
                # labels beside the funds header (预算执行情况(10分), 年度预算数(万元)) go on their own
                # row above it: they name no figure, and their 万元 stays next to the table
                rows.append(tuple(Cell(s.text, s.line, n) for n, s in enumerate(table.labels, start=1)))
            elif table.labels:
                header_row[-1] = table.labels
            emit_table_row(header_row)
            header_at = len(rows) - 1
            continue
        if any(vocab.is_title(k) or vocab.is_remark_label(k) for k in keys) or (
            table is not None
            and table.kind == "funds"
            and any(vocab.is_goal_label(k) == "label" for k in keys)
        ):
            close()
            table = None
        if table is None:
            rows.append(tuple(Cell(s.text, s.line, n) for n, s in enumerate(spans, start=1)))
            continue
        placed = table.place(spans)
        if pending is not None and _continues(table, placed, keys):
            for k, found in placed.items():
                pending.setdefault(k, []).extend(found)
            continue
        close()
        pending = placed
        if table.kind == "grid" and any(vocab.is_total_label(k) for k in keys):
            close()
            table = None
    close()
    return rows


def _names_field(kind: str, text: str) -> bool:
    key = vocab.norm(text)
    if kind == "funds":
        return vocab.funds_header_field(key) is not None
    if kind == "goals":
        return vocab.is_goal_label(key) in ("expected", "achieved")
    return vocab.indicator_header_field(key) is not None


def _header_kind(keys: list[str]) -> str | None:
    funds = {f for k in keys if (f := vocab.funds_header_field(k))}
    grid = {f for k in keys if (f := vocab.indicator_header_field(k))}
    goals = {g for k in keys if (g := vocab.is_goal_label(k))}
    if {"name", "target"} <= grid and grid & {"weight", "score"}:
        return "grid"
    if {"annual_budget", "executed"} <= funds and not any(vocab.funds_row_label(k) for k in keys):
        return "funds"
    if {"expected", "achieved"} <= goals:
        return "goals"
    plain = all(to_number(k) is None and not vocab.level1_of(k) and not vocab.level2_family(k) for k in keys)
    wrapped = any(vocab.indicator_header_field(k) or k.startswith(("及", "措施", "（", "(")) for k in keys)
    if keys and plain and wrapped and all(len(k) <= 8 for k in keys):
        return "header_continuation"
    return None


def _continues(table: _Table, placed: dict[int, list[_Span]], keys: list[str]) -> bool:
    """Wrapped text: nothing that starts a row (a funds label, a level name, a number where weights and
    scores go, a 指标1: prefix, 总分), only text in columns of text."""
    if table.kind == "goals":
        return True
    if any(vocab.is_total_label(k) or vocab.level1_of(k) or vocab.level2_family(k) for k in keys):
        return False
    if table.kind == "funds":
        return not any(len(k) <= 20 and vocab.funds_row_label(k) for k in keys) and all(
            to_number(k.rstrip("%")) is None for k in keys
        )
    for k, spans in placed.items():
        if k < 0:
            return False
        field = vocab.indicator_header_field(vocab.norm(table.columns[k].text))
        if field in ("weight", "score", "level1", "level2"):
            return False
        if field == "name" and any(re.match(r"^指标\d", vocab.norm(s.text)) for s in spans):
            return False
    return True
