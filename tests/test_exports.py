"""Print and export (selfeval/exports.py): the Excel tables keep text as text (no formulas) and
numbers as numbers; the A4 PDF carries Chinese text and the charts, and never fails on an absurd
number or a chart that cannot be drawn."""

from __future__ import annotations

import io
import math
import shutil
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from selfeval.present import charts, exports

PROJECTS = pd.DataFrame(
    {
        "project_name": ['=HYPERLINK("http://x")', "党组织建设", "+1+1"],
        "budget": [350000.0, 30000.0, 1e308],
        "executed": [345202.0, 3576.0, math.inf],
        "rate": [98.63, 11.92, math.nan],
    }
)


def test_tables_xlsx_never_writes_a_formula_and_keeps_numbers():
    data = exports.tables_xlsx({"全部项目": PROJECTS, "全部项目/2": PROJECTS.head(1)})
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["全部项目", "全部项目2"]
    ws = wb["全部项目"]
    assert [c.value for c in ws[1]] == ["project_name", "budget", "executed", "rate"]
    assert ws["A2"].data_type == "s" and ws["A2"].value == '=HYPERLINK("http://x")'
    assert ws["A4"].data_type == "s" and ws["A4"].quotePrefix
    assert ws["B2"].value == 350000.0 and ws["B2"].number_format == "#,##0.00"
    assert ws["C4"].value is None and ws["D4"].value is None  # inf and NaN: empty, not an error


def test_page_pdf_is_a4_with_chinese_and_charts():
    page = exports.PdfPage(
        title="项目支出绩效自评总览",
        subtitle="年度：2023 · 实施单位：全部",
        summary="共 3 个项目：优 3 个。",
        figures=[("项目数", "3"), ("平均得分", "97.49")],
        charts=[charts.budget_vs_executed(PROJECTS), charts.execution_rate(PROJECTS)],
        tables=[("全部项目", PROJECTS)],
    )
    data = exports.page_pdf(page)
    assert data.startswith(b"%PDF") and b"STSong-Light" in data
    assert b"/Image" in data or b"/XObject" in data  # the charts are pictures in the PDF
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        assert "595.276 x 841.89 pts (A4)" in info
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout
        assert "项目支出绩效自评总览" in text.decode()


def test_a_chart_that_cannot_be_drawn_is_said_not_raised():
    assert exports.chart_png({"mark": "nonsense"}) is None
    data = exports.page_pdf(exports.PdfPage(title="总览", charts=[{"mark": "nonsense"}]))
    assert data.startswith(b"%PDF")


@pytest.mark.parametrize("value", [1e308, math.inf, math.nan, None, "文字"])
def test_absurd_cells_print(value):
    df = pd.DataFrame({"金额": [value], "名称": ["<b>粗体</b> & [链接](http://x)"]})
    assert exports.page_pdf(exports.PdfPage(title="表", tables=[("表", df)])).startswith(b"%PDF")


def test_project_and_overview_printouts_hold_what_leaders_read():
    from selfeval.present import insights as _insights
    from selfeval.present import printouts as _printouts
    from selfeval.present.frames import outliers_table
    from selfeval.sample import open_seeded_store

    store = open_seeded_store(":memory:")
    projects, summary = store.project_scores(), store.portfolio_summary()
    sid = int(projects.loc[projects["project_code"] == "440304236011500105002", "submission_id"].item())
    card = store.load_scorecard(sid)
    page = _printouts.project_page(card)
    assert page.title == "职工疗休养" and ("总分", "93.70") in page.figures
    lost = dict(page.tables)["失分情况"]
    assert lost.iloc[0]["指标"] == "服务干部人数" and lost.iloc[0]["失分"] == pytest.approx(6.0)
    assert "不适用" not in dict(page.tables)["绩效指标"]["三级指标"].tolist()
    assert dict(page.tables)["资金使用情况（万元）"].iloc[0]["全年预算数"] == pytest.approx(37.0)
    tables = _printouts.project_tables(card)
    assert set(tables) == {"项目信息", "失分情况", "资金使用情况（万元）", "绩效指标", "问题"}
    facts = dict(zip(tables["项目信息"]["项目"], tables["项目信息"]["内容"], strict=True))
    assert (facts["项目编码"], facts["实施单位"]) == ("440304236011500105002", "深圳市福田区总工会（本级）")
    assert exports.page_pdf(page).startswith(b"%PDF")

    sentence = _insights.portfolio_sentence(projects)
    lowest = store.overview_projects("2023", None, order="total", limit=10)
    overview = _printouts.overview_page(
        "2023", None, sentence, projects, summary, lowest, outliers_table(store.target_outliers())
    )
    assert overview.summary == sentence and len(overview.charts) == 2
    data = exports.page_pdf(overview)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
        assert "共 13 个项目" in text and "万元" in text
    store.close()
