"""Every number bounded where it is read (issue 11 item 3, library part).

Absurd numbers — 1e300 weights, 1e308 budgets, `产出指标 (999…9分)`, NaN, inf — are errors at their cell,
never exceptions; nothing in rules, checks, serialize or the template writer raises on them, whether
they come from a file or from stored data; weights that do not add up leave the total unverified and
ungraded.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace

import openpyxl
import pytest

from selfeval.bounds import round_half_up
from selfeval.fmt import short
from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from selfeval.serialize import form_from_json, form_to_json, scorecard_to_dict, scorecards_to_csv
from selfeval.template import write_template
from tests import family_forms as ff
from tests.conftest import SEED

ABSURD = [math.nan, math.inf, -math.inf, 1e300, -1e308, 1e308 * 10]


@pytest.mark.parametrize("x", ABSURD + [1e15, 2.675, -0.005])
def test_rounding_and_formatting_never_raise(x):
    rounded = round_half_up(x)
    assert isinstance(short(x), str)
    if math.isfinite(x) and abs(x) < 1e15:
        assert rounded == pytest.approx(x, abs=0.006)
    else:
        assert rounded is x or (math.isnan(x) and math.isnan(rounded)) or rounded == x


def _absurd_workbook() -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(ff.central()))
    ws = wb.active
    ws["H13"] = 1e300  # 分值 of the first row
    ws["E6"] = 1e308  # 全年预算数 (万元: × 10000 is inf)
    ws["B13"] = "产出指标 (" + "9" * 40 + "分)"
    ws["I14"] = "inf"
    ws["I15"] = "NaN"
    return ff.save(wb)


def test_absurd_numbers_in_a_workbook_are_errors_at_their_cells():
    result = read_bytes(_absurd_workbook(), "absurd.xlsx")
    (form,) = result.forms
    found = [(i.code, i.location) for i in form.issues if i.severity == "error"]
    assert found == [
        ("VALUE_RANGE", "劳模管理!E6"),
        ("VALUE_RANGE", "劳模管理!第13行"),
        ("VALUE_RANGE", "劳模管理!H13"),
        ("NUMBER_UNREADABLE", "劳模管理!I14"),
        ("NUMBER_UNREADABLE", "劳模管理!I15"),
    ]
    assert form.funds.total.annual_budget is None and form.level1_weights == {}
    assert form.indicators[0].weight is None and form.indicators[1].declared_score is None
    card = score(form)
    assert card.total is None and card.grade is None and card.verification == "unverified"
    json.dumps(scorecard_to_dict(card), allow_nan=False)
    scorecards_to_csv([card])
    assert write_template([card])[:2] == b"PK"


def _stored_with(**changes):
    """A seed form as the store might hold it after someone wrote absurd values into its JSON."""
    form = read_bytes(SEED.read_bytes(), "seed.txt").forms[0]
    first = form.indicators[0]
    indicators = (replace(first, **changes.pop("row", {})), *form.indicators[1:])
    funds = replace(
        form.funds, total=replace(form.funds.total, **changes.pop("total", {})), **changes.pop("funds", {})
    )
    return replace(form, indicators=indicators, funds=funds, **changes)


@pytest.mark.parametrize("x", ABSURD)
def test_stored_absurd_values_never_raise(x):
    forms = [
        _stored_with(row={"weight": x}),
        _stored_with(row={"declared_score": x}),
        _stored_with(total={"annual_budget": x}),
        _stored_with(total={"executed": x}),
        _stored_with(funds={"declared_rate": x, "declared_score": x, "declared_weight": x}),
        _stored_with(level1_weights={"产出指标": x}, declared_total=x, declared_total_weight=x),
    ]
    for form in forms:
        for profile in (None, load_profile("mof-2020")):
            card = score(form, profile)
            assert card.total is None or math.isfinite(card.total) and card.total <= 100
            json.dumps(scorecard_to_dict(card), allow_nan=False)
            scorecards_to_csv([card])
            assert write_template([card])[:2] == b"PK"
        form_from_json(form_to_json(form))


@pytest.mark.parametrize("factor", [10, 1.1])
def test_weights_that_do_not_add_up_leave_the_total_unverified(factor):
    form = read_bytes(SEED.read_bytes(), "seed.txt").forms[0]
    scaled = replace(
        form,
        indicators=tuple(
            replace(i, weight=i.weight * factor, declared_score=(i.declared_score or 0) * factor)
            for i in form.indicators
        ),
    )
    card = score(scaled, load_profile("shenzhen-futian-2023"))
    assert (card.total, card.grade, card.verification) == (None, None, "unverified")
    assert "TOTAL_UNVERIFIED" in {i.code for i in card.issues}
    assert "WEIGHT_TOTAL" in {i.code for i in card.issues}
    assert any("不等于 100" in r for r in card.verification_reasons)


@pytest.mark.parametrize(
    ("year", "code"), [("1950", "VALUE_RANGE"), ("2150", "YEAR_FORMAT"), ("23", "YEAR_FORMAT")]
)
def test_years_out_of_range_are_reported_and_not_used(year, code):
    form = read_bytes(SEED.read_bytes(), "seed.txt").forms[0]
    card = score(replace(form, header=replace(form.header, year=year)))
    assert code in {i.code for i in card.issues}
    assert card.total is not None  # the year only dates the deadlines; the seed's rows need none to score


def test_a_card_built_without_the_rules_derives_its_verification():
    """The store rebuilds scorecards from its tables: a kept declared score (rule `declared`) reads as
    未核验 and the card as 部分核验, never as a confident 已核验."""
    form = read_bytes(ff.yunnan(), "y.xlsx").forms[0]
    card = score(form)
    rebuilt = replace(
        card,
        indicators=tuple(
            type(s)(s.indicator, s.score, s.rule, s.explanation, s.band) for s in card.indicators
        ),
        verification=None,
    )
    assert [s.verified for s in rebuilt.indicators] == [False] * 5
    assert rebuilt.verification == "partial"
    assert rebuilt.indicators[0].unverified_reason.startswith("本行未列分值")
    assert rebuilt.verification_reasons[0].startswith("培训人次：本行未列分值")
    assert replace(rebuilt, total=None, verification=None).verification == "unverified"
