"""Backups as data, never as code: every table of the store to `<table>.parquet` plus a manifest
(`selfeval-backup.json`: schema version, tables, row counts), and back.

A restore executes nothing it finds in the folder. It reads the manifest as JSON, accepts only
tables the schema of the backup's version has, reads exactly `<table>.parquet` for each (no
symlinks, no other names), builds a fresh schema with our own migrations, loads the rows as data,
checks the counts, and upgrades — all in one transaction. Folders written by the old
`EXPORT DATABASE` backups are read the same way (their Parquet files only; their SQL is ignored).

A backend provides `_snapshot()` (a read-only transaction's Db), `_writing()` and
`_dump_table(db, table, path)`; the rest is SQL both accept.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from selfeval.store.errors import StoreError
from selfeval.store.schema import MIGRATIONS, migrate
from selfeval.store.sqlutil import RELATIONS_SQL, split_relations

MANIFEST = "selfeval-backup.json"
FORMAT = 1
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Backups:
    """export_database / import_database shared by the backends."""

    def export_database(self, directory: str | Path) -> dict[str, int]:
        """Write every table to `directory` (created; must be empty) from one consistent snapshot.
        Administrators only. Returns the row count of each table."""
        self._require_unrestricted("备份数据库")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.iterdir()):
            raise StoreError(f"备份目录“{directory}”不是空的，请指定一个新目录。")
        counts: dict[str, int] = {}
        with self._snapshot() as db:
            version = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0]
            tables, _ = relations(db)
            for table in tables:
                self._dump_table(db, table, directory / f"{table}.parquet")
                counts[table] = db.execute(f"SELECT COUNT(*) FROM {table}")[0][0]
        manifest = {"format": FORMAT, "backend": self.backend, "schema_version": version, "tables": counts}
        (directory / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        return counts

    def import_database(self, directory: str | Path, *, replace: bool = False) -> dict[str, int]:
        """Load a backup written by `export_database` (then upgrade it if it is older). Refuses to
        overwrite stored submissions unless `replace` is true. Administrators only."""
        self._require_unrestricted("恢复数据库")
        directory = Path(directory)
        version, expected = _read_manifest(directory)
        if version > MIGRATIONS[-1].version:
            raise StoreError(f"备份的数据库结构版本 {version} 比本程序支持的新，请升级 selfeval。")
        data = {table: _read_table(directory, table) for table in expected}
        with self._writing() as db:
            if not replace and db.execute("SELECT COUNT(*) FROM submissions")[0][0]:
                raise StoreError("数据库中已有数据；要用备份覆盖，请指定 replace=True。")
            tables, views = relations(db)
            for view in views:
                db.execute(f"DROP VIEW IF EXISTS {view} CASCADE")
            for table in tables:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            migrate(db, upto=version, nested=True)
            known, _ = relations(db)
            unknown = sorted(set(expected) - set(known))
            if unknown:
                raise StoreError(f"备份中有本程序不认识的表：{'、'.join(unknown)}；未恢复任何数据。")
            db.execute("DELETE FROM schema_version")
            for table, rows in data.items():
                columns = set(_columns(db, table))
                extra = [c for c in rows.column_names if c not in columns]
                if extra:
                    raise StoreError(f"备份中表 {table} 有未知的列：{'、'.join(extra)}；未恢复任何数据。")
                load_table(db, table, rows)
            for table, count in expected.items():
                got = db.execute(f"SELECT COUNT(*) FROM {table}")[0][0]
                if got != count:
                    raise StoreError(f"恢复后表 {table} 有 {got} 行，备份记录为 {count} 行；未恢复任何数据。")
            self.version = migrate(db, nested=True)
        return expected


def relations(db: Any) -> tuple[list[str], list[str]]:
    """(base tables, views) of the store's own schema (not temporary or staged relations)."""
    return split_relations(db.execute(RELATIONS_SQL))


def _columns(db: Any, table: str) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            """SELECT column_name FROM information_schema.columns
               WHERE table_name = ? AND table_schema = current_schema() AND table_catalog = current_database()""",
            [table],
        )
    ]


def load_table(db: Any, table: str, rows: pa.Table) -> None:
    """Insert an Arrow table's rows as data (staged, then one INSERT … SELECT by column name)."""
    if rows.num_rows == 0:
        return
    cols = ", ".join(rows.column_names)
    with db.stage("_restore", rows):
        db.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _restore")


def _read_manifest(directory: Path) -> tuple[int, dict[str, int]]:
    """(schema version, {table: rows}) of a backup folder, checked; legacy folders counted."""
    if not directory.is_dir():
        raise StoreError(f"“{directory}”不是 selfeval 数据库备份目录（目录不存在）。")
    path = directory / MANIFEST
    if path.is_file() and not path.is_symlink():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            version = int(manifest["schema_version"])
            tables = {str(t): int(n) for t, n in dict(manifest["tables"]).items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(f"备份清单 {path} 已损坏：{exc}") from exc
    elif (directory / "schema_version.parquet").is_file():  # an EXPORT DATABASE folder of old
        tables = {}
        for p in sorted(directory.glob("*.parquet")):
            if _NAME.match(p.stem):
                tables[p.stem] = _read_table(directory, p.stem).num_rows
        versions = _read_table(directory, "schema_version").column("version").to_pylist()
        version = max(versions) if versions else 0
    else:
        raise StoreError(f"“{directory}”不是 selfeval 数据库备份目录（缺少 {MANIFEST}）。")
    bad = [t for t in tables if not _NAME.match(t)]
    if bad or "submissions" not in tables or "schema_version" not in tables:
        raise StoreError(f"备份清单 {path} 不完整或含有无效的表名。")
    return version, tables


def _read_table(directory: Path, table: str) -> pa.Table:
    path = directory / f"{table}.parquet"
    if path.is_symlink() or not path.is_file():
        raise StoreError(f"备份缺少数据文件 {path.name}（或它不是普通文件）。")
    try:
        return pq.read_table(path)
    except Exception as exc:  # a damaged or foreign file: say which
        raise StoreError(f"备份数据文件 {path.name} 无法读取：{exc}") from exc
