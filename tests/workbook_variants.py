"""Workbooks in other units' layouts, written from a Form by the tests (not by our template writer).

Options model what real workbooks do: the central template's wide merges (项目名称 over several
columns, 三级指标 and 偏差原因 over two, 执行率 merged), title and date rows, blank spacer columns,
万元, numbers stored as text, percentages stored as fractions with a % format, 分值 before the
target, level cells merged down, and rows whose cells slipped one column left.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl

from selfeval.model import Form


@dataclass(frozen=True)
class Layout:
    title_rows: int = 0
    spacer: bool = False  # a blank column A
    name_span: int = 1  # columns under 三级指标
    reason_span: int = 1  # columns under 偏差原因
    wan: bool = False
    text_numbers: bool = False
    fraction_rate: bool = False  # 执行率 0.9863 with a 0.00% format
    percent_actuals: bool = False  # "100%" actuals stored as 1.0 with a % format
    weight_first: bool = False
    merge_levels: bool = False
    slipped_rows: tuple[int, ...] = ()  # indicator rows written one column to the left
    # the national table's own geometry (财预〔2020〕10号): a `（2023年度）` row instead of a year label,
    # 绩效指标 merged down the spacer column, 一级指标 printed with its points or not, 执行率 typed as text
    year_row: bool = False
    block_labels: bool = False
    level1_points: bool = False
    rate_text: bool = False
    blank_initial: bool = False  # 年初预算数 left blank on every funds row
    cover: bool = False  # a cover sheet (说明 + a project list with scores) and an empty sheet first


def _num(value, layout: Layout):
    if value is None:
        return None
    return f"{value:g}" if layout.text_numbers else value


def write_layout(forms: list[Form], layout: Layout) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if layout.cover:
        cover = wb.create_sheet("封面")
        cover["A1"] = "项目支出绩效自评汇总"
        cover["A2"] = "填表说明：各项目自评表见后续工作表。"
        cover.append(["序号", "项目名称", "项目编码", "自评得分"])
        for n, form in enumerate(forms, start=1):
            cover.append([n, form.header.project_name, form.header.project_code, form.declared_total])
        wb.create_sheet("Sheet1")
    for form in forms:
        _sheet(wb.create_sheet(form.header.project_name[:28]), form, layout)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet(ws, form: Form, layout: Layout) -> None:
    c0 = 2 if layout.spacer else 1
    r = 1
    for i in range(layout.title_rows):
        ws.cell(r, c0, "2023年度项目支出绩效自评表" if i == 0 else f"填报日期：2024年3月{i}日")
        r += 1
    if layout.year_row:
        ws.cell(r, c0, "项目支出绩效自评表")
        ws.merge_cells(start_row=r, start_column=c0, end_row=r, end_column=c0 + 9)
        ws.cell(r + 1, c0, f"（{form.header.year}年度）")
        ws.merge_cells(start_row=r + 1, start_column=c0, end_row=r + 1, end_column=c0 + 9)
        r += 2
    h = form.header
    ws.cell(r, c0, "项目名称")
    ws.cell(r, c0 + 1, h.project_name)
    ws.merge_cells(start_row=r, start_column=c0 + 1, end_row=r, end_column=c0 + 5)
    ws.cell(r, c0 + 6, "项目编码")
    ws.cell(r, c0 + 7, h.project_code)
    r += 1
    ws.cell(r, c0, "主管部门")
    ws.cell(r, c0 + 1, h.budget_unit)
    ws.cell(r, c0 + 4, "实施单位")
    ws.cell(r, c0 + 5, h.unit)
    if not layout.year_row:
        ws.cell(r, c0 + 6, "评价年度")
        ws.cell(r, c0 + 7, h.year)
    r += 1
    # 资金使用情况
    ws.cell(r, c0, f"项目资金（{'万元' if layout.wan else '元'}）")
    labels = {2: "年初预算数", 3: "全年预算数", 4: "全年执行数", 5: "分值", 6: "执行率（%）", 8: "得分"}
    for j, label in labels.items():
        ws.cell(r, c0 + j, label)
    ws.merge_cells(start_row=r, start_column=c0 + 6, end_row=r, end_column=c0 + 7)  # 执行率 over two columns
    r += 1
    f = form.funds
    factor = 10000 if layout.wan else 1
    first_funds = r
    for line in (f.total, *f.parts):
        ws.cell(r, c0 + 1, line.label)
        for j, amount in enumerate((line.initial_budget, line.annual_budget, line.executed)):
            value = None if amount is None or (j == 0 and layout.blank_initial) else round(amount / factor, 6)
            ws.cell(r, c0 + 2 + j, _num(value, layout))
        if line is f.total:
            ws.cell(r, c0 + 5, _num(f.declared_weight, layout))
            rate_cell = ws.cell(r, c0 + 6)
            if layout.rate_text and f.declared_rate is not None:
                rate_cell.value = f"{f.declared_rate:.2f}%"
            elif layout.fraction_rate and f.declared_rate is not None:
                rate_cell.value = f.declared_rate / 100
                rate_cell.number_format = "0.00%"
            else:
                rate_cell.value = _num(f.declared_rate, layout)
            ws.merge_cells(start_row=r, start_column=c0 + 6, end_row=r, end_column=c0 + 7)
            ws.cell(r, c0 + 8, _num(f.declared_score, layout))
        else:
            for j in (5, 6, 8):
                ws.cell(r, c0 + j, "—")
        r += 1
    ws.merge_cells(start_row=first_funds - 1, start_column=c0, end_row=r - 1, end_column=c0)
    # 年度总体目标
    ws.cell(r, c0, "年度总体目标")
    ws.cell(r, c0 + 1, "预期目标")
    ws.cell(r, c0 + 5, "实际完成情况")
    ws.cell(r + 1, c0 + 1, form.goals.expected)
    ws.cell(r + 1, c0 + 5, form.goals.achieved)
    ws.merge_cells(start_row=r, start_column=c0, end_row=r + 1, end_column=c0)
    ws.merge_cells(start_row=r + 1, start_column=c0 + 1, end_row=r + 1, end_column=c0 + 4)
    ws.merge_cells(start_row=r + 1, start_column=c0 + 5, end_row=r + 1, end_column=c0 + 9)
    r += 2
    # 年度绩效指标
    columns = ["一级指标", "二级指标", "三级指标"] + [""] * (layout.name_span - 1)
    columns += ["分值", "年度指标值"] if layout.weight_first else ["年度指标值", "分值"]
    columns += ["实际完成值", "得分", "偏差原因分析及改进措施"] + [""] * (layout.reason_span - 1)
    for j, label in enumerate(columns):
        if label:
            ws.cell(r, c0 + j, label)
    _merge_run(ws, r, c0 + 2, layout.name_span)
    _merge_run(ws, r, c0 + len(columns) - layout.reason_span, layout.reason_span)
    r += 1
    where = {name: c0 + columns.index(name) for name in columns if name}
    runs: dict[str, list[int]] = {}
    first_indicator = r
    for n, ind in enumerate(form.indicators):
        shift = -1 if n in layout.slipped_rows else 0
        level1 = ind.level1
        if layout.level1_points and ind.level1 in form.level1_weights:
            level1 = f"{ind.level1}（{form.level1_weights[ind.level1]:g}分）"
        for key, value in (("一级指标", level1), ("二级指标", ind.level2)):
            ws.cell(r, where[key] + (shift if key == "二级指标" else 0), value)
        values = {
            "三级指标": ind.name,
            "年度指标值": ind.target,
            "分值": _num(ind.weight, layout),
            "实际完成值": ind.actual,
            "得分": _num(ind.declared_score, layout),
            "偏差原因分析及改进措施": ind.reason,
        }
        for key, value in values.items():
            cell = ws.cell(r, where[key] + shift)
            if key == "实际完成值" and layout.percent_actuals and value == "100%":
                cell.value, cell.number_format = 1.0, "0%"
            else:
                cell.value = value
        if not shift:
            _merge_run(ws, r, where["三级指标"], layout.name_span)
            _merge_run(ws, r, where["偏差原因分析及改进措施"], layout.reason_span)
        runs.setdefault(f"1:{ind.level1}", []).append(r)
        runs.setdefault(f"2:{ind.level1}:{ind.level2}", []).append(r)
        r += 1
    if layout.merge_levels:
        for key, rows in runs.items():
            col = where["一级指标"] if key.startswith("1:") else where["二级指标"]
            if len(rows) > 1 and rows == list(range(rows[0], rows[-1] + 1)):
                ws.merge_cells(start_row=rows[0], start_column=col, end_row=rows[-1], end_column=col)
    if layout.block_labels and c0 > 1:
        ws.cell(first_indicator - 1, c0 - 1, "绩效指标")
        ws.merge_cells(start_row=first_indicator - 1, start_column=c0 - 1, end_row=r - 1, end_column=c0 - 1)
    ws.cell(r, c0, "总分")
    ws.cell(r, where["分值"], _num(form.declared_total_weight, layout))
    ws.cell(r, where["得分"], _num(form.declared_total, layout))
    ws.cell(r + 1, c0, "备注：作为导入模板，置灰信息无需录入且不可修改。")


def _merge_run(ws, row: int, col: int, span: int) -> None:
    if span > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + span - 1)
