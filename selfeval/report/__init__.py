"""项目支出绩效自评报告 drafts as Word documents: one per project, and a summary per unit and year.

`project_report(card)` and `unit_report(cards, unit, year)` return .docx bytes; the file names are
safe on every OS and made distinct by `unique_names`, so a batch never overwrites its own files.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from selfeval.model import Scorecard
from selfeval.report.project import project_report
from selfeval.report.unit import unit_report

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]')
_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)}


def _part(text: str, limit: int) -> str:
    cleaned = _FORBIDDEN.sub("", text).strip().strip(".").strip()
    return cleaned[:limit]


def _stem(*parts: str) -> str:
    stem = "_".join(p for p in (_part(x, 60) for x in parts) if p)
    return stem + "_" if stem.split(".")[0].upper() in _DEVICES else stem


def report_filename(card: Scorecard) -> str:
    """f"{year}_{project_code}_{project_name}_自评报告.docx", safe on every OS."""
    h = card.form.header
    return f"{_stem(h.year, h.project_code, h.project_name, '自评报告')}.docx"


def unit_report_filename(unit: str, year: str | int | None) -> str:
    return f"{_stem(str(year or ''), unit or '全部单位', '自评报告汇总')}.docx"


def unique_names(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """The names with "（2）", "（3）"… added before the suffix wherever one repeats or is taken."""
    used = {n.casefold() for n in taken}
    out = []
    for name in names:
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        candidate, n = name, 1
        while candidate.casefold() in used:
            n += 1
            candidate = f"{stem}（{n}）{dot}{suffix}"
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def write_new(directory: Path, name: str, data: bytes) -> Path:
    """Write data under `name`, or `name` with （2）, （3）… when taken: never overwrites, even racing
    another writer (the file is created exclusively), and costs one open per name tried."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate, n = name, 1
    while True:
        path = directory / candidate
        try:
            with path.open("xb") as handle:
                handle.write(data)
            return path
        except FileExistsError:
            n += 1
            candidate = f"{stem}（{n}）{dot}{suffix}"


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
