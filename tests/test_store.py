"""The store: transactions, duplicates and versions, concurrent writers, exact aggregates, schema
upgrades, the locked-file message, backups; and the JSON round trip of forms it relies on."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfeval import store as store_module
from selfeval.model import Form, Funds, FundsLine, Goals, Header, Indicator, Issue, Loc, Scorecard
from selfeval.serialize import form_from_dict, form_to_dict, form_to_json, scorecard_to_dict
from selfeval.store import (
    LATEST_VERSION,
    LOCKED_MESSAGE,
    TABLES,
    Store,
    StoreError,
    StoreLocked,
    connect,
    default_db_path,
    migrate,
    open_store,
)
from selfeval.store.duckdb import DuckDb
from selfeval.textnorm import code_key, norm_year
from tests import variants
from tests.factories import make_scorecard
from tests.forged import redigest

ROOT = Path(__file__).resolve().parent.parent
A, B = "甲单位", "乙单位"


def code(n: int) -> str:
    return f"4403042260115000{n:05d}"


def rows(quantity_score: float, quantity_actual: str, social_score: float = 30.0) -> list[tuple]:
    return [
        ("产出指标", "数量指标", "服务人数", ">100人次", quantity_actual, 50.0, quantity_score),
        ("效益指标", "社会效益指标", "落实关爱", "100%有效落实", "100%有效落实", 30.0, social_score),
        ("满意度指标", "服务对象满意度指标", "满意度", ">90%", "95%", 10.0, 10.0),
    ]


def card(
    n: int, *, year="2023", unit=A, budget, executed, quantity_score, quantity_actual, social=30.0, rule=None
):
    quantity_rule = rule or ("positive.under" if quantity_score < 50 else "positive.full")
    return make_scorecard(
        project_code=code(n),
        year=year,
        unit=unit,
        budget=budget,
        executed=executed,
        rows=rows(quantity_score, quantity_actual, social),
        rules=[
            quantity_rule,
            "qualitative.achieved" if social == 30 else "qualitative.partial",
            "positive.full",
        ],
    )


def upload(store: Store, sc, name: str, data: bytes | None = None, origin="upload"):
    data = data if data is not None else f"{name}:{form_to_json(sc.form)}".encode()
    return store.save([sc], source_name=name, data=data, kind="xlsx", origin=origin)


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table (the review trail and transfers included), in a stable order;
    schema_version without its timestamps."""
    tables, _ = store.relations()
    assert set(TABLES) <= set(tables)
    # a restore (or a copy) adds its own `restored` event to the copy's trail: the rest is the same
    out = {t: sorted(store.table_rows(t), key=repr) for t in tables if t != "schema_version"}
    out["audit_events"] = [e for e in out["audit_events"] if e[4] != "restored"]
    out["schema_version"] = store.table_rows("schema_version", ["version", "description"])
    return out


@pytest.fixture
def store(store_location):
    """A new store on each backend: a DuckDB file, and a fresh database on a real PostgreSQL server."""
    s = open_store(store_location)
    yield s
    s.close()


@pytest.fixture
def known(store):
    """A small portfolio with exact figures; project 3 was corrected once (the first version must not count)."""
    upload(
        store, card(1, budget=100000, executed=98630, quantity_score=50, quantity_actual="110人次"), "p1.xlsx"
    )
    upload(
        store, card(2, budget=200000, executed=100000, quantity_score=25, quantity_actual="50人次"), "p2.xlsx"
    )
    upload(
        store, card(3, budget=50000, executed=10000, quantity_score=50, quantity_actual="120人次"), "p3.xlsx"
    )
    upload(
        store,
        card(
            3,
            budget=50000,
            executed=50000,
            quantity_score=49,
            quantity_actual="160人次",
            social=24,
            rule="positive.over",
        ),
        "p3-corrected.xlsx",
    )
    upload(
        store,
        card(4, unit=B, budget=100000, executed=80000, quantity_score=50, quantity_actual="100人次"),
        "p4.xlsx",
    )
    upload(
        store,
        card(5, year="2022", budget=10000, executed=5000, quantity_score=10, quantity_actual="20人次"),
        "p5.xlsx",
    )
    return store


# --- serialisation -------------------------------------------------------------------------------


def test_form_dict_round_trip_is_exact_and_json_safe():
    issue = Issue("ROW_SHIFTED", "info", "Sheet1!D20", "该行单元格错位 +1 列")
    form = make_scorecard(4, reading_issues=[issue]).form
    d = form_to_dict(form)
    again = form_from_dict(json.loads(json.dumps(d, ensure_ascii=False)))
    assert again == form
    # fields that dataclass equality ignores must survive too
    assert again.header.locs == form.header.locs and again.funds.locs == form.funds.locs
    assert [i.loc for i in again.indicators] == [i.loc for i in form.indicators]
    assert [i.cells for i in again.indicators] == [i.cells for i in form.indicators]
    assert again.funds.total.loc == form.funds.total.loc
    assert again.issues == (issue,) and again.level1_weights == form.level1_weights and again.loc == form.loc
    assert form_to_dict(again) == d


def test_loc_without_column_and_missing_locs_round_trip():
    form = make_scorecard(1).form
    d = form_to_dict(form)
    d["loc"] = None
    d["indicators"][0]["loc"] = {"sheet": "文本", "row": 7, "col": None}
    again = form_from_dict(d)
    assert again.loc is None and again.indicators[0].loc == Loc("文本", 7)
    assert form_to_dict(again) == d


def test_scorecard_to_dict_has_the_cli_shape():
    d = scorecard_to_dict(make_scorecard(2, budget=350000, executed=345202))
    assert list(d) == [
        "source", "sheet", "project_code", "project_name", "year", "unit", "budget_unit", "funds",
        "indicators", "total", "declared_total", "grade", "issues", "profile", "profile_auto",
        "verification", "verification_label", "verification_reasons",
    ]  # fmt: skip
    assert d["funds"] == {
        "initial_budget": 350000,
        "annual_budget": 350000,
        "executed": 345202,
        "weight": 10.0,
        "rate": 98.63,
        "score": 9.86,
        "declared_rate": 98.63,
        "declared_score": None,
        "verified": True,
    }
    assert set(d["indicators"][0]) == {
        "level1", "level2", "name", "target", "actual", "weight", "score", "declared_score", "rule",
        "explanation", "deviation_reason", "band", "location", "verified", "unverified_reason",
    }  # fmt: skip
    assert d["indicators"][0]["location"] == "Sheet1!D20"
    json.dumps(d, ensure_ascii=False)


# --- writes ----------------------------------------------------------------------------------------


def test_save_and_load_back(store):
    sc = make_scorecard(6, issues=[Issue("OVER_REVIEW", "warning", "Sheet1!H21", "须人工复核")])
    result = upload(store, sc, "a.xlsx")
    (sid,) = result.stored
    assert result.duplicates == () and result.new_versions == ()
    form = store.load_form(sid)
    assert form == sc.form and form_to_dict(form) == form_to_dict(sc.form)
    assert store.load_scorecard(sid) == sc
    assert store.current_scorecards() == [sc]
    assert store.table_counts() == {
        "submissions": 1,
        "forms": 1,
        "funds": 3,
        "indicators": 6,
        "issues": 1,
        "schema_version": LATEST_VERSION,
    }
    with pytest.raises(KeyError):
        store.load_form(99)


def test_reading_issues_are_stored_beside_rule_issues(store):
    reading = Issue("ROW_SHIFTED", "info", "Sheet1!D20", "错位")
    rule = Issue("OVER_REVIEW", "warning", "Sheet1!H21", "复核")
    sc = make_scorecard(
        2, issues=[rule, reading], reading_issues=[reading, Issue("X", "error", "Sheet1!A1", "坏")]
    )
    (sid,) = upload(store, sc, "a.xlsx").stored
    assert store.form_issues(sid)["code"].tolist() == ["OVER_REVIEW", "ROW_SHIFTED", "X"]
    assert store.project_scores()[["errors", "warnings"]].values.tolist() == [[1, 1]]


def test_failure_in_the_middle_of_a_save_leaves_the_database_as_before(store, monkeypatch):
    upload(store, make_scorecard(3, project_code=code(1)), "before.xlsx")
    before = snapshot(store)
    backend = type(store)
    original = backend._insert_rows
    calls = []

    def failing(self, cur, table, rows):
        calls.append(table)
        if table == "indicators":
            raise RuntimeError("disk full")
        return original(self, cur, table, rows)

    monkeypatch.setattr(backend, "_insert_rows", failing)
    # code(1) again with changed figures: a new version, not the same content
    cards = [make_scorecard(3, project_code=code(n), sheet=f"S{n}", executed=12345) for n in (1, 2, 3)]
    with pytest.raises(RuntimeError, match="disk full"):
        store.save(cards, source_name="big.xlsx", data=b"new workbook", kind="xlsx", origin="upload")
    assert calls == ["submissions", "forms", "funds", "indicators"]  # it failed after three inserts
    assert snapshot(store) == before
    monkeypatch.undo()
    # the store still works, and the same upload now succeeds as a whole
    result = store.save(cards, source_name="big.xlsx", data=b"new workbook", kind="xlsx", origin="upload")
    assert result.stored == (2, 3, 4)
    assert store.table_counts()["indicators"] == 12


def test_identical_bytes_are_stored_once(store):
    sc = make_scorecard(4)
    first = store.save([sc], source_name="a.xlsx", data=b"same bytes", kind="xlsx", origin="upload")
    before = snapshot(store)
    again = store.save([sc], source_name="renamed.xlsx", data=b"same bytes", kind="xlsx", origin="upload")
    assert again.stored == ()
    (dup,) = again.duplicates
    assert (dup.project_code, dup.project_name, dup.existing_id) == (
        sc.form.header.project_code,
        "项目0001",
        1,
    )
    assert first.stored == (1,)
    assert snapshot(store) == before


def test_identical_editor_saves_without_bytes_are_stored_once(store):
    sc = make_scorecard(4)
    assert store.save([sc], source_name="编辑", data=None, kind="editor", origin="editor").stored == (1,)
    again = store.save([sc], source_name="编辑", data=None, kind="editor", origin="editor")
    assert again.stored == () and again.duplicates[0].existing_id == 1
    assert store.table_counts()["submissions"] == 1


def test_several_forms_of_one_workbook_share_its_hash_but_are_kept_apart(store):
    cards = [make_scorecard(2, project_code=code(n), sheet=f"Sheet{n}") for n in range(3)]
    assert store.save(cards, source_name="wb.xlsx", data=b"wb", kind="xlsx", origin="upload").stored == (
        1,
        2,
        3,
    )
    assert store.save(cards, source_name="wb.xlsx", data=b"wb", kind="xlsx", origin="upload").stored == ()
    # the same sheet twice in one call is one form
    fresh = make_scorecard(2, project_code=code(9), sheet="Sheet9")
    twice = store.save([fresh, fresh], source_name="x", data=b"x", kind="xlsx", origin="upload")
    assert twice.stored == (4,) and twice.duplicates[0].existing_id == 4


def test_the_same_form_in_another_file_is_not_a_new_version(store):
    card = make_scorecard(3, project_code=code(5))
    (first,) = store.save(
        [card], source_name="a.txt", data=b"text export", kind="text", origin="upload"
    ).stored
    moved = replace(card, form=replace(card.form, source="b.xlsx", sheet="劳模管理"))
    again = store.save([moved], source_name="b.xlsx", data=b"a workbook", kind="xlsx", origin="upload")
    assert again.stored == () and again.duplicates[0].existing_id == first
    changed = make_scorecard(3, project_code=code(5), executed=777)
    assert store.save(
        [changed], source_name="c.xlsx", data=b"changed", kind="xlsx", origin="upload"
    ).new_versions


def test_a_corrected_upload_becomes_a_new_version_and_the_old_one_stays_readable(store):
    old = make_scorecard(3, project_code=code(7), executed=50000)
    new = make_scorecard(3, project_code=code(7), executed=99000)
    (old_id,) = upload(store, old, "v1.xlsx").stored
    result = upload(store, new, "v2.xlsx")
    (new_id,) = result.stored
    assert result.new_versions == (new_id,)
    assert store.current_submission_ids() == [new_id]
    assert store.load_form(old_id).funds.total.executed == 50000
    assert store.load_form(new_id).funds.total.executed == 99000
    history = store.project_history(code(7), 2023)
    assert history["submission_id"].tolist() == [old_id, new_id]
    assert history["version"].tolist() == [1, 2]
    assert history["current"].tolist() == [False, True]
    assert history["source_name"].tolist() == ["v1.xlsx", "v2.xlsx"]
    # the other year of the same project is another form
    upload(store, make_scorecard(3, project_code=code(7), year=2024), "2024.xlsx")
    assert len(store.current_submission_ids()) == 2


def test_restore_version_makes_an_earlier_version_current(store):
    (old_id,) = upload(store, make_scorecard(3, project_code=code(7), executed=50000), "v1.xlsx").stored
    (new_id,) = upload(store, make_scorecard(3, project_code=code(7), executed=99000), "v2.xlsx").stored
    assert store.restore_version(new_id) == new_id  # already current: nothing written
    restored = store.restore_version(old_id, submitted_by="王五")
    assert restored == new_id + 1
    assert store.current_submission_ids() == [restored]
    assert store.load_scorecard(restored) == store.load_scorecard(old_id)
    history = store.project_history(code(7), "2023")
    assert history["origin"].tolist() == ["upload", "upload", "editor"]
    assert history["submitted_by"].tolist()[-1] == "王五"
    assert store.table_counts()["indicators"] == 9


def test_forms_without_a_project_code_do_not_hide_each_other(store):
    upload(store, make_scorecard(2, project_code=""), "a.xlsx")
    upload(store, make_scorecard(2, project_code="", executed=1), "b.xlsx")
    assert store.current_submission_ids() == [1, 2]


def test_concurrent_writers_lose_nothing_and_duplicate_nothing(store_location):
    path = store_location
    # two store objects on one database: one writer lock per file (DuckDB), an advisory lock (PostgreSQL)
    first, second = open_store(path), connect(path)
    threads, per_thread = 8, 25
    results, errors = [], []
    stop = threading.Event()

    def writer(t: int) -> None:
        s = first if t % 2 else second
        try:
            shared = make_scorecard(3, project_code=code(99999))
            results.append(
                s.save([shared], source_name="shared.xlsx", data=b"shared", kind="xlsx", origin="upload")
            )
            for k in range(per_thread):
                sc = make_scorecard(3, project_code=code(t * 100 + k), unit=f"单位{t}")
                results.append(upload(s, sc, f"t{t}-{k}.xlsx"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        while not stop.is_set():
            try:
                first.portfolio_summary()
                second.project_scores()
            except Exception as exc:  # pragma: no cover
                errors.append(exc)
            stop.wait(0.01)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for th in readers + writers:
        th.start()
    for th in writers:
        th.join()
    stop.set()
    for th in readers:
        th.join()
    assert errors == []
    stored = [sid for r in results for sid in r.stored]
    duplicates = [d for r in results for d in r.duplicates]
    total = threads * per_thread + 1
    assert sorted(stored) == list(range(1, total + 1))
    assert len(duplicates) == threads - 1 and {d.project_code for d in duplicates} == {code(99999)}
    assert first.table_counts() == {
        "submissions": total,
        "forms": total,
        "funds": 3 * total,
        "indicators": 3 * total,
        "issues": 0,
        "schema_version": LATEST_VERSION,
    }
    assert len(first.current_submission_ids()) == total
    assert first.portfolio_summary()["forms"].sum() == total
    second.close()
    first.close()


# --- queries ---------------------------------------------------------------------------------------


def test_portfolio_summary_exact_figures(known):
    df = known.portfolio_summary()
    assert df.to_dict("records") == [
        {"year": "2022", "unit": A, "forms": 1, "budget": 10000.0, "executed": 5000.0, "rate": 50.0,
         "mean_score": 55.0, "优": 0, "良": 0, "中": 0, "差": 1},
        {"year": "2023", "unit": B, "forms": 1, "budget": 100000.0, "executed": 80000.0, "rate": 80.0,
         "mean_score": 98.0, "优": 1, "良": 0, "中": 0, "差": 0},
        {"year": "2023", "unit": A, "forms": 3, "budget": 350000.0, "executed": 248630.0, "rate": 71.04,
         "mean_score": 87.62, "优": 2, "良": 0, "中": 1, "差": 0},
    ]  # fmt: skip
    assert known.portfolio_summary(year=2023)["forms"].tolist() == [1, 3]
    assert known.portfolio_summary(year="2023", unit=B)["executed"].tolist() == [80000.0]
    assert known.portfolio_summary(year=2021).empty


def test_project_scores(known):
    df = known.project_scores(year=2023)
    assert df["project_code"].tolist() == [code(4), code(1), code(2), code(3)]  # by unit (乙 < 甲), code
    assert df["total"].tolist() == [98.0, 99.86, 70.0, 93.0]
    assert df["grade"].tolist() == ["优", "优", "中", "优"]
    assert df["rate"].tolist() == [80.0, 98.63, 50.0, 100.0]
    assert df["versions"].tolist() == [1, 1, 1, 2]
    assert df["source_name"].tolist()[-1] == "p3-corrected.xlsx"
    assert len(known.project_scores()) == 5


def test_points_lost_by_level(known):
    df = known.points_lost(year=2023)
    assert df[["level1", "level2", "weight", "score", "lost"]].values.tolist() == [
        ["产出指标", "数量指标", 200.0, 174.0, 26.0],
        ["预算执行", "预算执行率", 40.0, 32.86, 7.14],
        ["效益指标", "社会效益指标", 120.0, 114.0, 6.0],
        ["满意度指标", "服务对象满意度指标", 40.0, 40.0, 0.0],
    ]
    assert df["forms"].tolist() == [4, 4, 4, 4]
    # every point lost is accounted for: Σ lost = Σ (100 − total)
    totals = known.project_scores(year=2023)["total"]
    assert df["lost"].sum() == pytest.approx((100 - totals).sum())
    assert known.points_lost(year=2022)["lost"].tolist() == [40.0, 5.0, 0.0, 0.0]


def test_target_outliers(known):
    df = known.target_outliers(year=2023)
    assert df[["project_code", "name", "target_value", "actual_value", "status"]].values.tolist() == [
        [code(3), "服务人数", 100.0, 160.0, "over"],
        [code(2), "服务人数", 100.0, 50.0, "missed"],
    ]
    assert df["achievement"].tolist() == [1.6, 0.5]
    assert known.target_outliers(year=2023, over=2.0)["status"].tolist() == ["missed"]
    assert known.target_outliers(year=2022)["achievement"].tolist() == [0.2]
    assert known.target_outliers(unit=B).empty


def test_years_units_and_history(known):
    assert known.years() == ["2022", "2023"]
    assert known.units() == [B, A]
    history = known.project_history(code(3), 2023)
    assert history["total"].tolist() == [92.0, 93.0] and history["current"].tolist() == [False, True]
    assert known.project_history(code(3), 2022).empty
    assert len(known.current_submission_ids()) == 5


# --- schema, files, locking, backups ---------------------------------------------------------------

V1_SUBMISSION = """INSERT INTO submissions (id, source_name, sha256, size, kind, sheet, submitted_at, submitted_by,
    profile, origin, project_code, year, form_json) VALUES (1, 'old.xlsx', 'abc', 3, 'xlsx', 'Sheet1',
    TIMESTAMP '2024-01-02 03:04:05', '', 'futian', 'upload', ?, '2023', ?)"""


def test_opening_a_v1_file_upgrades_it(tmp_path):
    path = tmp_path / "v1.duckdb"
    sc = card(1, budget=100, executed=100, quantity_score=50, quantity_actual="160人次", rule="positive.over")
    con = duckdb.connect(str(path))
    assert migrate(DuckDb(con), upto=1) == 1
    con.execute(V1_SUBMISSION, [code(1), form_to_json(sc.form)])
    con.execute(
        """INSERT INTO forms (submission_id, project_code, project_name, year, unit, total, grade, rate,
           budget_weight, budget_score, errors, warnings) VALUES (1, ?, '老项目', '2023', ?, 100, '优', 100, 10, 10, 0, 0)""",
        [code(1), A],
    )
    con.execute("INSERT INTO funds (submission_id, line_no, annual_budget, executed) VALUES (1, 0, 100, 100)")
    con.execute(
        """INSERT INTO indicators (submission_id, position, level1, level2, name, target, actual, weight, score, rule)
           VALUES (1, 0, '产出指标', '数量指标', '服务人数', '>100人次', '160人次', 50, 49, 'positive.over')"""
    )
    assert "target_value" not in {r[0] for r in con.execute("DESCRIBE indicators").fetchall()}
    con.close()

    with open_store(path) as s:
        assert s.version == LATEST_VERSION
        versions = s.table_rows("schema_version", ["version"])
        assert [v for (v,) in versions] == list(range(1, LATEST_VERSION + 1))
        assert s.load_form(1) == sc.form
        assert s.portfolio_summary()["forms"].tolist() == [1]
        # backfilled from the stored text
        assert s.target_outliers()[["target_value", "actual_value", "achievement"]].values.tolist() == [
            [100.0, 160.0, 1.6]
        ]
        # and it takes new submissions after the old one
        assert upload(s, make_scorecard(2, project_code=code(1), unit=A), "new.xlsx").stored == (2,)
    with open_store(path) as s:  # opening again changes nothing
        assert s.version == LATEST_VERSION and s.table_counts()["schema_version"] == LATEST_VERSION


def test_a_file_from_a_newer_program_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    open_store(path).close()
    con = duckdb.connect(str(path))
    con.execute(
        "INSERT INTO schema_version VALUES (?, 'future', TIMESTAMP '2030-01-01 00:00:00')",
        [LATEST_VERSION + 1],
    )
    con.close()
    with pytest.raises(StoreError, match="请升级"):
        open_store(path)


def test_default_path_and_seed_hook(tmp_path, monkeypatch):
    monkeypatch.delenv("SELFEVAL_DB", raising=False)
    assert default_db_path() == ROOT / "data" / "selfeval.duckdb"
    monkeypatch.setenv("SELFEVAL_DB", str(tmp_path / "env" / "x.duckdb"))
    assert default_db_path() == tmp_path / "env" / "x.duckdb"
    seeded = []

    def seed(s: Store) -> None:
        seeded.append(s.path)
        upload(s, make_scorecard(2), "sample.txt", origin="import")

    with open_store(seed=seed) as s:  # creates the folder and the file, then seeds it
        assert s.path == str((tmp_path / "env" / "x.duckdb").resolve())
        assert len(s.current_submission_ids()) == 1
    with open_store(seed=seed) as s:  # not empty: not seeded again
        assert s.table_counts()["submissions"] == 1
    with open_store(tmp_path / "y.duckdb", seed_if_empty=False, seed=seed) as s:
        assert s.is_empty()
    assert len(seeded) == 1


HOLDER = """
import sys
from selfeval.store import open_store
store = open_store(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
store.close()
"""


def test_a_file_held_by_another_process_gives_a_clear_message(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked) as caught:
            open_store(path)
        assert str(caught.value) == LOCKED_MESSAGE.format(path=path.resolve())
        assert str(caught.value).startswith("数据库文件正被另一个进程（通常是正在运行的应用）占用：")
        assert str(caught.value).endswith("。请先关闭应用，或用 --db 指定另一个文件。")
        # the command line says the same, without a traceback
        cli = subprocess.run(
            [sys.executable, "-m", "selfeval", "init", "--db", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert cli.returncode == 1
        assert "数据库文件正被另一个进程" in cli.stderr and "Traceback" not in cli.stderr
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    with open_store(path):  # released: opens again
        pass


def test_export_and_import_round_trip(known, tmp_path):
    backup = tmp_path / "backup"
    counts = known.export_database(backup)
    assert counts["submissions"] == 6 and counts["indicators"] == 18 and "transfers" in counts
    assert (backup / "selfeval-backup.json").is_file() and (backup / "submissions.parquet").is_file()
    assert not list(backup.glob("*.sql"))
    with open_store(tmp_path / "restored.duckdb") as copy:
        copy.import_database(backup)
        assert snapshot(copy) == snapshot(known)
        assert copy.portfolio_summary().equals(known.portfolio_summary())
        assert copy.load_scorecard(4) == known.load_scorecard(4)
        assert upload(copy, make_scorecard(2, project_code=code(42)), "after.xlsx").stored == (7,)
        with pytest.raises(StoreError, match="已有数据"):
            copy.import_database(backup)
        copy.import_database(backup, replace=True)
        assert snapshot(copy) == snapshot(known)
    with pytest.raises(StoreError, match="不是 selfeval 数据库备份"):
        known.import_database(tmp_path / "nowhere")
    with pytest.raises(StoreError, match="不是空的"):
        known.export_database(backup)
    # the CLI's restore: a backup replaces the file at a path
    target = tmp_path / "cli.duckdb"
    with open_store(target) as other:
        upload(other, make_scorecard(1, project_code=code(77)), "other.xlsx")
    with pytest.raises(StoreError, match="两者不是同一段历史"):  # that file has a history of its own
        store_module.restore(backup, target)
    store_module.restore(backup, target, discard_history=True)
    with open_store(target) as restored:
        assert snapshot(restored) == snapshot(known)


# --- property: whatever a Form holds comes back from JSON and from the store -------------------------

_text = st.text(max_size=8)
_number = st.none() | st.floats(allow_nan=False, allow_infinity=False)
_loc = st.builds(Loc, _text, st.integers(1, 1_048_576), st.none() | st.integers(1, 16_384))
_locs = st.dictionaries(_text, _loc, max_size=3)
_indicator = st.builds(
    Indicator, _text, _text, _text, _text, _text, _number, _number, _text, st.none() | _loc, _locs
)
_line = st.builds(FundsLine, _text, _number, _number, _number, st.none() | _loc)
_issue = st.builds(Issue, _text, st.sampled_from(["error", "warning", "info"]), _text, _text)
_form = st.builds(
    Form,
    source=_text,
    sheet=_text,
    header=st.builds(Header, _text, _text, _text, _text, _text, _locs),
    funds=st.builds(
        Funds,
        _line,
        st.lists(_line, max_size=3).map(tuple),
        st.sampled_from(["元", "万元"]),
        _number,
        _number,
        _number,
        _locs,
    ),  # fmt: skip
    goals=st.builds(Goals, _text, _text),
    indicators=st.lists(_indicator, max_size=4).map(tuple),
    level1_weights=st.dictionaries(_text, st.floats(allow_nan=False, allow_infinity=False), max_size=3),
    declared_total_weight=_number,
    declared_total=_number,
    issues=st.lists(_issue, max_size=3).map(tuple),
    loc=st.none() | _loc,
)


@settings(max_examples=60, deadline=None)
@given(_form)
def test_any_form_round_trips_through_json_and_the_store(form):
    d = form_to_dict(form)
    assert form_to_dict(form_from_dict(json.loads(json.dumps(d, ensure_ascii=False)))) == d
    sc = Scorecard(form, "p", None, 10.0, None, (), None, None, ())
    with Store(":memory:") as s:
        (sid,) = s.save([sc], source_name="x", data=None, kind="editor", origin="editor").stored
        # all but the project code and year, which the store keeps in one spelling (look-alikes)
        header = replace(
            form.header, project_code=code_key(form.header.project_code), year=norm_year(form.header.year)
        )
        assert form_to_dict(s.load_form(sid)) == form_to_dict(replace(form, header=header))


# --- one batch, one version per form; backups that are data only; damaged files -----------------------

SAMPLES = ROOT / "data" / "samples"


def test_one_form_in_three_file_kinds_of_one_batch_is_stored_once(store):
    from selfeval.ingest import ingest_files
    from selfeval.profile import load_profile

    paths = [
        SAMPLES / "futian-2023.xlsx",
        SAMPLES / "futian-2023.xls",
        ROOT / "data" / "seed" / "futian-2023.txt",
    ]
    files = [(p.name, p.read_bytes()) for p in paths]
    outcomes = ingest_files(store, files, load_profile(), origin="import")
    assert [len(o.stored) for o in outcomes] == [13, 0, 0]
    assert [len(o.duplicates) for o in outcomes] == [0, 13, 13]
    assert store.table_counts()["submissions"] == 13
    # the duplicates point at the versions the first file stored, in the same transaction
    assert {d.existing_id for d in outcomes[1].duplicates} == set(outcomes[0].stored)
    again = ingest_files(store, files, load_profile(), origin="import")
    assert sum(len(o.stored) for o in again) == 0 and sum(len(o.duplicates) for o in again) == 39


def test_a_changed_form_and_its_copy_in_one_batch_make_one_new_version(store):
    first = make_scorecard(3, project_code=code(8), executed=100)
    changed = make_scorecard(3, project_code=code(8), executed=200)
    moved = replace(changed, form=replace(changed.form, source="b.xlsx", sheet="另一页"))
    from selfeval.store import Upload

    results = store.save_many(
        [
            Upload((first,), "a.txt", b"a", "text", "upload"),
            Upload((changed,), "b.txt", b"b", "text", "upload"),
            Upload((moved,), "b.xlsx", b"c", "xlsx", "upload"),
        ]
    )
    assert [r.stored for r in results] == [(1,), (2,), ()]
    assert results[1].new_versions == (2,) and results[2].duplicates[0].existing_id == 2
    assert store.current_submission_ids() == [2]


def test_a_crafted_backup_folder_executes_nothing(known, tmp_path):
    """The old restore ran the folder's load.sql (IMPORT DATABASE); one that wrote a file proved it."""
    backup = tmp_path / "backup"
    known.export_database(backup)
    target = tmp_path / "pwned.txt"
    for name in ("schema.sql", "load.sql"):
        (backup / name).write_text(f"COPY (SELECT 'x') TO '{target}';\n", encoding="utf-8")
    with open_store(tmp_path / "copy.duckdb") as copy:
        copy.import_database(backup)
        assert not target.exists()
        assert snapshot(copy)["submissions"] == snapshot(known)["submissions"]
    # a manifest naming a table we never write, or a path, is refused before anything changes
    manifest = json.loads((backup / "selfeval-backup.json").read_text(encoding="utf-8"))
    for bad in ({"../../etc/passwd": 1}, {"evil": 0}):
        tampered = {**manifest, "tables": {**manifest["tables"], **bad}}
        (backup / "selfeval-backup.json").write_text(json.dumps(tampered), encoding="utf-8")
        if "evil" in bad:
            (backup / "evil.parquet").write_bytes((backup / "transfers.parquet").read_bytes())
        with open_store(tmp_path / "copy2.duckdb") as copy:
            upload(copy, make_scorecard(1, project_code=code(90)), "mine.xlsx")
            before = snapshot(copy)
            with pytest.raises(StoreError):
                copy.import_database(backup, replace=True)
            assert snapshot(copy) == before
    # a damaged data file: a Chinese message, nothing changed
    (backup / "selfeval-backup.json").write_text(json.dumps(manifest), encoding="utf-8")
    (backup / "indicators.parquet").write_bytes(b"PAR1 not parquet")
    with open_store(tmp_path / "copy3.duckdb") as copy:
        with pytest.raises(StoreError, match="sha256 不符"):  # the manifest's digest says it first
            copy.import_database(backup)
        redigest(backup, "indicators")  # and with the digest recomputed, the file itself is refused
        with pytest.raises(StoreError, match="无法读取"):
            copy.import_database(backup)
        assert copy.is_empty()


def test_an_old_export_database_folder_is_read_as_data_only(tmp_path):
    """Backups written before this version (DuckDB's EXPORT DATABASE) restore from their Parquet."""
    old = tmp_path / "old.duckdb"
    con = duckdb.connect(str(old))
    migrate(DuckDb(con), upto=2)
    sc = make_scorecard(2, project_code=code(3))
    con.execute(V1_SUBMISSION, [code(3), form_to_json(sc.form)])
    con.execute(
        "INSERT INTO forms (submission_id, project_code, project_name, year, unit) VALUES (1, ?, '旧', '2023', ?)",
        [code(3), A],
    )
    folder = tmp_path / "legacy"
    con.execute(f"EXPORT DATABASE '{folder}' (FORMAT parquet)")
    con.close()
    (folder / "load.sql").write_text(f"COPY (SELECT 1) TO '{tmp_path / 'ran.txt'}';", encoding="utf-8")
    with open_store(tmp_path / "new.duckdb") as s:
        s.import_database(folder)
        assert not (tmp_path / "ran.txt").exists()
        assert s.version == LATEST_VERSION and s.load_form(1) == sc.form
        assert [h is not None for (h,) in s.table_rows("submissions", ["content_hash"])] == [True]


def test_a_damaged_database_file_gives_a_chinese_message(tmp_path):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a database" * 500)
    with pytest.raises(StoreError, match="无法"):
        open_store(broken)
    cli = subprocess.run(
        [sys.executable, "-m", "selfeval", "init", "--db", str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 1 and "无法" in cli.stderr and "Traceback" not in cli.stderr


def test_a_batch_in_chunks_and_at_once_gives_the_same_store(tmp_path):
    """Duplicates within a batch are recognised exactly as across batches: one file per
    transaction and all files in one transaction store the same rows under the same ids."""
    from selfeval.ingest import ingest_files
    from selfeval.profile import load_profile

    texts = variants.split_forms(variants.seed_text())
    changed = [t.replace("2023", "2024", 1) for t in texts[:4]]  # other years: other projects
    files = [(f"{i}.txt", t.encode()) for i, t in enumerate(texts + texts[:5] + changed)]
    samples = [SAMPLES / "futian-2023.xlsx", ROOT / "data" / "seed" / "futian-2023.txt"]
    files += [(p.name, p.read_bytes()) for p in samples]
    stores = []
    for chunk in (1, len(files)):
        s = open_store(tmp_path / f"chunk{chunk}.duckdb")
        ingest_files(s, files, load_profile(), origin="import", chunk=chunk)
        stores.append(s)
    rows = []
    for s in stores:
        totals = dict(s.table_rows("forms", ["submission_id", "total"]))
        submissions = s.table_rows(
            "submissions", ["id", "source_name", "project_code", "year", "content_hash"]
        )
        rows.append([(*row, totals[row[0]]) for row in submissions])
    assert rows[0] == rows[1] and len(rows[0]) >= 17  # 13 forms and 4 of them in 2024
    for s in stores:
        s.close()
