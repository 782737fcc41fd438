"""`selfeval migrate --from FILE.duckdb --to postgresql://…` and back: the whole store (versions,
history, transfers, audit trail) arrives, the counts are checked, and the copy works on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from selfeval.access import Principal
from selfeval.store import StoreError, open_store
from selfeval.store.aggregates import TABLES as AGGREGATES
from selfeval.store.transfer import copy_store
from tests.conftest import ROOT
from tests.factories import make_scorecard

A, B = "甲单位", "乙单位"


def code(n: int) -> str:
    return f"4403042260115000{n:05d}"


def snapshot(store) -> dict[str, list]:
    """Every table's rows, but the aggregates (derived: recomputed by the target, tests/test_aggregates.py)."""
    tables, _ = store.relations()
    # a restore (or a copy) adds its own `restored` event to the copy's trail: the rest is the same
    derived = {"schema_version", *AGGREGATES}
    out = {t: sorted(store.table_rows(t), key=repr) for t in tables if t not in derived}
    out["audit_events"] = [e for e in out["audit_events"] if e[4] != "restored"]
    out["schema_version"] = store.table_rows("schema_version", ["version", "description"])
    return out


def fill(store) -> None:
    """Two units, a corrected project, a restored version, a transfer."""
    editor = store.scoped(Principal("a@x.cn", "editor", (A,), True))
    for n, executed in ((1, 100), (1, 200), (2, 300)):
        editor.save(
            [make_scorecard(3, project_code=code(n), unit=A, executed=executed)],
            source_name=f"{n}-{executed}.xlsx",
            data=f"{n}-{executed}".encode(),
            kind="xlsx",
            origin="upload",
        )
    store.save(
        [make_scorecard(2, project_code=code(3), unit=B)],
        source_name="b",
        data=b"b",
        kind="xlsx",
        origin="import",
    )
    editor.restore_version(1, submitted_by="a@x.cn")
    store.save(
        [make_scorecard(2, project_code=code(3), unit=A, executed=5)],
        source_name="t",
        data=None,
        kind="editor",
        origin="editor",
        allow_transfer=True,
    )


def test_duckdb_to_postgresql_and_back(tmp_path, pg_url):
    source = tmp_path / "source.duckdb"
    with open_store(source) as s:
        fill(s)
        before = snapshot(s)
    assert len(before["transfers"]) == 1 and before["submissions"]
    counts = copy_store(source, pg_url)
    assert counts["submissions"] == 6
    with open_store(pg_url) as pg:
        assert pg.backend == "postgres" and snapshot(pg) == before
        assert pg.project_history(code(1), 2023)["version"].tolist() == [1, 2, 3]
        assert pg.save(
            [make_scorecard(2, project_code=code(9))],
            source_name="n",
            data=b"n",
            kind="xlsx",
            origin="upload",
        ).stored == (7,)
    back = tmp_path / "back.duckdb"
    copy_store(pg_url, back)
    with open_store(back) as d, open_store(pg_url) as pg:
        assert snapshot(d) == snapshot(pg)
    # a target holding submissions is refused unless replaced
    with pytest.raises(StoreError, match="已有数据"):
        copy_store(source, back)
    copy_store(source, back, replace=True)
    with open_store(back) as d:
        assert snapshot(d) == before


def test_the_cli_migrates_and_says_so(tmp_path, pg_url):
    source = tmp_path / "cli.duckdb"
    with open_store(source) as s:
        fill(s)
    env = {**os.environ, "SELFEVAL_DB": str(tmp_path / "unused.duckdb")}
    proc = subprocess.run(
        [sys.executable, "-m", "selfeval", "migrate", "--from", str(source), "--to", pg_url],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "已复制 6 个提交版本" in proc.stdout and "行数已逐表核对" in proc.stdout
    again = subprocess.run(
        [sys.executable, "-m", "selfeval", "migrate", "--from", str(source), "--to", pg_url],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert again.returncode == 1 and "已有数据" in again.stderr and "Traceback" not in again.stderr
