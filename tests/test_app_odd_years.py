"""总览 under AppTest with forms whose 绩效自评年度 is junk (red-team F1): stored with their issue, the
sidebar's default is the latest valid year, and no year — junk or not — takes a page down."""

from __future__ import annotations

import pytest

from selfeval.ingest import ingest_file
from selfeval.profile import load_profile
from tests.app_support import app_store, assert_clean, fresh_app_db, metrics, run_app
from tests.conftest import SEED

app_db = pytest.fixture(fresh_app_db, name="app_db")

FIRST = "## 项目支出绩效自评表" + SEED.read_text(encoding="utf-8").split("## 项目支出绩效自评表")[1]
ODD = {"abc": "901", "9999": "902", "1E+308": "903", "²⁰²³": "904", "２０２３": "905", "٢٠٢٣": "906"}


def _store_odd_years(path) -> None:
    store = app_store(path)
    for year, tail in ODD.items():
        text = FIRST.replace("绩效自评年度:\t2023", f"绩效自评年度:\t{year}").replace(
            "440304226011500000008", "440304226011500000" + tail
        )
        out = ingest_file(store, f"odd-{tail}.txt", text.encode(), load_profile(), origin="upload")
        assert out.stored, out


def test_overview_with_junk_years_defaults_to_the_latest_valid_year(app_db):
    run_app()  # seeds the 13 sample forms
    _store_odd_years(app_db)
    at = run_app()
    assert at.session_state["filter_year"] == "2023"
    # superscript and full-width years were read as 2023; the rest are kept as written, after it
    assert at.selectbox(key="filter_year").options == ["2023", "1E+308", "9999", "abc", "٢٠٢٣", "全部"]
    assert metrics(at)["项目数"] == "15"  # 13 + the two read as 2023
    for year in ("abc", "9999", "1E+308", "٢٠٢٣", "全部"):
        at.selectbox(key="filter_year").set_value(year).run()
        assert_clean(at)
        assert "项目数" in metrics(at), year
