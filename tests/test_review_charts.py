"""The organisation view's chart: what it draws, read from the Vega-Lite spec."""

from __future__ import annotations

import pandas as pd

from selfeval.present import charts


def _datasets(spec: dict) -> list[list[dict]]:
    return list(spec["datasets"].values())


def test_review_progress_stacks_states_per_unit_most_to_do_first():
    org = pd.DataFrame(
        {
            "unit": ["甲单位", "乙单位", "丙单位"],
            "draft": [1, 0, 4],
            "returned": [1, 0, 0],
            "submitted": [0, 2, 0],
            "approved": [3, 1, 0],
        }
    )
    spec = charts.review_progress(org).to_dict()
    bars, labels = spec["layer"]
    assert bars["encoding"]["y"]["sort"] == [
        "丙单位",
        "乙单位",
        "甲单位",
    ]  # 4, 2, 2 not approved; ties by name
    assert bars["encoding"]["color"]["scale"]["domain"] == ["未提交", "已退回", "已送审", "已通过"]
    rows = next(d for d in _datasets(spec) if d and "state" in d[0])
    drawn = {(r["unit"], r["state"]): r["count"] for r in rows}
    assert drawn == {
        ("甲单位", "未提交"): 1,
        ("甲单位", "已退回"): 1,
        ("甲单位", "已通过"): 3,
        ("乙单位", "已送审"): 2,
        ("乙单位", "已通过"): 1,
        ("丙单位", "未提交"): 4,
    }  # zero segments are left out
    ends = next(d for d in _datasets(spec) if d and "label" in d[0])
    assert {r["unit"]: r["label"] for r in ends}["甲单位"] == "已通过 3 / 5"


def test_review_progress_without_units_says_so():
    spec = charts.review_progress(
        pd.DataFrame(columns=["unit", "draft", "returned", "submitted", "approved"])
    )
    assert "暂无数据" in str(spec.to_dict())
