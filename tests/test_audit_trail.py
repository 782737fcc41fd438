"""A history no one can rewrite (issue 20 item 2): every event chained to the one before, `selfeval
verify` naming the first broken link, restores refusing a backup whose trail was edited — even one
with its chain recomputed, by replaying the events through the workflow — and on PostgreSQL an app
login that may only read and append the trail (tested on a real server with the deployment's two
logins)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from selfeval.access import ALL_UNITS, Principal
from selfeval.sample import open_seeded_store
from selfeval.store import StoreError, open_store, restore
from selfeval.store.audit import EVENT_COLUMNS, GENESIS, event_hash
from selfeval.store.schema import LATEST_VERSION, migrate
from tests.conftest import ROOT
from tests.factories import make_scorecard
from tests.forged import redigest
from tests.rawdb import raw_db

A, B = "甲单位", "乙单位"
EDITOR = Principal("zhang@a.cn", "editor", (A,), True)
REVIEWER = Principal("wang@a.cn", "reviewer", (A,), True)
ADMIN = Principal("boss@x.cn", "admin", ALL_UNITS, True)


def code(n: int) -> str:
    return f"4403042260115000{n:05d}"


def save(store, n: int, executed: float = 50000.0, unit: str = A) -> int:
    card = make_scorecard(3, project_code=code(n), unit=unit, executed=executed)
    return store.save(
        [card], source_name=f"{n}-{executed}.xlsx", data=None, kind="xlsx", origin="upload"
    ).stored[0]


def history(root) -> dict[str, int]:
    """Project 1 returned, fixed and approved; project 2 a draft; project 3 submitted; a transfer."""
    editor, reviewer = root.scoped(EDITOR), root.scoped(REVIEWER)
    first = save(editor, 1)
    editor.submit(first)
    reviewer.return_(first, "请补充偏差原因")
    fixed = save(editor, 1, 51000.0)
    editor.submit(fixed)
    reviewer.approve(fixed, "同意")
    draft = save(editor, 2)
    waiting = save(editor, 3)
    editor.submit(waiting)
    moved = root.scoped(ADMIN).transfer_project(code(3), "2023", B)
    return {"first": first, "fixed": fixed, "draft": draft, "waiting": waiting, "moved": moved}


def events(root) -> list[tuple]:
    return root.table_rows("audit_events", [*EVENT_COLUMNS, "prev_hash", "hash"])  # by id: it comes first


@pytest.fixture
def store(store_location):
    root = open_store(store_location)
    ids = history(root)
    yield root, ids
    root.close()


def test_every_event_is_chained_to_the_one_before(store):
    root, ids = store
    rows = events(root)
    assert [r[4] for r in rows] == [
        "upload", "submit", "return", "upload", "submit", "approve", "upload", "upload", "submit", "edit", "transfer",
    ]  # fmt: skip
    prev = GENESIS
    for row in rows:
        assert row[-2] == prev and row[-1] == event_hash(prev, row[: len(EVENT_COLUMNS)])
        prev = row[-1]
    report = root.verify_trail()
    assert report.ok and report.events == len(rows) and report.head == (rows[-1][0], rows[-1][-1])
    with pytest.raises(StoreError, match="负责全部单位的管理员"):
        root.scoped(EDITOR).verify_trail()


def test_nothing_in_the_library_rewrites_the_trail():
    """The code only appends: the one UPDATE of audit_events is the migration that chains old events."""
    found = []
    for path in sorted((ROOT / "selfeval").rglob("*.py")):
        for m in re.finditer(r"(UPDATE|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+audit_events", path.read_text()):
            found.append((path.name, m.group(1).split()[0]))
    assert found == [("audit.py", "UPDATE")]
    assert "def chain_existing" in (ROOT / "selfeval/store/audit.py").read_text()
    inserts = [
        p.name for p in (ROOT / "selfeval").rglob("*.py") if "INSERT INTO audit_events" in p.read_text()
    ]
    assert inserts == ["audit.py"]


def tamper(root, sql: str, params=()) -> None:
    """Change the trail behind the store's back (DuckDB has no guard; on PostgreSQL the test's
    superuser turns the trigger off, as only an owner could)."""
    with root._writing() as db:
        if root.backend == "postgres":
            db.execute("ALTER TABLE audit_events DISABLE TRIGGER USER")
        db.execute(sql, params)
        if root.backend == "postgres":
            db.execute("ALTER TABLE audit_events ENABLE TRIGGER USER")


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "selfeval", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


def location(root) -> str:
    return root.url if root.backend == "postgres" else root.path


def test_verify_names_the_first_broken_link(store):
    root, _ = store
    root.close()  # DuckDB: one process holds a file; the CLI is another
    done = cli("verify", "--db", location(root))
    assert "审核记录完整：共 11 条" in done.stdout, done.stderr
    # the test server's login is a superuser, which may rewrite anything: verify says so (exit 1)
    assert done.returncode == (1 if root.backend == "postgres" else 0)
    assert ("可以对 audit_events 执行" in done.stderr) == (root.backend == "postgres")
    with open_store(location(root)) as s:
        tamper(s, "UPDATE audit_events SET comment = '没问题' WHERE action = 'return'")
        report = s.verify_trail()
        assert (
            not report.ok and report.broken == "审核记录第 3 条（编号 3）的内容与其哈希不符：该条记录被改动过"
        )
        tamper(s, "DELETE FROM audit_events WHERE id = 2")
        assert s.verify_trail().broken.startswith("审核记录第 2 条（编号 3）与前一条的链接断开")
    done = cli("verify", "--db", location(root))
    assert done.returncode == 1 and "审核记录第 2 条（编号 3）与前一条的链接断开" in done.stderr


# ------------------------------------------------------------------------------------- restores


def backup(root, tmp_path: Path, name: str = "b") -> Path:
    folder = tmp_path / name
    root.export_database(folder)
    return folder


def forge(folder: Path, change, *, rechain: bool = False, table: str = "audit_events") -> None:
    """Edit a backup's table with `change(rows) -> rows` (its digest recomputed: no key configured);
    with `rechain` recompute the whole chain and the manifest's head as a careful attacker would, so
    that only the workflow can tell."""
    path = folder / f"{table}.parquet"
    data = pq.read_table(path)
    rows = change(data.to_pylist())
    if rechain:
        prev = GENESIS
        for r in rows:
            r["prev_hash"] = prev
            r["hash"] = prev = event_hash(prev, [r[c] for c in EVENT_COLUMNS])
    pq.write_table(pa.Table.from_pylist(rows, schema=data.schema), path)
    redigest(folder, table)
    manifest_path = folder / "selfeval-backup.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"][table] = len(rows)
    if rechain and rows:
        manifest["audit_head"] = [rows[-1]["id"], rows[-1]["hash"]]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False))


def refused(root, folder: Path, words: str) -> None:
    before = events(root), root.table_rows("review_states")
    with pytest.raises(StoreError, match="备份无效") as caught:
        root.import_database(folder, replace=True)
    assert words in str(caught.value), str(caught.value)
    assert (events(root), root.table_rows("review_states")) == before


def where(rows, **match):
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


def test_an_edited_or_shortened_trail_is_refused(store, tmp_path):
    root, ids = store
    folder = backup(root, tmp_path)

    def soften(rows):
        where(rows, action="return")["comment"] = "没问题"
        return rows

    forge(folder, soften)
    refused(root, folder, "审核记录第 3 条（编号 3）的内容与其哈希不符")

    folder = backup(root, tmp_path, "renamed")
    forge(folder, lambda rows: [{**r, "actor": "boss@x.cn"} if r["action"] == "approve" else r for r in rows])
    refused(root, folder, "编号 6）的内容与其哈希不符")

    folder = backup(root, tmp_path, "dropped")
    forge(folder, lambda rows: [r for r in rows if r["action"] != "return"])
    refused(root, folder, "审核记录第 3 条（编号 4）与前一条的链接断开")

    folder = backup(root, tmp_path, "head")
    manifest = json.loads((folder / "selfeval-backup.json").read_text())
    manifest["audit_head"] = [manifest["audit_head"][0] + 1, manifest["audit_head"][1]]
    (folder / "selfeval-backup.json").write_text(json.dumps(manifest))
    refused(root, folder, "清单记录的审核记录链头（编号 12）与备份中的记录（编号 11）不符")


def test_a_recomputed_chain_with_forged_steps_is_refused_by_the_workflow(store, tmp_path):
    root, ids = store

    # the chain recomputed after the approval's role was changed to an editor's (editors do not approve)
    folder = backup(root, tmp_path, "role")
    forge(
        folder,
        lambda rows: [{**r, "role": "editor"} if r["action"] == "approve" else r for r in rows],
        rechain=True,
    )
    refused(root, folder, "由角色“editor”执行，而该角色无权这样做")

    # a never-submitted draft approved: an approve event appended with a valid chain
    folder = backup(root, tmp_path, "skip")

    def approve_draft(rows):
        last = rows[-1]
        return [*rows, {**last, "id": last["id"] + 1, "action": "approve", "role": "reviewer",
                        "actor": "wang@a.cn", "submission_id": ids["draft"], "project_code": code(2),
                        "unit": A, "state": "approved", "comment": ""}]  # fmt: skip

    forge(folder, approve_draft, rechain=True)
    refused(root, folder, "从“草稿”不能经此操作变为“已通过”")

    # the approval moved onto the first version, which had been returned (and replaced since)
    folder = backup(root, tmp_path, "old")
    forge(
        folder,
        lambda rows: [{**r, "submission_id": ids["first"]} if r["action"] == "approve" else r for r in rows],
        rechain=True,
    )
    refused(root, folder, "审核记录编号 6（approve，版本 1）")


def test_review_states_must_follow_from_the_trail(store, tmp_path):
    root, ids = store
    folder = backup(root, tmp_path)

    def approve_the_draft(rows):
        return [*rows, {**rows[0], "submission_id": ids["draft"], "state": "approved", "comment": ""}]

    forge(folder, approve_the_draft, table="review_states")
    refused(root, folder, f"提交版本 {ids['draft']} 的审核状态为“已通过”，而审核记录表明应为“草稿”")

    folder = backup(root, tmp_path, "gone")
    forge(folder, lambda rows: [r for r in rows if r["submission_id"] != ids["fixed"]], table="review_states")
    refused(root, folder, f"提交版本 {ids['fixed']} 的审核状态为“草稿”，而审核记录表明应为“已通过”")

    folder = backup(root, tmp_path, "unrecorded")  # a version without its upload event
    forge(folder, lambda rows: [r for r in rows if r["submission_id"] != ids["draft"]], rechain=True)
    refused(root, folder, f"提交版本 {ids['draft']} 没有上传、导入或编辑的记录")


def test_a_restore_that_succeeds_is_recorded_with_the_manifest_hash(store, tmp_path):
    root, ids = store
    folder = backup(root, tmp_path)
    digest = hashlib.sha256((folder / "selfeval-backup.json").read_bytes()).hexdigest()
    manifest = json.loads((folder / "selfeval-backup.json").read_text())
    rows = events(root)
    assert manifest["audit_head"] == [rows[-1][0], rows[-1][-1]]
    root.import_database(folder, replace=True)
    after = events(root)
    assert after[:-1] == rows
    last = after[-1]
    assert last[4] == "restored" and last[2] == "本机用户" and last[3] == "admin"
    assert digest in last[10] and f"链头编号 {rows[-1][0]}" in last[10]
    assert root.verify_trail().ok
    assert root.review_state(ids["fixed"])["state"] == "approved"
    # and a backup of the restored store restores again (the restored event replays as the store's)
    root.import_database(backup(root, tmp_path, "again"), replace=True)
    assert [r[4] for r in events(root)][-2:] == ["restored", "restored"] and root.verify_trail().ok


def test_existing_events_are_chained_by_the_migration(store_location):
    """A store of schema 7 (events without hashes) opened by this program: chained in id order."""
    with raw_db(store_location) as db:
        migrate(db, upto=7)
        db.execute(
            """INSERT INTO audit_events (id, happened_at, actor, role, action, project_code, year, submission_id,
                                         unit, state, comment)
               VALUES (1, TIMESTAMP '2024-01-02 03:04:05.123456', 'a', 'admin', 'upload', '', '2023', 1, '甲', 'draft', ''),
                      (2, TIMESTAMP '2024-01-02 03:04:06', 'a', 'admin', 'submit', '', '2023', 1, '甲', 'submitted', '说明')"""
        )
    with open_store(store_location) as s:
        assert s.version == LATEST_VERSION
        rows = events(s)
        assert [r[0] for r in rows] == [1, 2] and rows[0][-2] == GENESIS and rows[1][-2] == rows[0][-1]
        assert rows[1][-1] == event_hash(rows[0][-1], rows[1][: len(EVENT_COLUMNS)])
        assert s.verify_trail().broken is None  # the chain holds (the versions themselves are gone)


# ------------------------------------------------------------------------------------- PostgreSQL


def test_the_app_login_may_only_read_and_append_the_trail(pg_roles, tmp_path):
    owner, app = pg_roles
    with pytest.raises(StoreError, match="应用的账号无权修改表结构.*--owner"):
        open_store(app)
    done = cli("init", "--db", app, env={"SELFEVAL_OWNER_DB": owner})
    assert done.returncode == 0, done.stderr
    with open_store(app) as s:  # the app: no owner, schema up to date, grants in place
        assert s.app_role == "selfeval_app" and s.audit_privileges() == []
        ids = history(s)
        assert s.restore_version(ids["first"]) > ids["moved"]
        assert s.verify_trail().ok
    with psycopg.connect(app, autocommit=True) as conn:
        for statement in (
            "UPDATE audit_events SET comment = 'x'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
            "DROP TABLE audit_events",
            "ALTER TABLE audit_events DISABLE TRIGGER USER",
            "UPDATE forms SET total = 100",
            "DELETE FROM submissions",
            "UPDATE submissions SET form_json = '{}'",
            "TRUNCATE review_states",
            "CREATE TABLE x (a int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with psycopg.connect(owner, autocommit=True) as conn:  # even the owner: the triggers refuse
        for statement in (
            "UPDATE audit_events SET comment = 'x'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="只能追加"):
                conn.execute(statement)
    with open_store(owner) as s:
        assert s.audit_privileges() == ["UPDATE", "DELETE", "TRUNCATE", "所有者"]
    done = cli("verify", "--db", app)
    assert done.returncode == 0 and "审核记录完整" in done.stdout, done.stderr
    done = cli("verify", "--db", owner)
    assert done.returncode == 1 and "可以对 audit_events 执行 UPDATE、DELETE、TRUNCATE、所有者" in done.stderr


def test_a_restore_runs_as_the_owner_and_leaves_the_app_its_grants(pg_roles, tmp_path):
    owner, app = pg_roles
    with open_seeded_store(app, owner=owner) as s:
        ids = history(s)
        s.export_database(tmp_path / "b")
    with pytest.raises(StoreError, match="须以表的所有者账号执行"):
        restore(tmp_path / "b", app)
    done = cli("restore", str(tmp_path / "b"), "--db", app, "--owner", owner)
    assert done.returncode == 0, done.stderr
    with open_store(app) as s:
        assert s.audit_privileges() == [] and s.verify_trail().ok
        assert s.review_state(ids["fixed"])["state"] == "approved"
        save(s.scoped(EDITOR), 99)  # the app writes after the tables were rebuilt
        assert events(s)[-2][4] == "restored"
    with psycopg.connect(app, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("TRUNCATE audit_events")


# ------------------------------------------------------- a backup that rewrites the store it replaces


def test_a_rechained_backup_that_rewrites_the_replaced_history_is_refused(store, tmp_path):
    """Red team: the approver renamed and a return's comment softened, chain and head recomputed —
    the workflow cannot tell, the store being replaced can (selfeval/store/lineage.py)."""
    root, ids = store
    folder = backup(root, tmp_path, "actor")
    forge(folder, lambda rows: [{**r, "actor": "boss@x.cn"} if r["action"] == "approve" else r for r in rows],
          rechain=True)  # fmt: skip
    refused(root, folder, "备份的审核记录编号 6 与要被替换的数据库中同一编号的记录不同")

    folder = backup(root, tmp_path, "comment")
    forge(folder, lambda rows: [{**r, "comment": "同意"} if r["action"] == "return" else r for r in rows],
          rechain=True)  # fmt: skip
    refused(root, folder, "备份的审核记录编号 3 与要被替换的数据库中同一编号的记录不同")


def test_a_backup_that_changes_a_stored_version_is_refused(store, tmp_path):
    """The figures of an approved version raised, and a draft moved to another unit without a
    transfer: the trail's events untouched, the versions' rows changed."""
    root, ids = store
    folder = backup(root, tmp_path, "score")

    def raise_total(rows):
        return [
            {**r, "total": 100.0, "grade": "优"} if r["submission_id"] == ids["fixed"] else r for r in rows
        ]

    forge(folder, raise_total, table="forms")
    refused(root, folder, f"备份中提交版本 {ids['fixed']} 的内容与要被替换的数据库中同一版本不同")

    folder = backup(root, tmp_path, "unit")
    forge(folder, lambda rows: [{**r, "unit": B} if r["submission_id"] == ids["draft"] else r for r in rows],
          table="forms")  # fmt: skip
    refused(
        root, folder, f"审核记录编号 7（upload，版本 {ids['draft']}）记录的单位“{A}”与该版本的单位“{B}”不符"
    )


def test_older_and_foreign_backups_restore_and_a_discarded_history_is_named(store, tmp_path):
    """An older backup of the same store restores (its history is a prefix of the store's); one of
    another store restores only when asked to discard this one's history, which the event names."""
    root, ids = store
    older = backup(root, tmp_path, "older")
    root.scoped(EDITOR).submit(ids["draft"])
    head = events(root)[-1]
    root.import_database(older, replace=True)
    assert root.review_state(ids["draft"])["state"] == "draft" and root.verify_trail().ok
    said = events(root)[-1][10]  # the submit the older backup does not hold is named, not silently gone
    assert f"其后的 1 条审核记录未恢复（原链头编号 {head[0]}，哈希 {head[-1]}）" in said, said

    other = open_seeded_store(tmp_path / "other.duckdb")
    foreign = backup(other, tmp_path, "foreign")
    other.close()
    before = events(root)
    refused(root, foreign, "备份的审核记录编号 1 与要被替换的数据库中同一编号的记录不同")
    root.import_database(foreign, replace=True, discard_history=True)
    last = events(root)[-1]
    assert last[4] == "restored" and f"{len(before)} 条审核记录，链头编号 {before[-1][0]}" in last[10]
    assert before[-1][-1] in last[10] and root.verify_trail().ok


def test_a_current_flag_moved_behind_the_trail_is_found(store, tmp_path):
    """Red team: the app's login may set submissions.is_current (the writers' one flag), and whoever
    holds the DuckDB file may too: flagging the returned first version of project 1 as current again
    puts it on every page with no event. verify says so, and a backup carrying it is refused."""
    root, ids = store
    assert root.verify_trail().ok
    folder = backup(root, tmp_path, "flag")
    forge(folder, lambda rows: [{**r, "is_current": r["id"] == ids["first"]} if r["project_code"] == code(1)
                                else r for r in rows], table="submissions")  # fmt: skip
    refused(root, folder, f"提交版本 {ids['first']} 标记为现行版本：是，与审核记录不符")

    tamper(root, "UPDATE submissions SET is_current = FALSE WHERE project_code = ?", [code(1)])
    tamper(root, "UPDATE submissions SET is_current = TRUE WHERE id = ?", [ids["first"]])
    report = root.verify_trail()
    assert not report.ok and report.broken is None
    assert report.problems == [
        f"项目 {code(1)}（2023）的提交版本 {ids['first']} 标记为现行版本：是，与审核记录不符（现行版本应是最后一次保存的版本）",
        f"项目 {code(1)}（2023）的提交版本 {ids['fixed']} 标记为现行版本：否，与审核记录不符（现行版本应是最后一次保存的版本）",
    ]
