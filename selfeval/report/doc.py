"""The Word document both reports are written into: page, fonts, headings, paragraphs, tables.

Everything reaches the document through `safe()` and plain text runs: form text can never become a
field code, a hyperlink or a formula (python-docx writes <w:t> text; nothing here writes fldSimple,
instrText or hyperlink elements), and characters XML cannot hold are dropped. The markers
【请补充】 and 【草拟，请确认】 are highlighted so a reader finds what is left to do.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell

from selfeval.report.wording import MARKERS

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号
TITLE_SIZE = Pt(18)  # 小二
KEEP_TOGETHER = 20  # rows

# XML 1.0 refuses C0 controls except tab/newline/CR, lone surrogates and U+FFFE/U+FFFF; the bidi
# overrides are legal but let text display in another order than it is stored, so they go too
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_MARKER = re.compile("(" + "|".join(re.escape(m) for m in MARKERS) + ")")


def safe(text: object) -> str:
    """Text a docx can hold, shown literally: controls dropped, line ends unified, tabs as spaces."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNSAFE.sub("", value)


def _fonts(run_or_style, east_asian: str, size: Pt | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor(0, 0, 0)
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named one in Word
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")  # Chinese text laid out and substituted as Chinese


class Writer:
    """A report document being written, top to bottom."""

    def __init__(self, title: str, subtitle: str, notes: Sequence[str]):
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin = section.bottom_margin = Cm(2.54)
        section.left_margin = section.right_margin = Cm(2.8)
        normal = self.doc.styles["Normal"]
        _fonts(normal, BODY_FONT, BODY_SIZE)
        normal.paragraph_format.line_spacing = 1.3
        normal.paragraph_format.space_after = Pt(2)
        for name, size in (("Heading 1", Pt(15)), ("Heading 2", Pt(14)), ("Title", TITLE_SIZE)):
            style = self.doc.styles[name]
            _fonts(style, HEADING_FONT, size, bold=name != "Heading 2")
            style.font.italic = False
            style.paragraph_format.space_before = Pt(10 if name == "Heading 1" else 6)
            style.paragraph_format.space_after = Pt(4)
            _no_border(style)
        self.doc.core_properties.title = safe(title)[:255]  # the format's limit; the page keeps it whole
        self.doc.core_properties.author = "selfeval"
        head = self.doc.add_paragraph(style="Title")
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        head.add_run(safe(title))
        sub = self.doc.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(sub.add_run(safe(subtitle)), BODY_FONT, BODY_SIZE)
        for note in notes:
            p = self._para(note, indent=False)
            for run in p.runs:
                run.font.size = Pt(10.5)

    # ------------------------------------------------------------------------------ paragraphs
    def h1(self, text: str) -> None:
        self.doc.add_paragraph(safe(text), style="Heading 1")

    def h2(self, text: str) -> None:
        p = self.doc.add_paragraph(style="Heading 2")
        p.paragraph_format.first_line_indent = Pt(28)
        p.add_run(safe(text))

    def para(self, *sentences: str) -> None:
        """One body paragraph of the sentences given (empty ones skipped), first line indented."""
        text = "".join(s for s in sentences if s)
        if text:
            self._para(text)

    def _para(self, text: str, indent: bool = True):
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(28)
        for piece in _MARKER.split(safe(text)):
            if not piece:
                continue
            run = p.add_run(piece)
            if piece in MARKERS:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
                run.font.bold = True
        return p

    # ------------------------------------------------------------------------------ tables
    def table(
        self, head: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], bold_last=False
    ) -> None:
        """A bordered table with a repeated header row; widths in cm; cells are plain text."""
        table = self.doc.add_table(rows=1 + len(rows), cols=len(head))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _repeat_header(table.rows[0])
        for r, (row, values) in enumerate(zip(table.rows, [head, *rows], strict=True)):
            bold = r == 0 or (bold_last and r == len(rows))
            cells = [_Cell(tc, table) for tc in row._tr.tc_lst]  # table.cell() rescans the table: quadratic
            for c, value in enumerate(values):
                cell = cells[c]
                cell.width = Cm(widths[c])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.paragraph_format.first_line_indent = None
                p.paragraph_format.line_spacing = 1.0
                p.paragraph_format.space_after = Pt(0)
                if r == 0 or _numeric(value):
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                # a table that fits a page stays on one page (each row keeps with the next)
                p.paragraph_format.keep_with_next = r < len(rows) and len(rows) <= KEEP_TOGETHER
                _fonts(p.add_run(safe(value)), HEADING_FONT if r == 0 else BODY_FONT, TABLE_SIZE, bold)
        for c, width in enumerate(widths):
            table.columns[c].width = Cm(width)
        self.doc.add_paragraph()

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


_NUMERIC = re.compile(r"^[\d.,%—\-]+$")


def _numeric(value: str) -> bool:
    return bool(_NUMERIC.match(value.strip()))


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    trpr.append(mark)


def _no_border(style) -> None:
    """The default Title style draws a blue rule under it; reports have none."""
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
