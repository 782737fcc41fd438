"""selfeval: read, score, explain and store 项目支出绩效自评表 (project expenditure self-evaluations)."""

__version__ = "0.1.0"
