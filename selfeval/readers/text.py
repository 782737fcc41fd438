"""Text exports of published forms -> Grid.

Accepts tab-separated lines (the seed), CSV, pipe tables (`| a | b |`) and one-cell-per-line dumps, with the
markup that published documents carry (`<b>`, `<p>`, `**`, `###`). Every line keeps its line number,
so Issues point at the line the person can find.
"""

from __future__ import annotations

import csv
import io
import re

from selfeval.model import Cell, Grid
from selfeval.readers import vocab

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def clean_cell(text: str) -> str:
    """Strip markup and outer whitespace; keep the words as written."""
    text = _TAG.sub("", text).replace("**", "").replace("\u3000", " ")
    text = re.sub(r"^#{1,6}\s*", "", text.strip())
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _split(line: str) -> list[str] | None:
    """Cells of one line, or None for a line that is layout only (a pipe table's separator)."""
    stripped = line.strip()
    if stripped.startswith("|"):
        if _PIPE_SEPARATOR.match(stripped):
            return None
        inner = stripped[1:-1] if stripped.endswith("|") and len(stripped) > 1 else stripped[1:]
        return inner.split("|")
    return line.split("\t")


def _is_csv(lines: list[str]) -> bool:
    """Comma-separated (Excel's 另存为 CSV): no tabs or pipe tables, and commas on most lines.
    Chinese prose uses the full-width ，, so ASCII commas are the separator."""
    content = [line for line in lines if line.strip()]
    if not content or any("\t" in line or line.lstrip().startswith("|") for line in content):
        return False
    return sum("," in line for line in content) >= 0.5 * len(content)


def _records(text: str, lines: list[str]):
    """(line number, raw cells) per row: CSV records (quoted cells may span lines) or text lines."""
    if _is_csv(lines):
        reader = csv.reader(io.StringIO(text))
        start = 1
        for record in reader:
            yield start, record
            start = reader.line_num + 1
        return
    for number, line in enumerate(lines, start=1):
        parts = _split(line)
        if parts is not None:
            yield number, parts


def text_to_grids(text: str, source: str, sheet: str = "文本") -> list[Grid]:
    """One Grid for the whole text; one-cell-per-line dumps are regrouped into rows first."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    rows: list[tuple[Cell, ...]] = []
    for number, parts in _records(text, lines):
        cells = tuple(
            Cell(clean, number, col) for col, raw in enumerate(parts, start=1) if (clean := clean_cell(raw))
        )
        if cells:
            rows.append(cells)
    if _is_dump(rows):
        rows = _regroup_dump(rows)
    return [Grid(source, sheet, tuple(rows))]


def _is_dump(rows: list[tuple[Cell, ...]]) -> bool:
    """A dump has one cell per line throughout, and the indicator header spread over several lines."""
    if not rows or any(len(r) > 1 for r in rows):
        return False
    keys = [vocab.norm(r[0].text) for r in rows]
    return "一级指标" in keys and "三级指标" in keys


def _regroup_dump(rows: list[tuple[Cell, ...]]) -> list[tuple[Cell, ...]]:
    """Rebuild table rows from a one-cell-per-line dump, using the form's fixed vocabulary.

    A row starts at a known row label (header labels, funds rows, level names, 总分, 备注); an
    indicator row is a level-3 name followed by as many cells as the indicator header has after it.
    Each rebuilt cell keeps its own line number; its column is its position in the rebuilt row.
    """
    cells = [r[0] for r in rows]
    out: list[list[Cell]] = []
    current: list[Cell] = []
    indicator_fields = 0  # cells per indicator row after the level names, known once the header is seen
    in_header = False
    in_grid = False

    def flush() -> None:
        nonlocal current
        if current:
            out.append(current)
        current = []

    for cell in cells:
        key = vocab.norm(cell.text)
        if key in vocab.INDICATOR_HEADER_FIRST and not in_grid:
            flush()
            in_header, in_grid = True, True
            indicator_fields = 0
            current.append(cell)
            continue
        if in_header:
            field = vocab.indicator_header_field(key)
            if field is not None:
                current.append(cell)
                indicator_fields += field not in ("level1", "level2")
                continue
            in_header = False
            flush()
        if in_grid:
            if vocab.is_total_label(key) or vocab.is_remark_label(key) or vocab.is_form_start(key):
                in_grid = False
                flush()
                current.append(cell)
                continue
            if vocab.level1_of(key) or vocab.level2_family(key):
                if current and not (len(current) == 1 and vocab.level1_of(vocab.norm(current[0].text))):
                    flush()
                current.append(cell)
                continue
            non_level = [c for c in current if not _is_level(c)]
            if len(non_level) >= indicator_fields:
                flush()
            current.append(cell)
            continue
        if vocab.starts_row(key):
            flush()
        current.append(cell)
    flush()
    return [tuple(Cell(c.text, c.row, col) for col, c in enumerate(row, start=1)) for row in out]


def _is_level(cell: Cell) -> bool:
    key = vocab.norm(cell.text)
    return bool(vocab.level1_of(key) or vocab.level2_family(key))
