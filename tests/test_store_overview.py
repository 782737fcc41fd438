"""总览's aggregating queries (selfeval/store/overview.py) return what the page used to compute in
pandas from the full project_scores frame — on both backends, for the administrator and for an
editor who sees one unit, over forms with ties, unscored totals, missing budgets and flagged grades.
And data_version changes with a save and a restore without counting rows."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from selfeval.access import Principal
from selfeval.sample import open_seeded_store
from selfeval.store import GRADES
from selfeval.store.overview import PROJECT_COLUMNS
from tests.factories import make_scorecard

UNITS = ("单位甲", "单位乙", "单位丙")


def _cards():
    """24 projects in 2023: equal totals (ties), unscored rows (no grade), zero budgets (no rate),
    high grades on low execution."""
    cards = []
    for i in range(24):
        budget = 0.0 if i % 11 == 5 else 100_000.0 + 5_000 * (i % 4)
        executed = budget * (0.3 + 0.05 * (i % 14))
        first = None if i % 9 == 4 else 18.0 - 3 * (i % 4)
        scores = [first, 18.0, 16.0 - 4 * (i % 3), 18.0, 12.0 + 2 * (i % 4)]
        cards.append(
            make_scorecard(
                project_code=f"44030422601150{i % 12:07d}" if i < 12 else f"44030422601151{i:07d}",
                project_name=f"项目{i:02d}",
                year="2023",
                unit=UNITS[i % 3],
                budget=budget,
                executed=executed,
                scores=scores,
            )
        )
    return cards


@pytest.fixture
def store(store_location):
    store = open_seeded_store(store_location)  # the 13 published forms
    for card in _cards():
        store.save([card], source_name="t.xlsx", data=None, kind="xlsx", origin="upload", allow_transfer=True)
    yield store
    store.close()


def _viewers(store):
    return [store, store.scoped(Principal("乙", "editor", ("单位乙",), True))]


def _scopes(store):
    years = [None, *store.years()]
    return [(y, u) for y in years for u in (None, "单位甲", "没有这个单位")]


def _records(df: pd.DataFrame) -> list[dict]:
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in df.to_dict("records")
    ]


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-6 * max(1.0, abs(float(a)))


def test_counts_are_the_full_frames(store):
    for s in _viewers(store):
        for year, unit in _scopes(store):
            full = s.project_scores(year, unit)
            for low, flag in ((90.0, 60.0), (50.0, 80.0)):
                got = s.overview_counts(year, unit, low_rate=low, flag_rate=flag)
                rate = pd.to_numeric(full["rate"], errors="coerce")
                assert got["projects"] == len(full)
                assert got["ungraded"] == int(full["grade"].isna().sum())
                assert got["low_rate"] == int((rate < low).sum())
                assert got["flagged"] == int(((rate < flag) & full["grade"].isin(["优", "良"])).sum())
                assert got["grades"] == {g: int((full["grade"] == g).sum()) for g in GRADES}
                mean = full["total"].mean() if len(full) else None
                assert _close(got["mean_total"], None if mean is None or pd.isna(mean) else mean)
                assert _close(got["budget"], full["budget"].sum())
                assert _close(got["executed"], full["executed"].sum())
    assert store.overview_counts("2023")["flagged"] > 0  # the data holds what the flag looks for
    assert store.overview_counts("2023")["ungraded"] > 0


def test_limited_lists_are_the_heads_of_the_sorted_frame(store):
    for s in _viewers(store):
        for year, unit in _scopes(store):
            full = s.project_scores(year, unit)[list(PROJECT_COLUMNS)]
            weakest = full.sort_values(["total", "project_code"], na_position="first", kind="stable")
            rate = pd.to_numeric(full["rate"], errors="coerce")
            for n in (0, 3, 10, 100):
                got = s.overview_projects(year, unit, order="total", limit=n)
                assert _records(got) == _records(weakest.head(n))
                largest = full[full["budget"].notna()].sort_values("budget", ascending=False, kind="stable")
                got = s.overview_projects(year, unit, order="budget", limit=n)
                assert _records(got[got["budget"].notna()]) == _records(largest.head(len(got)))
                assert len(got) == min(n, len(full))
                lowest = full.assign(r=rate).sort_values("r", kind="stable").drop(columns="r")
                got = s.overview_projects(year, unit, order="rate", limit=n, below=90.0)
                assert _records(got) == _records(lowest[lowest["rate"] < 90].head(n))
                flagged = lowest[(lowest["rate"] < 60) & lowest["grade"].isin(["优", "良"])]
                got = s.overview_projects(year, unit, order="rate", limit=n, flagged_below=60.0)
                assert _records(got) == _records(flagged.head(n))
            rest = s.overview_rest(year, unit, top=5)
            by_budget = full.sort_values("budget", ascending=False, na_position="last", kind="stable")
            assert rest["projects"] == max(0, len(full) - 5)
            assert _close(rest["budget"], by_budget["budget"].iloc[5:].sum())
            assert _close(rest["executed"], by_budget["executed"].iloc[5:].sum())
    with pytest.raises(ValueError):
        store.overview_projects(order="name")


def test_score_counts_are_the_frames_value_counts(store):
    for s in _viewers(store):
        for year, unit in _scopes(store):
            full = s.project_scores(year, unit)
            want = full["total"].dropna().value_counts().sort_index()
            got = s.score_counts(year, unit)
            assert got["total"].tolist() == pytest.approx(want.index.tolist())
            assert got["n"].astype(int).tolist() == want.astype(int).tolist()


def test_editor_never_counts_another_units_projects(store):
    editor = store.scoped(Principal("乙", "editor", ("单位乙",), True))
    assert editor.overview_counts("2023", "单位甲")["projects"] == 0
    assert set(editor.overview_projects("2023", limit=100)["unit"]) == {"单位乙"}
    assert editor.overview_counts("2023")["projects"] == 8


def test_data_version_moves_with_a_save_and_a_restore(store, tmp_path):
    before = store.data_version()
    assert store.data_version() == before  # stable while nothing changes
    store.export_database(tmp_path / "backup")
    store.save(
        [make_scorecard(project_code="440304226011599999999", unit="单位甲")],
        source_name="n.xlsx",
        data=None,
        kind="xlsx",
        origin="upload",
    )
    saved = store.data_version()
    assert saved != before
    store.import_database(tmp_path / "backup", replace=True)
    assert store.data_version() != saved  # the same highest id as before the save …
    assert store.data_version()[0] == before[0]
    assert store.data_version() != before  # … in a recreated table: no stale cache entry


def test_picker_queries_are_the_full_frame_searched(store):
    from selfeval.present.projects import search_projects

    for s in _viewers(store):
        for year, unit in _scopes(store):
            full = s.project_scores(year, unit)
            assert s.project_count(year, unit) == len(full)
            for text in ("", "项目0", "单位甲 项目1", "4403", "没有这个词"):
                for limit in (1, 5, 50):
                    got = s.project_search(year, unit, text, limit)
                    want = search_projects(full, text, limit)
                    assert _records(got) == _records(want[got.columns])
                    assert list(got.columns) == list(full.columns)
            for row in full.head(5).to_dict("records"):
                one = s.project_row(row["submission_id"])
                assert _records(one) == _records(pd.DataFrame([row]))
                assert (
                    s.find_project(row["project_code"], year, unit, row["year"])
                    == (
                        full[(full["project_code"] == row["project_code"]) & (full["year"] == row["year"])][
                            "submission_id"
                        ].iloc[0]
                    )
                )
    assert store.find_project("没有这个编码") is None
    editor = store.scoped(Principal("乙", "editor", ("单位乙",), True))
    other = store.project_scores("2023", "单位甲")["submission_id"].iloc[0]
    assert editor.project_row(int(other)).empty


def test_pending_projects_are_the_head_of_the_sorted_states(store):
    ids = store.project_scores("2023")["submission_id"].astype(int).tolist()
    for sid in ids[:9]:
        store.submit(sid)
    for sid in ids[:3]:
        store.approve(sid)
    for sid in ids[3:5]:
        store.return_(sid, "请补充偏差原因")
    order = {"draft": 0, "returned": 1, "submitted": 2}
    for s in _viewers(store):
        for year, unit in _scopes(store):
            states = s.project_states(year, unit)
            todo = states[states["state"] != "approved"]
            todo = todo.assign(_o=todo["state"].map(order)).sort_values(
                ["unit", "_o", "project_code", "submission_id"], kind="stable"
            )
            assert s.pending_count(year, unit) == len(todo)
            for n in (0, 4, 100):
                got = s.pending_projects(year, unit, n)
                assert got["submission_id"].tolist() == todo["submission_id"].head(n).tolist()
                assert got["state"].tolist() == todo["state"].head(n).tolist()
                assert got["comment"].tolist() == todo["comment"].head(n).tolist()
    assert set(store.pending_projects("2023", limit=100)["state"]) == {"draft", "returned", "submitted"}


def test_scorecards_read_in_one_go_are_the_ones_read_one_by_one_and_only_the_principals(store):
    """load_scorecards (总览's weakest projects, three queries for all of them) gives each of the
    visible ids exactly what load_scorecard gives, and nothing of a unit the principal does not see."""
    ids = store.current_submission_ids()
    one_by_one = {sid: store.load_scorecard(sid) for sid in ids}
    assert store.load_scorecards([*reversed(ids), ids[0], 10**9]) == one_by_one
    assert store.load_scorecards([]) == {}
    editor = store.scoped(Principal("乙", "editor", ("单位乙",), True))
    theirs = editor.load_scorecards(ids)
    assert theirs and set(theirs) < set(ids)
    assert {card.form.header.unit for card in theirs.values()} == {"单位乙"}
    assert theirs == {sid: one_by_one[sid] for sid in theirs}
    nobody = store.scoped(Principal("无", "editor", (), True))
    assert nobody.load_scorecards(ids) == {}
