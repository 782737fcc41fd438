"""Forms printed to PDF as units print them: LibreOffice Calc from the workbooks the tests build, and
reportlab drawing the same cells (ruled, or without lines), portrait or landscape, a form on one page
or over two, several forms in one PDF.

``printable`` gives a workbook the page setup a unit's printout has (thin borders, wrapped text,
columns wide enough, one page wide); ``libreoffice`` converts many workbooks in one soffice run;
``drawn`` renders worksheets with reportlab's built-in Chinese font (STSong-Light).
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Side
from openpyxl.worksheet.pagebreak import Break

_THIN = Side(style="thin")


def _width(text: object) -> int:
    """Display width in Excel's character units (a Chinese character counts two)."""
    if isinstance(text, float):
        text = f"{text:g}"
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def _merged(ws) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    return {
        (r.min_row, r.min_col): (r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells.ranges
    }


def _layout(ws) -> tuple[dict[int, float], dict[int, float]]:
    """Column widths (characters) that fit every unmerged cell, and row heights (points) that fit
    every wrapped merged cell: a printout where every cell shows all its text."""
    merged = _merged(ws)
    inside = {
        (r, c) for (r0, c0, r1, c1) in merged.values() for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
    }
    widths: dict[int, float] = {c: 6.0 for c in range(1, ws.max_column + 1)}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None and (cell.row, cell.column) not in inside:
                widths[cell.column] = max(widths[cell.column], min(_width(cell.value) + 2, 24))
    for r0, c0, r1, c1 in merged.values():  # a merged cell as wide as its text, up to 48 characters
        value = ws.cell(r0, c0).value
        if value is not None and r0 == r1:
            short = min(_width(value) + 2, 48) - sum(widths[c] for c in range(c0, c1 + 1))
            if short > 0:
                widths[c1] += short
    heights: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            r0, c0, r1, c1 = merged.get(
                (cell.row, cell.column), (cell.row, cell.column, cell.row, cell.column)
            )
            room = sum(widths[c] for c in range(c0, c1 + 1)) - 1
            lines = math.ceil(_width(cell.value) / max(room, 1))
            need = lines * 16.0 / (r1 - r0 + 1)
            heights[cell.row] = max(heights.get(cell.row, 16.0), need)
    return widths, heights


def printable(
    data: bytes,
    *,
    landscape: bool = False,
    borders: bool = True,
    break_after: int | None = None,
    repeat_rows: str | None = None,
    page_setup_only: bool = False,
) -> bytes:
    """The workbook as a unit prints it: thin borders on every cell of the used range, wrapped text,
    columns wide enough, one page wide; break_after: a page break after that row; repeat_rows: rows
    printed again at the top of every page (`"12:12"`, the indicator header)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        if page_setup_only:  # a workbook with its own widths, heights and borders (our template)
            _page_setup(ws, landscape, break_after, repeat_rows)
            continue
        widths, heights = _layout(ws)
        for c, w in widths.items():
            ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = w
        for r, h in heights.items():
            ws.row_dimensions[r].height = h
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column):
            for cell in row:
                if borders:
                    cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
                cell.alignment = Alignment(wrap_text=True, vertical="center")
        _page_setup(ws, landscape, break_after, repeat_rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _page_setup(ws, landscape: bool, break_after: int | None, repeat_rows: str | None) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if break_after:
        ws.row_breaks.append(Break(id=break_after))
    if repeat_rows:
        ws.print_title_rows = repeat_rows


def libreoffice(workbooks: dict[str, bytes], folder: Path) -> dict[str, bytes]:
    """Every workbook printed to PDF by LibreOffice Calc in ONE soffice run (seconds per run)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: bash scripts/setup.sh --dev installs it")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in workbooks.items():
        path = folder / f"{name}.xlsx"
        path.write_bytes(data)
        paths.append(str(path))
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(folder), *paths],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    return {name: (folder / f"{name}.pdf").read_bytes() for name in workbooks}


# ---------------------------------------------------------------------------------------- reportlab


def _lines_of(text: str, room: float, size: float) -> list[str]:
    """Text wrapped to the room (points) character by character, as Excel wraps Chinese."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line, width = [], "", 0.0
    for ch in text:
        w = stringWidth(ch, "STSong-Light", size)
        if line and width + w > room:
            lines.append(line)
            line, width = "", 0.0
        line += ch
        width += w
    return [*lines, line] if line else lines


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"  # as Excel's General format shows a number
    return str(value)


def drawn(
    sheets: list,
    *,
    landscape: bool = False,
    ruled: bool = True,
    unruled: frozenset[int] = frozenset(),
    break_after: dict[int, int] | None = None,
    repeat_header: dict[int, int] | None = None,
    together: bool = False,
    compress: bool = True,
    bars: bool = False,
    stored_turned: bool = False,
) -> bytes:
    """The worksheets drawn as tables with reportlab: each sheet on a new page (together: one after
    another while the page has room), its cells with their merges, one page wide; break_after
    {sheet index: row}: a new page after that row; repeat_header {sheet index: row}: that row drawn
    again at the top of the continued page. ruled=False: no lines, only the text where the cells are;
    bars=True: as Excel prints, borders as thin filled bars over grey and white filled backgrounds;
    stored_turned=True: a landscape page stored as a portrait one with /Rotate 90; unruled: the sheets
    (by index) drawn without lines.
    A merge cut by a page break keeps its text in its first page's part."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pagesizes import landscape as turned
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page_w, page_h = turned(A4) if landscape else A4
    margin, size = 36.0, 9.0
    boxes: list[list[tuple]] = [[]]  # per page: (x0, top, x1, bottom, text)
    y = page_h - margin
    for index, ws in enumerate(sheets):
        widths, _ = _layout(ws)
        scale = (page_w - 2 * margin) / sum(widths.values())
        xs = [margin]
        for c in range(1, ws.max_column + 1):
            xs.append(xs[-1] + widths[c] * scale)
        merged = _merged(ws)
        covered = {(r, c) for (r0, c0, r1, c1) in merged.values() for r in range(r0, r1 + 1)
                   for c in range(c0, c1 + 1) if (r, c) != (r0, c0)}  # fmt: skip
        heights = {r: _row_height(ws, r, xs, merged, size) for r in range(1, ws.max_row + 1)}
        for r0, c0, r1, c1 in merged.values():  # a cell merged down gets the height its text needs
            value = ws.cell(r0, c0).value
            if value is not None and r1 > r0:
                need = len(_lines_of(_show(value), xs[c1] - xs[c0 - 1] - 4, size)) * (size + 3) + 4
                short = need - sum(heights[r] for r in range(r0, r1 + 1))
                if short > 0:
                    heights[r1] += short
        if boxes[-1] and (not together or y - sum(heights.values()) < margin):
            boxes.append([])
            y = page_h - margin
        place: dict[int, tuple[int, float]] = {}  # row -> (page, top)
        for r in range(1, ws.max_row + 1):
            if (break_after or {}).get(index) == r - 1 or y - heights[
                r
            ] < margin:  # asked, or the page is full
                boxes.append([])
                y = page_h - margin
                header = (repeat_header or {}).get(index)
                if header:
                    for c in range(1, ws.max_column + 1):
                        if (header, c) not in covered:
                            _, c0, _, c1 = merged.get((header, c), (header, c, header, c))
                            boxes[-1].append(
                                (xs[c0 - 1], y, xs[c1], y - heights[header], ws.cell(header, c).value, index)
                            )
                    y -= heights[header]
            place[r] = (len(boxes) - 1, y)
            y -= heights[r]
        for r in range(1, ws.max_row + 1):
            for c in range(1, ws.max_column + 1):
                if (r, c) in covered:
                    continue
                r0, c0, r1, c1 = merged.get((r, c), (r, c, r, c))
                page, top = place[r0]
                text = ws.cell(r, c).value
                for k in range(r0, r1 + 1):  # a merge's part on each page it reaches
                    if k == r1 or place[k + 1][0] != place[k][0]:
                        boxes[place[k][0]].append(
                            (xs[c0 - 1], top, xs[c1], place[k][1] - heights[k], text, index)
                        )
                        if k < r1:
                            top, text = place[k + 1][1], None
        y -= 2 * size
    out = io.BytesIO()
    size_on_paper = (page_h, page_w) if stored_turned else (page_w, page_h)
    pdf = canvas.Canvas(out, pagesize=size_on_paper, invariant=True, pageCompression=int(compress))
    for page in boxes:
        if stored_turned:  # a landscape page kept as a portrait one turned by /Rotate, as some printers do
            pdf.translate(page_h, 0)
            pdf.rotate(90)
        if bars:  # as Excel prints: a white page behind everything
            pdf.setFillGray(1)
            pdf.rect(0, 0, page_w, page_h, stroke=0, fill=1)
        for x0, top, x1, bottom, value, index in page:
            ruling = ruled and index not in unruled
            if bars and ruling:  # grey filled cells, borders as thin filled bars
                pdf.setFillGray(0.85 if isinstance(value, str) else 1)
                pdf.rect(x0, bottom, x1 - x0, top - bottom, stroke=0, fill=1)
                pdf.setFillGray(0)
                for bx, by, bw, bh in (
                    (x0, top - 0.5, x1 - x0, 0.5),
                    (x0, bottom, x1 - x0, 0.5),
                    (x0, bottom, 0.5, top - bottom),
                    (x1 - 0.5, bottom, 0.5, top - bottom),
                ):
                    pdf.rect(bx, by, bw, bh, stroke=0, fill=1)  # fmt: skip
            elif ruling:
                pdf.setLineWidth(0.5)
                pdf.rect(x0, bottom, x1 - x0, top - bottom)
            pdf.setFillGray(0)
            if value is None:
                continue
            lines = _lines_of(_show(value), x1 - x0 - 4, size)
            pdf.setFont("STSong-Light", size)
            first = (top + bottom) / 2 + (len(lines) - 1) * (size + 3) / 2 - size / 3
            for k, line in enumerate(lines):
                pdf.drawString(x0 + 2, first - k * (size + 3), line)
        pdf.showPage()
    pdf.save()
    return out.getvalue().replace(b"/Rotate 0", b"/Rotate 90") if stored_turned else out.getvalue()


def _row_height(ws, r: int, xs: list[float], merged, size: float) -> float:
    """Points that hold the row's longest wrapped single-row cell."""
    need = 1
    for c in range(1, ws.max_column + 1):
        value = ws.cell(r, c).value
        r0, c0, r1, c1 = merged.get((r, c), (r, c, r, c))
        if value is not None and r1 == r0:
            need = max(need, len(_lines_of(_show(value), xs[c1] - xs[c0 - 1] - 4, size)))
    return need * (size + 3) + 4
