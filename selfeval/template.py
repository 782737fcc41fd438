"""Scorecards -> the import template: one sheet per form, in the official 项目支出绩效自评表 layout.

Grey (置灰) cells hold what the system owns and are locked; white cells hold what the unit fills
(实际完成情况, 实际完成值, third-level 分值, 得分, 偏差原因) and are unlocked. The labels are the
official ones, so the readers recognise a written template as the form it came from.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.protection import SheetProtection
from openpyxl.worksheet.worksheet import Worksheet

from selfeval.bounds import finite_sum, sane_weight
from selfeval.cells import formula_like
from selfeval.messages import TEMPLATE_DECLARED_COMMENT as COMMENT_DECLARED
from selfeval.model import Form, FundsLine, IndicatorScore, Scorecard
from selfeval.names import file_name, name_part, unique_sheet_names

TITLE = "项目支出绩效自评表"
REMARK = (
    "作为导入模板，置灰信息无需录入且不可修改。置灰部分如强制修改导入系统，数据有出入请自行负责；"
    "作为导出模板，置灰信息系统自动带出。"
)
FONT_NAME = "宋体"  # Excel/WPS show it on Chinese Windows; LibreOffice substitutes a CJK font
GREY_RGB = "D9D9D9"
AMOUNT_FORMAT = "#,##0.00"
POINTS_FORMAT = "0.00"
TEXT_FORMAT = "@"
COMMENT_AUTHOR = "selfeval"
# column widths A..I, in Excel character units
WIDTHS = (15, 22, 16, 22, 16, 16, 9, 9, 44)
LINE_HEIGHT = 13.5  # points per line of 10-point 宋体
MAX_CELL_TEXT = 32767  # Excel's limit for one cell

_GREY = PatternFill("solid", fgColor=GREY_RGB)
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_LOCKED = Protection(locked=True)
_UNLOCKED = Protection(locked=False)
_FONT = Font(name=FONT_NAME, size=10)
_BOLD = Font(name=FONT_NAME, size=10, bold=True)
_TITLE_FONT = Font(name=FONT_NAME, size=18, bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1)
_TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True, indent=1)

_PART_LABELS = (
    ("当年财政拨款", "其中：当年财政拨款"),
    ("上年结转", "上年结转资金"),
    ("其他资金", "其他资金"),
)


def write_template(scorecards: Sequence[Scorecard], *, sheet_names: Sequence[str] | None = None) -> bytes:
    """The import template: one sheet per form, in the official layout.

    Written scores, the execution rate and the total are the computed ones (Scorecard), never the
    declared ones. Where the rules could not compute a value (None), the declared value is written if
    the document had one, with a cell comment saying so; otherwise the cell is left blank.
    Sheets are protected without a password (a guard against slips: the importer never trusts grey
    cells anyway); rows and columns may be resized.
    """
    if not scorecards:
        raise ValueError("no scorecards to write")
    if sheet_names is not None and len(sheet_names) != len(scorecards):
        raise ValueError("sheet_names must name every scorecard")
    wanted = sheet_names or [c.form.header.project_name or c.form.header.project_code for c in scorecards]
    names = unique_sheet_names(wanted)
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = COMMENT_AUTHOR
    workbook.properties.title = TITLE
    for card, name in zip(scorecards, names, strict=True):
        _SheetWriter(workbook.create_sheet(name), card).write()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_filename(form: Form) -> str:
    """f"{project_code}_{project_name}.xlsx", safe on every OS (selfeval.names)."""
    parts = [name_part(form.header.project_code, 40), name_part(form.header.project_name, 60)]
    return file_name(parts, ".xlsx", fallback=TITLE)


# ------------------------------------------------------------------------------------------ helpers


def _clean_text(text: str) -> str:
    """Drop what XML cannot hold; line ends as XML reads them back (a bare CR becomes LF anyway)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_TEXT]


def _points(x: float) -> str:
    """50.0 -> "50", 12.5 -> "12.5": for the 一级指标 labels (absurd values as written, never an error)."""
    if not isinstance(x, int | float) or not math.isfinite(x) or abs(x) >= 1e15:
        return f"{x:g}" if isinstance(x, int | float) else str(x)
    x = round(x, 2)
    return str(int(x)) if x == int(x) else f"{x:g}"


def _storable(value: object) -> object:
    """A number Excel can hold: NaN, ±inf and magnitudes beyond 1e15 (no decimals left) go in as text,
    so a stored absurd value is shown as it is instead of breaking the workbook (issue 11)."""
    if isinstance(value, float) and (not math.isfinite(value) or abs(value) >= 1e15):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return str(value)
    return value


def _text_units(text: str) -> float:
    """Width of a text in Excel character units: CJK glyphs are about two."""
    return sum(1.9 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def _lines(text: str, width: float) -> int:
    usable = max(width - 2.0, 1.0)  # borders and the indent
    return sum(max(1, math.ceil(_text_units(part) / usable)) for part in text.split("\n"))


@dataclass
class _Spot:
    """One cell to write: value, kind (grey/white), look."""

    value: object
    white: bool = False
    number_format: str | None = None
    font: Font = _FONT
    align: Alignment = _CENTER
    comment: str | None = None


class _SheetWriter:
    """Lays out one form on one worksheet."""

    def __init__(self, ws: Worksheet, card: Scorecard):
        self.ws = ws
        self.card = card
        self.form = card.form
        self.heights: dict[int, float] = {}

    # cells -----------------------------------------------------------------------------------------
    def put(
        self, row: int, col: int, spot: _Spot, *, to_col: int | None = None, to_row: int | None = None
    ) -> None:
        """Write a cell (or a merged range) with its value, fill, border, protection and alignment."""
        last_col, last_row = to_col or col, to_row or row
        if last_col > col or last_row > row:
            self.ws.merge_cells(start_row=row, start_column=col, end_row=last_row, end_column=last_col)
        for r in range(row, last_row + 1):
            for c in range(col, last_col + 1):
                cell = self.ws.cell(row=r, column=c)
                cell.border = _BORDER
                cell.font = spot.font
                cell.alignment = spot.align
                cell.protection = _UNLOCKED if spot.white else _LOCKED
                if not spot.white:
                    cell.fill = _GREY
                if spot.number_format:
                    cell.number_format = spot.number_format
        cell = self.ws.cell(row=row, column=col)
        value = _storable(spot.value)
        if isinstance(value, str):
            value = _clean_text(value)
            if value:
                cell.value = value
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if formula_like(value):  # OWASP: Excel keeps it text even when the cell is edited
                    cell.quotePrefix = True
        elif value is not None:
            cell.value = value
        if spot.comment:
            cell.comment = Comment(spot.comment, COMMENT_AUTHOR, width=220, height=70)
        if isinstance(value, str) and value:
            width = sum(WIDTHS[c - 1] for c in range(col, last_col + 1))
            needed = _lines(value, width) * LINE_HEIGHT + 6
            rows = last_row - row + 1
            per_row = needed / rows
            for r in range(row, last_row + 1):
                self.heights[r] = max(self.heights.get(r, 0.0), per_row)

    def label(self, row: int, col: int, text: str, **span) -> None:
        self.put(row, col, _Spot(text, font=_BOLD), **span)

    def grey(self, row: int, col: int, value: object, fmt: str | None = None, **span) -> None:
        self.put(row, col, _Spot(value, number_format=fmt), **span)

    # layout ----------------------------------------------------------------------------------------
    def write(self) -> None:
        ws = self.ws
        for i, width in enumerate(WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.sheet_view.showGridLines = False
        self.put(1, 1, _Spot(TITLE, font=_TITLE_FONT), to_col=9)
        for c in range(1, 10):  # the title sits above the table: no fill, no border
            ws.cell(row=1, column=c).fill = PatternFill(fill_type=None)
            ws.cell(row=1, column=c).border = Border()
        self.heights[1] = 36
        row = self._header(2)
        row = self._funds(row)
        row = self._goals(row)
        row = self._indicators(row)
        row = self._total(row)
        last = self._remark(row)
        for r, height in self.heights.items():
            ws.row_dimensions[r].height = max(20.0, round(height, 1))
        self._page(last)
        self._protect()

    def _header(self, row: int) -> int:
        h = self.form.header
        year: object = int(h.year) if re.fullmatch(r"\d{4}", h.year or "") else h.year
        self.label(row, 1, "项目编码:")
        self.grey(row, 2, h.project_code)
        self.label(row, 3, "项目名称:")
        self.grey(row, 4, h.project_name, to_col=5)
        self.label(row, 6, "绩效自评年度:")
        self.grey(row, 7, year, to_col=9)
        self.label(row + 1, 1, "实施单位:")
        self.grey(row + 1, 2, h.unit)
        self.label(row + 1, 3, "一级预算单位:")
        self.grey(row + 1, 4, h.budget_unit, to_col=9)
        return row + 2

    def _funds(self, row: int) -> int:
        card, funds = self.card, self.form.funds
        self.label(row, 1, "资金使用情况", to_col=9)
        head = row + 1
        self.grey(head, 1, None, to_col=2)
        for col, text in enumerate(
            ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）"), start=3
        ):
            self.label(head, col, text)
        self.label(head, 8, "得分", to_col=9)
        first = head + 1
        self.label(first, 1, "项目资金（元）", to_row=first + 3)
        lines: list[tuple[str, FundsLine | None]] = [("年度资金总额", funds.total)]
        for key, text in _PART_LABELS:
            lines.append((text, next((p for p in funds.parts if key in p.label), None)))
        for offset, (text, line) in enumerate(lines):
            r = first + offset
            self.label(r, 2, text)
            for col, amount in zip(
                (3, 4, 5),
                (line.initial_budget, line.annual_budget, line.executed) if line else (None,) * 3,
                strict=True,
            ):
                self.grey(r, col, amount, AMOUNT_FORMAT)
            if offset:
                for col in (6, 7):
                    self.grey(r, col, "—")
                self.grey(r, 8, "—", to_col=9)
        rate, rate_note = _computed_or_declared(card.rate, funds.declared_rate)
        score, score_note = _computed_or_declared(card.budget_score, funds.declared_score)
        self.grey(first, 6, card.budget_weight, POINTS_FORMAT)
        self.put(first, 7, _Spot(rate, number_format=POINTS_FORMAT, align=_CENTER, comment=rate_note))
        self.put(
            first, 8, _Spot(score, number_format=POINTS_FORMAT, align=_CENTER, comment=score_note), to_col=9
        )
        return first + 4

    def _goals(self, row: int) -> int:
        goals = self.form.goals
        self.label(row, 1, "项目目标完成情况", to_col=9)
        self.label(row + 1, 1, "年度总体目标", to_row=row + 2)
        self.label(row + 1, 2, "预期目标", to_col=5)
        self.label(row + 1, 6, "* 实际完成情况", to_col=9)
        self.put(row + 2, 2, _Spot(goals.expected, align=_TOP_LEFT), to_col=5)
        self.put(
            row + 2,
            6,
            _Spot(goals.achieved, white=True, number_format=TEXT_FORMAT, align=_TOP_LEFT),
            to_col=9,
        )
        self.heights[row + 2] = max(self.heights.get(row + 2, 0.0), 4 * LINE_HEIGHT + 6)
        return row + 3

    def _indicators(self, row: int) -> int:
        ws = self.ws
        scored = self.card.indicators
        last = row + len(scored)
        self.label(row, 1, "年度绩效指标", to_row=max(last, row))
        for col, text in enumerate(
            (
                "一级指标",
                "二级指标",
                "三级指标",
                "年度指标值",
                "* 实际完成值",
                "* 分值",
                "* 得分",
                "偏差原因分析及改进措施",
            ),
            start=2,
        ):
            self.label(row, col, text)
        first = row + 1
        for start, end, level1 in _runs([s.indicator.level1 for s in scored]):
            weight = self.form.level1_weights.get(level1)
            if weight is None:
                weight = sum(s.indicator.weight or 0.0 for s in scored[start:end])
            text = f"{level1} ({_points(weight)}分)" if level1 else ""
            self.grey(first + start, 2, text, to_row=first + end - 1)
            block = [s.indicator.level2 for s in scored[start:end]]
            for s2, e2, level2 in _runs(block):
                self.grey(first + start + s2, 3, level2, to_row=first + start + e2 - 1)
        for i, item in enumerate(scored):
            self._indicator_row(first + i, item)
        if scored:
            points = DataValidation(
                type="decimal",
                operator="between",
                formula1="0",
                formula2="100",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="分值/得分",
                error="请输入 0 到 100 之间的数字。",
                promptTitle="分值/得分",
                prompt="0–100 的数字；得分不得超过分值。",
                showInputMessage=True,
            )
            points.add(f"G{first}:H{last}")
            ws.add_data_validation(points)
        return last + 1

    def _indicator_row(self, r: int, item: IndicatorScore) -> None:
        ind = item.indicator
        score, note = _computed_or_declared(item.score, ind.declared_score)
        if not item.verified and score is not None:
            note = COMMENT_DECLARED  # 未核验: the declared score is kept, not a computed one
        self.put(r, 4, _Spot(ind.name, align=_LEFT))
        self.put(r, 5, _Spot(ind.target))
        self.put(r, 6, _Spot(ind.actual, white=True, number_format=TEXT_FORMAT))
        self.put(r, 7, _Spot(ind.weight, white=True, number_format=POINTS_FORMAT, align=_CENTER))
        self.put(r, 8, _Spot(score, white=True, number_format=POINTS_FORMAT, align=_CENTER, comment=note))
        self.put(r, 9, _Spot(ind.reason, white=True, number_format=TEXT_FORMAT, align=_LEFT))

    def _total(self, row: int) -> int:
        card = self.card
        parts = [
            card.budget_weight,
            *(s.indicator.weight for s in card.indicators if s.indicator.weight is not None),
        ]
        # a weight outside 0–100 (stored data: 1e308 on every row overflowed fsum) leaves the sum unsaid
        weights = finite_sum(parts) if all(sane_weight(w) for w in parts) else None
        total, note = _computed_or_declared(card.total, self.form.declared_total)
        self.label(row, 1, "总分", to_col=6)
        self.grey(row, 7, "—" if weights is None else round(weights, 2), POINTS_FORMAT)
        self.put(row, 8, _Spot(total, number_format=POINTS_FORMAT, align=_CENTER, comment=note))
        self.grey(row, 9, "—")
        return row + 1

    def _remark(self, row: int) -> int:
        self.label(row, 1, "备注：")
        self.put(row, 2, _Spot(REMARK, align=_LEFT), to_col=9)
        return row

    # sheet -----------------------------------------------------------------------------------------
    def _page(self, last_row: int) -> None:
        ws = self.ws
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.5
        ws.print_area = f"A1:I{last_row}"

    def _protect(self) -> None:
        self.ws.protection = SheetProtection(
            sheet=True,
            formatRows=False,  # False = allowed: rows may grow for long reasons
            formatColumns=False,
            selectLockedCells=False,
            selectUnlockedCells=False,
        )


def _computed_or_declared(computed: float | None, declared: float | None) -> tuple[float | None, str | None]:
    if computed is not None:
        return computed, None
    if declared is not None:
        return declared, COMMENT_DECLARED
    return None, None


def _runs(values: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, value) for each run of equal neighbours."""
    runs: list[tuple[int, int, str]] = []
    for i, value in enumerate(values):
        if runs and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], i + 1, value)
        else:
            runs.append((i, i + 1, value))
    return runs
