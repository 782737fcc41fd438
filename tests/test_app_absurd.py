"""One absurd form cannot take a page down (issue 11, item 3, the pages' side): a stored budget of
1e308, a weight of 1e300 and NaN amounts are shown (as "—" or in scientific notation) on 总览 and
项目详情, their charts and exports are built, and no page says 页面出错."""

from __future__ import annotations

import dataclasses
import math

import pytest

from tests.app_support import app_store, assert_clean, fresh_app_db, metrics, run_app, seed_card

app_db = pytest.fixture(fresh_app_db, name="app_db")
CODE = "440304226011500000008"  # 劳模管理


def _absurd(path) -> None:
    from selfeval.profile import load_profile
    from selfeval.rules import score

    card = seed_card("劳模管理")
    form = card.form
    funds = dataclasses.replace(
        form.funds,
        total=dataclasses.replace(
            form.funds.total, annual_budget=1e308, executed=math.nan, initial_budget=math.inf
        ),
    )
    rows = list(form.indicators)
    rows[0] = dataclasses.replace(rows[0], weight=1e300, declared_score=1e300)
    absurd = score(dataclasses.replace(form, funds=funds, indicators=tuple(rows)), load_profile())
    # the store keeps it (NaN and ±inf as nothing, issue 11): the pages must then show it
    app_store(path).save([absurd], source_name="荒谬.xlsx", data=None, kind="editor", origin="editor")


def test_overview_survives_an_absurd_form(app_db):
    _absurd(app_db)
    at = run_app()
    assert_clean(at)
    assert metrics(at)["项目数"] == "13"
    assert len(at.get("vega_lite_chart")) >= 4


def test_project_page_survives_an_absurd_form(app_db):
    _absurd(app_db)
    at = run_app("project", code=CODE, year="2023")
    assert_clean(at)
    shown = metrics(at)
    assert shown["全年预算数（万元）"] in ("1.00e+304", "—")
    assert shown["全年执行数（万元）"] == "—"
    assert at.get("vega_lite_chart")
