"""总览's figures kept by the writers (selfeval/store/aggregates.py) equal the scans' after every kind of
write — import in chunks with new versions and repeats, editor saves, restoring a version, moving a
project to another unit, review steps, restoring a backup, the migration that creates them and the
rebuild command — on DuckDB and PostgreSQL, for every filter and for a principal bound to one unit."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from selfeval.access import Principal
from selfeval.ingest import ingest_files
from selfeval.rules import load_profile
from selfeval.store import open_store
from selfeval.store.aggregates import TABLES
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
    states = store.state_counts()
    assert states["approved"].sum() == 1 and states["returned"].sum() == 1 and states["submitted"].sum() == 3

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
    for table in TABLES:  # the store as it was before migration 7
        store._rows(f"DROP TABLE {table}")
    store._rows("DELETE FROM schema_version WHERE version = 7")
    store.close()
    store = open_store(path, seed=None)
    try:
        assert store.version == 7
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
