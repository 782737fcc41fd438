"""Print and export of what the pages show: tables as an Excel workbook, and a page (总览 or 项目详情)
as a tidy A4 PDF with its headline figures, charts and tables, for a meeting.

Charts are Altair specs drawn to PNG by vl-convert (no browser); the PDF is laid out by reportlab
with its built-in CID font STSong-Light (Adobe-GB1), which needs no font file to embed. Text from
forms goes into cells as strings only (never a formula) and into PDF paragraphs escaped.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from selfeval import fmt
from selfeval.cells import formula_like
from selfeval.names import unique_sheet_names
from selfeval.present.markdown import unlink
from selfeval.textnorm import strip_controls

CJK_FONT = "STSong-Light"
# where Debian's fonts-noto-cjk puts its files: vl-convert draws chart labels with them
FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/noto", "/usr/share/fonts")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_MIME = "application/pdf"


# ------------------------------------------------------------------------------------------ Excel


def _cell_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return None
    except (TypeError, ValueError):
        pass
    return value


def tables_xlsx(sheets: Mapping[str, pd.DataFrame], number_format: str = "#,##0.00") -> bytes:
    """One worksheet per table (sheet names cut to Excel's 31 characters), a bold header row, numbers
    with separators and 2 decimals, text always a string cell (formula injection, CWE-1236)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, df in zip(unique_sheet_names(sheets), sheets.values(), strict=True):
        ws = wb.create_sheet(name)
        for c, col in enumerate(df.columns, start=1):
            cell = ws.cell(row=1, column=c, value=strip_controls(str(col)))
            cell.data_type = "s"
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)]) + 2
            ws.column_dimensions[get_column_letter(c)].width = min(max(width * 1.6, 8), 60)
        for r, row in enumerate(df.itertuples(index=False), start=2):
            for c, value in enumerate(row, start=1):
                value = _cell_value(value)
                cell = ws.cell(row=r, column=c)
                if isinstance(value, str):
                    value = strip_controls(value)  # openpyxl refuses control characters (stored text)
                    cell.value = value
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                    if formula_like(value):
                        cell.quotePrefix = True
                elif isinstance(value, bool):
                    cell.value = "是" if value else ""
                elif isinstance(value, (int, float)):
                    cell.value = value
                    if isinstance(value, float):
                        cell.number_format = number_format
                elif value is not None:
                    cell.value = value
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------ charts


_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if _fonts_registered:
        return
    import vl_convert as vlc

    for directory in FONT_DIRS:
        if Path(directory).is_dir():
            try:
                vlc.register_font_directory(directory)
            except Exception:  # a directory vl-convert cannot read: the chart falls back
                continue
    _fonts_registered = True


def chart_png(chart: object, scale: float = 2.0) -> bytes | None:
    """An Altair chart drawn to PNG without a browser; None when it cannot be drawn (the PDF then
    says so instead of failing)."""
    try:
        import vl_convert as vlc

        _register_fonts()
        spec = chart.to_dict() if hasattr(chart, "to_dict") else chart
        return vlc.vegalite_to_png(spec, scale=scale)
    except Exception:
        return None


# ------------------------------------------------------------------------------------------ PDF


@dataclass
class PdfPage:
    """What one printed page holds: a title, a subtitle line, the one-sentence summary, headline
    figures (label, value), charts and tables (title, DataFrame, column formats)."""

    title: str
    subtitle: str = ""
    summary: str = ""
    figures: Sequence[tuple[str, str]] = ()
    charts: Sequence[object] = ()
    tables: Sequence[tuple[str, pd.DataFrame]] = ()
    notes: Sequence[str] = field(default_factory=list)


def _text(value: object) -> str:
    """A table cell as printed text: numbers with separators and 2 decimals, "—" for nothing."""
    value = _cell_value(value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, float):
        return fmt.number(value)
    if isinstance(value, int):
        return fmt.count(value)
    return str(value)


# characters STSong-Light (Adobe-GB1) lacks, and what prints in their place
_PRINT_SUBSTITUTES = str.maketrans({"·": "｜", "⚠": "！", "∞": "无穷", "≥": "≥", "≤": "≤"})


def _printable(text: object) -> str:
    """Text as printed: glyphs the font lacks replaced, and no bare URL, `www.` or e-mail address a
    PDF viewer would make a link of (markdown.unlink)."""
    return unlink(str(text), printed=True).translate(_PRINT_SUBSTITUTES)


def page_pdf(page: PdfPage) -> bytes:
    """The page as an A4 PDF (portrait, 15 mm margins) with Chinese text, charts and tables."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    base = ParagraphStyle(
        "base", fontName=CJK_FONT, fontSize=10, leading=15, alignment=TA_LEFT, wordWrap="CJK"
    )
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4)
    sub = ParagraphStyle("sub", parent=base, fontSize=9, textColor=colors.HexColor("#6B7280"))
    h2 = ParagraphStyle("h2", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=base, fontSize=8, leading=11)
    summary = ParagraphStyle(
        "summary",
        parent=base,
        fontSize=11,
        leading=17,
        backColor=colors.HexColor("#F3F4F6"),
        borderPadding=6,
        spaceBefore=6,
        spaceAfter=10,
    )

    def para(text: object, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(_printable(text)).replace("\n", "<br/>"), style)

    buffer = io.BytesIO()
    width = A4[0] - 30 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=page.title,
        author="项目支出绩效自评",
    )
    story: list = [para(page.title, title)]
    if page.subtitle:
        story.append(para(page.subtitle, sub))
    if page.summary:
        story.append(para(page.summary, summary))
    if page.figures:
        per_row = 4
        cells = [
            [para(label, sub), para(value, ParagraphStyle("fig", parent=base, fontSize=14, leading=18))]
            for label, value in page.figures
        ]
        rows = []
        for i in range(0, len(cells), per_row):
            chunk = cells[i : i + per_row] + [["", ""]] * (per_row - len(cells[i : i + per_row]))
            rows.append([c[0] for c in chunk])
            rows.append([c[1] for c in chunk])
        grid = Table(rows, colWidths=[width / per_row] * per_row)
        grid.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
        )
        story += [grid, Spacer(1, 6)]
    for chart in page.charts:
        png = chart_png(chart)
        if png is None:
            story.append(para("（图表无法生成）", sub))
            continue
        img = Image(io.BytesIO(png))
        ratio = img.imageHeight / img.imageWidth if img.imageWidth else 1
        w = min(width, img.imageWidth / 2)
        h = w * ratio
        max_h = A4[1] - 60 * mm
        if h > max_h:
            h, w = max_h, max_h / ratio
        img.drawWidth, img.drawHeight = w, h
        story += [img, Spacer(1, 6)]
    for caption, df in page.tables:
        story.append(para(caption, h2))
        if df is None or df.empty:
            story.append(para("无", base))
            continue
        data = [[para(c, cell) for c in df.columns]]
        data += [[para(_text(v), cell) for v in row] for row in df.itertuples(index=False)]
        lengths = [max([len(str(c))] + [len(_text(v)) for v in df[c].head(100)]) for c in df.columns]
        total = sum(min(n, 30) + 4 for n in lengths)
        widths = [width * (min(n, 30) + 4) / total for n in lengths]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9CA3AF")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E5E7EB")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 3),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        story.append(table)
    for note in page.notes:
        story += [Spacer(1, 4), para(note, sub)]

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(CJK_FONT, 8)
        canvas.setFillColor(colors.HexColor("#6B7280"))
        canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, _printable(f"{page.title}　第 {doc_.page} 页"))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def frames_for_print(
    frames: Iterable[tuple[str, pd.DataFrame]], limit: int = 200
) -> list[tuple[str, pd.DataFrame]]:
    """Tables cut to `limit` rows for paper (the Excel export carries them whole)."""
    out = []
    for caption, df in frames:
        if df is not None and len(df) > limit:
            out.append((f"{caption}（前 {limit} 行，共 {len(df)} 行）", df.head(limit)))
        else:
            out.append((caption, df))
    return out
