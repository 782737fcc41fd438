"""What 总览 keeps between runs (views/_ui.py): charts converted to Vega-Lite once per data version and
drawn exactly as st.altair_chart draws them, the store's data version asked once per store and run,
and a save — in this session or another — shown on the next run, charts included."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from tests.app_support import app_store, fresh_app_db, metrics, run_app
from tests.factories import make_scorecard

app_db = pytest.fixture(fresh_app_db, name="app_db")


def _both_ways() -> None:
    import altair as alt
    import pandas as pd
    import streamlit as st

    from selfeval.access import LOCAL
    from views import _ui

    class Store:  # what _ui.chart reads of a store
        path, who, basis = ":memory:", LOCAL, "latest"

        def data_version(self):
            return (1, 2, 3)

    frame = pd.DataFrame({"项目": ["甲", "乙"], "得分": [91.5, 78.25]})
    make = lambda: alt.Chart(frame, title="得分").mark_bar().encode(x="得分:Q", y="项目:N")  # noqa: E731
    st.altair_chart(make(), width="stretch")
    _ui.chart(Store(), "test", make=make, width="stretch")
    _ui.chart(Store(), "test", make=lambda: 1 / 0, width="stretch")  # the same key: not built again


def _datasets(proto) -> list:
    return [pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in proto.datasets]


def test_a_cached_chart_is_drawn_as_altair_chart_draws_it():
    at = AppTest.from_function(_both_ways).run()
    assert not at.exception, [e.value for e in at.exception]
    drawn, cached, again = (c.proto for c in at.get("vega_lite_chart"))
    assert json.loads(cached.spec) == json.loads(drawn.spec) == json.loads(again.spec)
    assert (
        _datasets(cached)
        == _datasets(drawn)
        == [[{"项目": "甲", "得分": 91.5}, {"项目": "乙", "得分": 78.25}]]
    )
    assert (cached.use_container_width, cached.theme) == (drawn.use_container_width, drawn.theme)


def test_the_data_version_is_asked_once_per_store_and_again_after_a_write():
    from views import _ui

    class Store:
        asked = 0

        def data_version(self):
            Store.asked += 1
            return (Store.asked,)

    first, second = Store(), Store()
    assert [_ui.version_of(first) for _ in range(5)] == [(1,)] * 5
    assert _ui.version_of(second) == (2,)  # another store (another page run) asks for itself
    _ui.invalidate()  # a write of this process
    assert _ui.version_of(first) == (3,) and _ui.version_of(first) == (3,)


def _scores_chart(at: AppTest) -> list:
    """The histogram's bars: (bin start, count)."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("title") == "得分分布与等级区间":
            bars = next(d for d in _datasets(chart.proto) if d and "bin_start" in d[0])
            return [(r["bin_start"], r["count"]) for r in bars]
    raise AssertionError("no score distribution")


def test_a_save_by_another_session_shows_on_the_next_run_charts_included(app_db):
    at = run_app()
    assert metrics(at)["项目数"] == "13"
    before = dict(_scores_chart(at))
    low = make_scorecard(project_code="440304226011500999999", executed=20000.0, scores=[5.0] * 5)
    assert low.total is not None and low.total < 50
    app_store(app_db).save([low], source_name="low.txt", data=None, kind="text", origin="upload")
    at.run()
    assert metrics(at)["项目数"] == "14"
    after = dict(_scores_chart(at))
    assert sum(after.values()) == sum(before.values()) + 1
    assert min(after) < min(before)  # the axis now reaches the new low total
