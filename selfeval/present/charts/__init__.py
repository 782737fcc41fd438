"""Altair chart builders for the pages: a DataFrame in, a configured chart out. Pure functions.

Amounts arrive in 元 and are drawn in 万元; rates and scores keep 2 decimals. Every chart carries a
CJK-capable font in its config so that Chinese labels render in any browser that has one.

    base.py       the font, colours, grade bands, row heights, the empty chart
    portfolio.py  the organisation's charts (总览)
    project.py    one project's score breakdown (项目详情)
    review.py     review progress per unit (审核)
"""

from selfeval.present.charts.base import FONT, GRADE_BANDS, GRADE_COLORS, LEVEL_COLORS
from selfeval.present.charts.portfolio import (
    budget_vs_executed,
    dominated,
    execution_rate,
    grade_of,
    points_lost,
    score_bins,
    score_distribution,
    year_over_year,
    yearly,
)
from selfeval.present.charts.project import breakdown_frame, part_label, score_breakdown
from selfeval.present.charts.review import review_progress

__all__ = [
    "FONT",
    "GRADE_BANDS",
    "GRADE_COLORS",
    "LEVEL_COLORS",
    "breakdown_frame",
    "budget_vs_executed",
    "dominated",
    "execution_rate",
    "grade_of",
    "part_label",
    "points_lost",
    "review_progress",
    "score_bins",
    "score_breakdown",
    "score_distribution",
    "year_over_year",
    "yearly",
]
