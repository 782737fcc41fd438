"""What every chart shares: the CJK font and the configuration that carries it, colours, grade
bands, row heights, the empty chart and 2-decimal rounding."""

from __future__ import annotations

import altair as alt
import pandas as pd

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
# 财预〔2020〕10号 grades: 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 below
GRADE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("差", 0, 60),
    ("中", 60, 80),
    ("良", 80, 90),
    ("优", 90, 100),
)
GRADE_COLORS = {"优": "#2E7D32", "良": "#1565C0", "中": "#F9A825", "差": "#C62828"}
LEVEL_COLORS = {
    "预算执行": "#6D4C41",
    "产出指标": "#B22222",
    "效益指标": "#1565C0",
    "满意度指标": "#2E7D32",
}
RATE_RULES = (90.0, 100.0)  # reference lines on the execution-rate chart
RATE_AXIS_MAX = 200.0  # an absurd rate (1e308 %) is drawn at the edge, not on an axis to 1e308
BUDGET_COLOR, EXECUTED_COLOR = "#B0BEC5", "#B22222"
WEIGHT_COLOR = "#E0E0E0"
ROW_HEIGHT = 26  # pixels per bar row on horizontal bar charts
BUDGET_ROW_HEIGHT = 40  # two-line labels: the name, then 执行 / 预算
CHROME = 140  # pixels for a chart's title, top legend and x axis
SERIES_BUDGET, SERIES_EXECUTED = "预算数", "执行数"


def configured(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Fonts (CJK first), readable label widths, no chart border."""
    return (
        chart.configure(font=FONT)
        .configure_axis(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=12, labelLimit=320)
        .configure_legend(labelFont=FONT, titleFont=FONT, labelFontSize=12, titleFontSize=12, orient="top")
        .configure_title(font=FONT, fontSize=15, anchor="start")
        .configure_header(labelFont=FONT, titleFont=FONT, labelFontSize=13)
        .configure_view(stroke=None)
    )


def height_for(rows: int, per_row: int = ROW_HEIGHT) -> int:
    """Total height: Streamlit fits the whole chart (title, legend, axis) into it, so the rows need
    room beside CHROME pixels of furniture or the bars collapse."""
    return max(180, per_row * rows + CHROME)


def empty(title: str) -> alt.Chart:
    """A chart that says there is nothing to draw (rather than an empty frame)."""
    data = pd.DataFrame({"text": ["暂无数据"]})
    return configured(
        alt.Chart(data, title=title)
        .mark_text(fontSize=14, color="#6B7280")
        .encode(text="text:N")
        .properties(height=80)
    )


def round2(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float).round(2)
