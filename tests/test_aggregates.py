"""总览's figures kept by the writers (selfeval/store/aggregates.py) equal the scans' after every kind of
write — import in chunks with new versions and repeats, editor saves, restoring a version, moving a
project to another unit, review steps, restoring a backup, the migration that creates them and the
rebuild command — on DuckDB and PostgreSQL, for every filter and for a principal bound to one unit;
forms whose amounts are left out of every total and rate (negative amounts, 执行率 above 200 %) among
them, counted as left out by reason as the scans count them."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pandas as pd
import pytest

from selfeval.access import Principal
from selfeval.ingest import ingest_files
from selfeval.profile import load_profile
from selfeval.rules import score
from selfeval.store import open_store
from selfeval.store.aggregates import TABLES
from selfeval.store.schema import LATEST_VERSION, MIGRATIONS
from tests.conftest import ROOT
from tests.factories import make_scorecard
from tests.test_import_scale import batch, form_text

PROFILE = load_profile()
A, B = "甲单位", "乙单位"


def _calls(store, year: str, unit: str | None) -> dict:
    return {
        "years": lambda s: s.years(),
        "units": lambda s: s.units(),
        "portfolio_summary": lambda s: s.portfolio_summary(),
        "portfolio_summary(year, unit)": lambda s: s.portfolio_summary(year, unit),
        "points_lost": lambda s: s.points_lost(),
        "points_lost(year, unit)": lambda s: s.points_lost(year, unit),
        "target_outliers": lambda s: s.target_outliers(),
        "target_outliers(year, limit)": lambda s: s.target_outliers(year, None, limit=7),
        "outlier_counts": lambda s: s.outlier_counts(),
        "outlier_counts(year, unit)": lambda s: s.outlier_counts(year, unit),
        "overview_counts": lambda s: s.overview_counts(year, None, low_rate=99.5, flag_rate=99.0),
        "overview_counts(unit)": lambda s: s.overview_counts(None, unit, low_rate=90.0, flag_rate=99.9),
        "state_counts": lambda s: s.state_counts(),
        "organisation": lambda s: s.organisation(year),
        "organisation(approved)": lambda s: s.organisation(year, "approved"),
        "pending_count": lambda s: s.pending_count(year, unit),
        "pending_projects": lambda s: s.pending_projects(year, None, limit=9),
        "overview_projects(total)": lambda s: s.overview_projects(year, None, order="total", limit=5),
        "overview_projects(budget)": lambda s: s.overview_projects(None, unit, order="budget", limit=30),
        "overview_projects(rate, below)": lambda s: s.overview_projects(year, None, order="rate", below=99.5),
        "overview_projects(flagged)": lambda s: s.overview_projects(None, None, flagged_below=99.9, limit=50),
        "overview_rest": lambda s: s.overview_rest(year, None, top=3),
        "score_counts": lambda s: s.score_counts(year, unit),
        "todo_counts": lambda s: s.todo_counts(year, None),
        "todo(draft)": lambda s: s.todo("draft", None, unit, limit=5),
        "todo(submitted)": lambda s: s.todo("submitted", year, None),
    }


def _same(a, b, what: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, obj=what)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), what
        for k in a:
            _same(a[k], b[k], f"{what}[{k}]")
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-9), what
    else:
        assert a == b, what


def assert_kept_equal_scans(store, stage: str) -> None:
    """Every figure from the kept aggregates equals the same figure scanned from the rows."""
    for who in (None, Principal("zhang@a.cn", "viewer", (A,), True)):
        s = store if who is None else store.scoped(who)
        years = s.scanning().years()
        units = s.scanning().units()
        if not years:
            continue
        for name, call in _calls(s, years[-1], units[0]).items():
            _same(call(s), call(s.scanning()), f"{stage}: {name} as {who.name if who else 'admin'}")


def _card(n: int, unit: str, year: str = "2023", scores=None, executed: float = 98630.0):
    return make_scorecard(
        project_code=f"44030422601150001{n:04d}",
        project_name=f"项目{n}",
        unit=unit,
        year=year,
        executed=executed,
        scores=scores or [18.0, 17.0, 12.5, 16.0, 9.0],
    )


def _poisoned(n: int, unit: str, budget: float, executed: float, year: str = "2023"):
    """A form scored by the real rules with these amounts: negative ones or a rate above 200 % leave it
    ungraded and excluded from every total and rate (issue 20 item 5)."""
    card = _card(n, unit, year)
    total = dataclasses.replace(card.form.funds.total, annual_budget=budget, executed=executed)
    funds = dataclasses.replace(card.form.funds, total=total, parts=())
    return score(dataclasses.replace(card.form, funds=funds, declared_total=None), PROFILE)


# the migration that creates the aggregates (the store's last when it was written)
AGG_VERSION = next(m.version for m in MIGRATIONS if "agg_units" in m.description)


@pytest.fixture()
def store(store_location):
    s = open_store(store_location, seed=None)
    yield s
    s.close()


def test_kept_figures_equal_the_scans_after_every_kind_of_write(store, tmp_path):
    # an import in chunks: distinct projects, corrected versions in later chunks, repeats, a broken file
    ingest_files(store, batch(40), PROFILE, origin="import", chunk=6)
    assert_kept_equal_scans(store, "import")
    assert store._rows("SELECT COUNT(*) FROM agg_outliers")[0][0] > 0  # the check has rows to compare

    # one transaction holding forms and their corrected versions: only the last of each counts
    same_batch = [(f"n{i}.txt", form_text(100 + i)) for i in range(5)]
    same_batch += [(f"c{i}.txt", form_text(100 + i, corrected=True)) for i in range(5)]
    ingest_files(store, same_batch, PROFILE, origin="import", chunk=1000)
    assert_kept_equal_scans(store, "versions within one transaction")

    # editor saves in two units and two years, then a new version of one of them
    for n in range(6):
        store.save(
            [_card(n, A if n % 2 else B, "2023" if n < 4 else "2024")],
            source_name=f"e{n}",
            data=None,
            kind="editor",
            origin="editor",
        )
    store.save(
        [_card(1, A, scores=[10.0, 17.0, 12.5, 16.0, 9.0], executed=50000.0)],
        source_name="e1b",
        data=None,
        kind="editor",
        origin="editor",
    )
    assert_kept_equal_scans(store, "editor saves")

    # forms left out of every total and rate: stored with the others, in both units, one of them a new
    # version of a counted form (its amounts leave the sums), one a negative amount's
    poisoned = [
        _poisoned(20, A, -999_999_999_999.0, 100.0),
        _poisoned(21, B, 100_000.0, -5.0),
        _poisoned(22, A, 1_000.0, 50_000.0),  # 5,000 %
        _poisoned(0, B, 7.0, 69_040.37),  # 986,291 %: a new version of project 0
        _poisoned(23, B, 1_000.0, 2_500.0, "2024"),
    ]
    assert [c.excluded for c in poisoned] == ["AMOUNT_NEGATIVE"] * 2 + ["RATE_IMPLAUSIBLE"] * 3
    for n, card in enumerate(poisoned):
        store.save([card], source_name=f"p{n}", data=None, kind="editor", origin="editor")
    assert_kept_equal_scans(store, "excluded forms")
    left_out = store.overview_counts()["excluded"]
    assert (
        left_out
        == {"AMOUNT_NEGATIVE": 2, "RATE_IMPLAUSIBLE": 3}
        == store.scanning().overview_counts()["excluded"]
    )
    assert store.overview_counts(unit=A)["excluded"] == {"AMOUNT_NEGATIVE": 1, "RATE_IMPLAUSIBLE": 1}
    assert store.overview_counts()["budget"] > 0  # the −999,999,999,999 元 never reached the total

    # restoring the earlier version, then moving a project to another unit
    first = int(store.project_history(_card(1, A).form.header.project_code, "2023")["submission_id"].iloc[0])
    store.restore_version(first)
    assert_kept_equal_scans(store, "restore_version")
    store.transfer_project(_card(3, A).form.header.project_code, "2023", B)
    assert_kept_equal_scans(store, "transfer")

    # review steps change the states 总览 counts
    current = store.current_submission_ids()
    for sid in current[:5]:
        store.submit(sid, "说明")
    store.approve(current[0])
    store.return_(current[1], "请补充")
    assert_kept_equal_scans(store, "review steps")
    excluded_id = store.project_history(poisoned[0].form.header.project_code, "2023")["submission_id"].iloc[
        -1
    ]
    store.submit(int(excluded_id), "说明")  # an excluded form's review step: taken out and put back
    assert_kept_equal_scans(store, "review step of an excluded form")
    states = store.state_counts()
    assert states["approved"].sum() == 1 and states["returned"].sum() == 1 and states["submitted"].sum() == 4

    # a backup restored into a fresh store (the aggregates are recomputed there, never loaded as given)
    backup = tmp_path / "backup"
    store.export_database(backup)
    target = open_store(tmp_path / "restored.duckdb", seed=None)
    try:
        target.import_database(backup, replace=True)
        assert_kept_equal_scans(target, "restored backup")
        assert target.points_lost().equals(store.points_lost())
    finally:
        target.close()

    # figures wrongly kept (as if a write had been lost) are found by the check and mended by a rebuild
    store._rows("DELETE FROM agg_lost")
    assert store._kept and not store.scanning()._kept
    assert store.points_lost()["rows"].sum() != store.scanning().points_lost()["rows"].sum()
    store.rebuild_aggregates()
    assert_kept_equal_scans(store, "rebuilt")


def test_migration_computes_the_aggregates_of_a_store_that_had_none(tmp_path):
    path = tmp_path / "old.duckdb"
    store = open_store(path, seed=None)
    ingest_files(store, batch(20), PROFILE, origin="import", chunk=5)
    kept = store.points_lost()
    for table in TABLES:  # the store as it was before the migration that creates them
        store._rows(f"DROP TABLE {table}")
    # every later migration is run again too (they only compute what they keep: rerunnable)
    store._rows(f"DELETE FROM schema_version WHERE version >= {AGG_VERSION}")
    store.close()
    store = open_store(path, seed=None)
    try:
        assert store.version == LATEST_VERSION
        assert_kept_equal_scans(store, "migrated")
        pd.testing.assert_frame_equal(store.points_lost(), kept)
    finally:
        store.close()


def test_rebuild_command(tmp_path):
    db = tmp_path / "s.duckdb"
    store = open_store(db, seed=None)
    ingest_files(store, batch(12), PROFILE, origin="import", chunk=5)
    store._rows("DELETE FROM agg_units")
    store.close()
    proc = subprocess.run(
        [sys.executable, "-m", "selfeval", "rebuild-aggregates", "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "已按现行版本重算总览汇总数据（12 个项目" in proc.stdout
    store = open_store(db, seed=None)
    try:
        assert_kept_equal_scans(store, "rebuild command")
    finally:
        store.close()


def test_only_an_administrator_of_every_unit_rebuilds(store):
    from selfeval.store import AccessDenied

    with pytest.raises(AccessDenied):
        store.scoped(Principal("zhang@a.cn", "admin", (A,), True)).rebuild_aggregates()
    with pytest.raises(AccessDenied):
        store.scoped(Principal("li@a.cn", "editor", (A,), True)).rebuild_aggregates()


def test_the_app_login_keeps_and_rebuilds_the_aggregates(pg_roles):
    """On PostgreSQL the app connects as a login that owns nothing (docs/deploy.md): its saves, review
    steps and restores keep the figures, and `selfeval rebuild-aggregates` runs with it (no --owner);
    the figures' tables take no DDL and no TRUNCATE from it."""
    import psycopg

    owner, app = pg_roles
    init = subprocess.run(
        [sys.executable, "-m", "selfeval", "init", "--db", app],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SELFEVAL_OWNER_DB": owner},
    )
    assert init.returncode == 0, init.stderr
    with open_store(app, seed=None) as store:
        ingest_files(store, batch(12), PROFILE, origin="import", chunk=5)
        store.save(
            [_poisoned(30, A, 1_000.0, 50_000.0)], source_name="p", data=None, kind="editor", origin="editor"
        )
        sid = store.current_submission_ids()[0]
        store.submit(sid, "说明")
        store.restore_version(sid)
        assert_kept_equal_scans(store, "the app's login")
    with psycopg.connect(app, autocommit=True) as conn:
        conn.execute("DELETE FROM agg_lost")  # figures in doubt: the app may put them right
        for statement in (
            "TRUNCATE agg_units",
            "DROP TABLE agg_lost",
            "ALTER TABLE agg_units ADD COLUMN x int",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    proc = subprocess.run(
        [sys.executable, "-m", "selfeval", "rebuild-aggregates", "--db", app],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "SELFEVAL_OWNER_DB"},
    )
    assert proc.returncode == 0, proc.stderr
    with open_store(app, seed=None) as store:
        assert_kept_equal_scans(store, "rebuilt by the app's login")
