"""The 自评报告 download buttons: one project's draft on 项目详情, the unit summary (and a zip of the
unit's project drafts) on 总览. Each page calls one function; the documents come from selfeval.report
and are cached on the principal and the store's data version, so a rerun does not rebuild them."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

from selfeval.model import Scorecard
from selfeval.report import (
    DOCX_MIME,
    project_report,
    project_reports_zip,
    report_filename,
    unit_report,
    unit_report_filename,
)
from views import _ui

PROJECT_KEY = "report_project"
UNIT_KEY = "report_unit"
ZIP_KEY = "report_zip"
HELP_PROJECT = "按本项目的自评表和评分结果起草项目支出绩效自评报告（Word），须补充和确认的地方已标注。"
HELP_UNIT = "所选年度、实施单位全部项目的自评报告汇总（Word）。"
HELP_ZIP = "所选年度、实施单位每个项目的自评报告草稿，连同汇总报告，打包下载。"
CHOOSE = "选择一个年度（必要时再选一个实施单位）后，可下载该单位的自评报告汇总。"


def _who() -> tuple:
    """The cache key of the acting principal: two people never share a document."""
    who = getattr(_ui.store(), "who", None)
    return dataclasses.astuple(who) if dataclasses.is_dataclass(who) else (str(who),)


@st.cache_data(max_entries=64, show_spinner=False)
def _project_bytes(who: tuple, version: tuple[int, int], submission_id: int, _card: Scorecard) -> bytes:
    return project_report(_card)


def project_download(card: Scorecard, submission_id: int | None = None) -> None:
    """A button that downloads this project's 自评报告 draft (.docx)."""
    if not _ui.allowed("download"):
        return
    data = (
        _project_bytes(_who(), _ui.data_version(), submission_id, card)
        if submission_id is not None
        else project_report(card)
    )
    st.download_button(
        "下载自评报告（Word）",
        data,
        file_name=report_filename(card),
        mime=DOCX_MIME,
        key=PROJECT_KEY,
        help=HELP_PROJECT,
        icon=":material/description:",
        on_click="ignore",
    )


@st.cache_data(max_entries=16, show_spinner="正在起草汇总报告……")
def _unit_bytes(key: tuple, year: str, unit: str, _store: Any) -> bytes:
    cards = _store.current_scorecards(year=year, unit=unit)
    return unit_report(cards, unit, year, approved_only=_store.basis == "approved")


def unit_download(store: Any, year: str | None, unit: str | None) -> None:
    """The unit summary for the chosen year and unit (the only unit when none is chosen), and a zip
    of every project draft with it, built only when asked for. `store` is 总览's (its principal and
    its basis: latest, or only approved versions)."""
    if not _ui.allowed("download"):
        return
    shown = _ui.cached(
        store.portfolio_summary, year, unit
    )  # the year and unit are implied when only one has data
    years, units = sorted(set(shown["year"].astype(str))), sorted(set(shown["unit"]))
    year = year if year is not None else years[0] if len(years) == 1 else None
    unit = unit if unit is not None else units[0] if len(units) == 1 else None
    if year is None or unit is None:
        st.caption(CHOOSE)
        return
    key = (_who(), store.data_version(), store.basis)
    summary = _unit_bytes(key, year, unit, store)
    name = unit_report_filename(unit, year)
    left, right = st.columns(2)
    left.download_button(
        "下载单位自评报告汇总（Word）",
        summary,
        file_name=name,
        mime=DOCX_MIME,
        key=UNIT_KEY,
        width="stretch",
        help=HELP_UNIT,
        icon=":material/summarize:",
        on_click="ignore",
    )

    def zipped() -> bytes:  # built on click, in another thread: every project of the unit is a document
        cards = store.current_scorecards(year=year, unit=unit)
        return project_reports_zip(cards, summary=(name, summary))

    right.download_button(
        "下载全部项目自评报告（.zip）",
        zipped,
        file_name=name.replace("自评报告汇总.docx", "自评报告.zip"),
        mime="application/zip",
        key=ZIP_KEY,
        width="stretch",
        help=HELP_ZIP,
        icon=":material/folder_zip:",
        on_click="ignore",
    )
