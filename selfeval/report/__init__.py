"""项目支出绩效自评报告 drafts as Word documents: one per project, and a summary per unit and year.

`project_report(card)` and `unit_report(cards, unit, year)` return .docx bytes; the file names are
safe on every OS and made distinct by `unique_names` (selfeval/names.py), so a batch never overwrites
its own files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from selfeval.model import Scorecard
from selfeval.names import file_name, name_part, unique_names, write_new
from selfeval.report.project import project_report
from selfeval.report.unit import unit_report

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_filename(card: Scorecard) -> str:
    """f"{year}_{project_code}_{project_name}_自评报告.docx", safe on every OS (selfeval.names)."""
    h = card.form.header
    parts = [name_part(h.year, 60), name_part(h.project_code, 60), name_part(h.project_name, 60), "自评报告"]
    return file_name(parts, ".docx", fallback="自评报告")


def unit_report_filename(unit: str, year: str | int | None) -> str:
    parts = [name_part(str(year or ""), 60), name_part(unit or "全部单位", 60) or "全部单位", "自评报告汇总"]
    return file_name(parts, ".docx", fallback="自评报告汇总")


def project_reports_zip(cards: Sequence[Scorecard], summary: tuple[str, bytes] | None = None) -> bytes:
    """Every project's report (and the unit summary when given) in one .zip, distinct names."""
    names = unique_names([report_filename(c) for c in cards])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if summary is not None:
            archive.writestr(summary[0], summary[1])
        for name, card in zip(names, cards, strict=True):
            archive.writestr(name, project_report(card))
    return out.getvalue()


__all__ = [
    "DOCX_MIME",
    "project_report",
    "project_reports_zip",
    "report_filename",
    "unique_names",
    "unit_report",
    "unit_report_filename",
    "write_new",
]
