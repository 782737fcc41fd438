"""The model classes whose __init__ is written out (model.py: Issue, Indicator, IndicatorScore) keep
what the generated one gives: the fields' names, order and defaults, frozen instances, eq, repr, hash,
replace and pickling."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import pytest

from selfeval.model import (
    Form,
    Funds,
    FundsLine,
    Goals,
    Header,
    Indicator,
    IndicatorScore,
    Issue,
    Loc,
    Scorecard,
)

ROW = Indicator(
    "产出指标", "数量指标", "培训人次", ">100人次", "128人次", 12.5, 12.5, cells={"score": Loc("S", 9, 7)}
)
SCORED = IndicatorScore(ROW, 12.5, "positive.full", "实际 128人次 达到指标 >100人次，得满分 12.5")
FORM = Form(
    "f.xlsx",
    "S",
    Header("440304226011500000008", "劳模管理"),
    Funds(FundsLine("年度资金总额", 1, 2, 3)),
    Goals(),
    (ROW,),
)
CARD = Scorecard(FORM, "p", 98.63, 10.0, 9.86, (SCORED,), 97.0, "优", (Issue("X", "info", "f", "m"),))
EXAMPLES = [
    Issue("SCORE_MISMATCH", "error", Loc("S", 9, 7), "得分不符", {"declared": 10.0}),
    ROW,
    SCORED,
    CARD,
]


@pytest.mark.parametrize("obj", EXAMPLES, ids=lambda o: type(o).__name__)
def test_the_written_init_takes_the_fields_in_order_with_their_defaults(obj):
    cls = type(obj)
    fields = dataclasses.fields(cls)
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert [p.name for p in params] == [f.name for f in fields]
    for p, f in zip(params, fields, strict=True):
        if f.default is not dataclasses.MISSING:
            assert p.default == f.default
        elif f.default_factory is not dataclasses.MISSING:
            assert p.default is None  # None stands for a fresh default
            required = {q.name: getattr(obj, q.name) for q in params if q.default is inspect.Parameter.empty}
            assert getattr(cls(**required), f.name) == f.default_factory()
        else:
            assert p.default is inspect.Parameter.empty
    assert set(vars(obj)) == {f.name for f in fields}  # every field set, nothing else


@pytest.mark.parametrize("obj", EXAMPLES, ids=lambda o: type(o).__name__)
def test_instances_stay_frozen_and_round_trip(obj):
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.code = "x"  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(obj))
    assert copy == obj and repr(copy) == repr(obj) and hash(copy) == hash(obj)
    again = dataclasses.replace(obj)
    assert again == obj and repr(again) == repr(obj)
    assert type(obj)(**{f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}) == obj


def test_a_stored_card_derives_its_verification():
    assert (CARD.verification, CARD.verification_reasons) == ("verified", ())
    kept = IndicatorScore(ROW, 10.0, "declared", "未核验：无法识别指标值，保留申报得分 10")
    partial = Scorecard(FORM, "p", 98.63, 10.0, 9.86, (kept,), 97.0, None, ())
    assert (partial.verification, partial.verification_reasons) == (
        "partial",
        ("培训人次：无法识别指标值，保留申报得分 10",),
    )
    assert Scorecard(FORM, "p", None, 10.0, None, (SCORED,), None, None, ()).verification == "unverified"
    said = Scorecard(FORM, "p", None, 10.0, None, (kept,), None, None, (), "partial", ("另说",))
    assert (said.verification, said.verification_reasons) == ("partial", ("另说",))


def test_a_stored_row_score_derives_whether_the_rules_checked_it():
    assert IndicatorScore(ROW, 12.5, "positive.full", "…").verified is True
    kept = IndicatorScore(ROW, 10.0, "declared", "未核验：无法识别指标值，保留申报得分 10")
    assert (kept.verified, kept.unverified_reason) == (False, "无法识别指标值，保留申报得分 10")
    said = IndicatorScore(ROW, None, "unscored", "缺少分值", verified=False, unverified_reason="另说")
    assert said.unverified_reason == "另说"
