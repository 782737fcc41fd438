"""PDF with a text layer -> Grids: pages read by geometry (pdfpage) joined into forms.

Columns are numbered over a form's pages by the x of the cells' left edges, so a form continued on a
second page keeps its columns, and a cell merged down fills the rows it spans like a workbook merge:
the Grid is the one a workbook gives, and recognition is written once. A page continues the form
before it while that form has no 总分 yet and the page starts none (repeated headings dropped);
pages without ruling lines go to the text layouts' column reader. A form with a refused page is left
out whole, with the reason; a page that is not a form is skipped with a note; a PDF none of whose
pages has text is a scan, refused.
"""

from __future__ import annotations

import io
import re
from bisect import bisect_right

import pdfplumber

from selfeval.messages import READING, issue
from selfeval.model import Cell, Grid, Issue, Loc
from selfeval.readers import vocab
from selfeval.readers.limits import Refused, refuse
from selfeval.readers.pdfpage import MAX_PAGE_CHARS, MAX_PAGE_EDGES, SNAP, Line, Page, read_page
from selfeval.readers.text import text_to_grids

_YEAR_ROW = re.compile(r"^\(?(?:19|20)\d{2}年度?\)?$")


def pdf_to_grids(data: bytes, source: str) -> list[Grid]:
    """One Grid per form-sized run of pages ("第1页", "第2–3页"); raises Refused when no page has a text
    layer (a scan). Pages that are not forms give Grids the recogniser notes and skips."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [read_page(page, n) for n, page in enumerate(pdf.pages, start=1)]
    except MemoryError:
        raise
    except Exception:  # pdfminer's syntax errors, a damaged xref, a broken font: the file, not a page
        raise refuse("PDF_CORRUPT") from None
    if pages and all(p.scanned or p.empty for p in pages):
        raise Refused("PDF_SCANNED", READING["PDF_SCANNED"])
    return [_grid(group, _column_edges(group), source) for group in _groups(pages)]


def _column_edges(pages: list[Page]) -> list[float]:
    """The left edges of all table cells of a form's pages, near ones merged: a column's number is its
    place here, the same on every page printed from the same sheet."""
    edges = sorted({cell[0] for p in pages for line in p.lines if line.ruled for cell in line.cells})
    merged: list[float] = []
    for x in edges:
        if not merged or x - merged[-1] > SNAP:
            merged.append(x)
    return merged


def _starts_form(page: Page) -> bool:
    """A page that begins a form: the 项目名称/项目编码 label, or a funds header row (预算数 and 执行数),
    before any indicator header. A title alone does not (print titles repeat it on every page)."""
    for line in page.lines:
        keys = [vocab.norm(c[2]) for c in line.cells if c[2]]
        if any((vocab.header_label(k) or ("",))[0] in ("project_code", "project_name") for k in keys):
            return True
        if {"annual_budget", "executed"} <= {vocab.funds_header_field(k) for k in keys}:
            return True
        if len({vocab.indicator_header_field(k) for k in keys} - {None}) >= 3:
            return False
    return any(vocab.is_title(vocab.norm(line)) for line in page.layout[:8])


def _heading(line: Line) -> bool:
    """A title or a `（2023年度）` row: printed again at the top of a form's every page by print titles."""
    keys = [vocab.norm(c[2]) for c in line.cells if c[2]]
    return bool(keys) and all(vocab.is_title(k) or _YEAR_ROW.match(k) for k in keys)


def _open_form(pages: list[Page]) -> bool:
    """The run's last form is not finished: a 项目名称/项目编码 label with no 总分 row after it."""
    rows = [[c[2] for c in line.cells] for p in pages for line in p.lines]
    rows += [text.split() for p in pages for text in p.layout]
    open_ = False
    for row in rows:
        keys = [vocab.norm(t) for t in row if t]
        if any((vocab.header_label(k) or ("",))[0] in ("project_code", "project_name") for k in keys):
            open_ = True
        elif any(vocab.is_total_label(k) for k in keys[:2]):
            open_ = False
    return open_


def _groups(pages: list[Page]) -> list[list[Page]]:
    """Runs of pages that make one form (or several, one after another): a page continues the run
    before it when that run's last form is not finished (no 总分 yet) and the page does not start a
    form itself; otherwise it starts a run (a cover, a list, a page of notes after a form: its own)."""
    groups: list[list[Page]] = []
    for page in pages:
        if page.empty and not page.scanned:
            groups.append([page])  # a blank page: noted, never joined
        elif groups and _open_form(groups[-1]) and (page.scanned or not _starts_form(page)):
            groups[-1].append(page)  # a picture after half a form: that form is not all there
        elif groups and groups[-1][-1].problem and not page.scanned and not _starts_form(page):
            groups[-1].append(page)  # the rest of a refused page's form: refused with it
        else:
            groups.append([page])
    return groups


def _name(group: list[Page]) -> str:
    first, last = group[0].number, group[-1].number
    return f"第{first}页" if first == last else f"第{first}–{last}页"


def _grid(group: list[Page], columns: list[float], source: str) -> Grid:
    sheet = _name(group)
    bad = next((p for p in group if p.problem or (p.scanned and len(group) > 1)), None)
    if bad is not None:
        return Grid(source, sheet, (), (_page_issue(bad.problem or "PDF_PAGE_SCANNED", sheet, bad.number),))
    if group[0].scanned:
        return Grid(source, sheet, (), (_page_issue("PDF_PAGE_SCANNED", sheet, group[0].number),))
    if group[0].empty:
        return Grid(source, sheet, (), (_page_issue("PDF_PAGE_SKIPPED", sheet, group[0].number),))
    if any(p.layout for p in group):
        if any(p.ruled for p in group):
            return Grid(source, sheet, (), (_page_issue("PDF_MIXED_PAGES", sheet, group[0].number),))
        (grid,) = text_to_grids("\n".join(t for p in group for t in p.layout), source, sheet)
        return grid
    rows: list[list[tuple[int, str, int]]] = []
    header: set[str] = set()  # the indicator header's fields, once seen
    for page in group:
        continued = page is not group[0]
        first_ruled = next((k for k, line in enumerate(page.lines) if line.ruled), 0)
        while continued and first_ruled < len(page.lines) and _heading(page.lines[first_ruled]):
            first_ruled += 1  # the title printed again at the top of a continued page
        for k, line in enumerate(page.lines):
            if continued and k < first_ruled:
                continue  # above a continued table: a heading, or a merged cell's text clipped at the break
            fields = {f for c in line.cells if c[2] and (f := vocab.indicator_header_field(vocab.norm(c[2])))}
            if k == first_ruled and continued and len(fields) >= 3 and fields == header:
                continue  # the indicator header printed again at the top of a continued page
            if line.ruled and "target" in fields and not header:
                header = fields
            rows.append(_placed(line, columns))
    return Grid(source, sheet, _filled(rows))


def _page_issue(code: str, sheet: str, page: int) -> Issue:
    return issue(code, Loc(sheet, 1), page=page, sheet=sheet, chars=MAX_PAGE_CHARS, edges=MAX_PAGE_EDGES)


def _placed(line: Line, columns: list[float]) -> list[tuple[int, str, int]]:
    """A line's cells as (column, text, rows spanned): a table cell in the column of its left edge,
    a free line's cells in 1, 2, … (their labels, not their places, say what they are)."""
    if not line.ruled:
        return [(col, text, 1) for col, (_x0, _x1, text, _n) in enumerate(line.cells, start=1)]
    return [(bisect_right(columns, x0 + SNAP), text, spanned) for x0, _x1, text, spanned in line.cells]


def _filled(rows: list[list[tuple[int, str, int]]]) -> tuple[tuple[Cell, ...], ...]:
    """Grid rows: a cell merged over rows fills the left cell of each further row it spans, as a
    workbook merge does; empty cells go."""
    out: list[dict[int, str]] = [{} for _ in rows]
    for r, row in enumerate(rows):
        for col, text, spanned in row:
            if text:
                for k in range(r, min(r + spanned, len(rows))):
                    out[k][col] = text
    return tuple(
        tuple(Cell(text, r + 1, col) for col, text in sorted(row.items())) for r, row in enumerate(out) if row
    )
