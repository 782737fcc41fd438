"""Backups as data, never as code: every table of the store to `<table>.parquet` plus a manifest
(`selfeval-backup.json`: schema version, tables, row counts, the audit trail's head, each data file's
sha256 and — with the organisation's key — a signature: selfeval/store/signing.py), and back. The
aggregates the writers keep for 总览 (selfeval/store/aggregates.py) are not backed up: a restore
recomputes them.

A restore executes nothing it finds in the folder. It reads the manifest as JSON, accepts only
tables the schema of the backup's version has, reads exactly `<table>.parquet` for each (no
symlinks, no other names), builds a fresh schema with our own migrations, loads the rows as data,
checks the counts, and upgrades — all in one transaction. Folders written by the old
`EXPORT DATABASE` backups are read the same way (their Parquet files only; their SQL is ignored).

The manifest is checked strictly (bounded size, exactly the keys and types we write, a schema
version we know that agrees with the backup's own schema_version rows), and anything wrong with the
folder — the manifest, a data file, rows the schema refuses (duplicate ids, wrong types) — is said
as 备份无效（…）: the transaction is rolled back and the existing store is left as it was.

A backend provides `_snapshot()` (a read-only transaction's Db), `_writing()` and
`_dump_table(db, table, path)` (the contract: base.Backend); the rest is SQL both accept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from selfeval.messages import AUDIT
from selfeval.store import aggregates
from selfeval.store.audit import chain_head, record_event
from selfeval.store.base import Backend
from selfeval.store.errors import RESTORE_NEEDS_OWNER, StoreError
from selfeval.store.lineage import divergence, history
from selfeval.store.schema import MIGRATIONS, migrate
from selfeval.store.signing import backup_key, file_digest, signature, signed_by
from selfeval.store.sqlutil import COLUMNS_SQL, RELATIONS_SQL, split_relations
from selfeval.store.trail import check_trail

MANIFEST = "selfeval-backup.json"
FORMAT = 3  # 3: each file's sha256 and a signature ("" unsigned); 2: the audit trail's head; 1: neither
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MAX_MANIFEST_BYTES = 64 * 1024  # ours is < 1 KB; bounds the parse (a 100,000-deep nesting is refused)
_MANIFEST_KEYS = {1: {"format", "backend", "schema_version", "tables"}}
_MANIFEST_KEYS[2] = _MANIFEST_KEYS[1] | {"audit_head"}
_MANIFEST_KEYS[3] = _MANIFEST_KEYS[2] | {"files", "signature"}
_HASH = re.compile(r"^(|[0-9a-f]{64})$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_BACKENDS = {"duckdb", "postgres"}


def invalid(reason: str) -> StoreError:
    """A backup folder we will not restore, said as such (never as a damaged database)."""
    return StoreError(f"备份无效（{reason}），未恢复任何数据，原数据库未改动。")


class Backups(Backend):
    """export_database / import_database shared by the backends."""

    def export_database(self, directory: str | Path) -> dict[str, int]:
        """Write every table to `directory` (created; must be empty) from one consistent snapshot.
        Administrators only. Returns the row count of each table. Signed when the organisation's key
        is configured (SELFEVAL_BACKUP_KEY_FILE); a key named but unreadable stops the backup."""
        self._require_unrestricted("备份数据库")
        key = backup_key()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if any(directory.iterdir()):
            raise StoreError(f"备份目录“{directory}”不是空的，请指定一个新目录。")
        counts: dict[str, int] = {}
        with self._snapshot() as db:
            version = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0]
            head = chain_head(db)
            tables, _ = relations(db)
            for table in (t for t in tables if t not in aggregates.TABLES):  # derived: rebuilt on restore
                self._dump_table(db, table, directory / f"{table}.parquet")
                counts[table] = db.execute(f"SELECT COUNT(*) FROM {table}")[0][0]
        manifest = {
            "format": FORMAT,
            "backend": self.backend,
            "schema_version": version,
            "tables": counts,
            "audit_head": list(head),
            "files": {table: _file_sha256(directory / f"{table}.parquet") for table in counts},
        }
        manifest["signature"] = signature(key, manifest) if key else ""
        (directory / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        return counts

    def import_database(
        self,
        directory: str | Path,
        *,
        replace: bool = False,
        discard_history: bool = False,
        accept_unsigned: bool = False,
    ) -> dict[str, int]:
        """Load a backup written by `export_database` (then upgrade it if it is older). Refuses to
        overwrite stored submissions unless `replace` is true. Administrators of every unit only.

        The history is checked before anything commits: the audit chain link by link, its head
        against the manifest's, and the review states against the events replayed through the
        workflow (selfeval/store/trail.py) — a backup that fails is refused naming the first thing
        wrong. Over a store that has a trail, the backup must continue that history (an older or a
        newer state of the same store: selfeval/store/lineage.py) unless `discard_history` says to
        replace it by another, which the restore's event then names. Each data file must have the
        sha256 its manifest lists; with the organisation's key configured, the manifest's signature
        must verify, and an unsigned backup is restored only when `accept_unsigned` says so. A restore
        that succeeds appends a `restored` event carrying the manifest's sha256 and its signature's
        standing."""
        self._require_unrestricted("恢复数据库")
        directory = Path(directory)
        manifest = _read_manifest(directory)
        standing = _authenticity(manifest, backup_key(), accept_unsigned)
        # the aggregates are figures derived from the rows: never loaded, always recomputed
        kept = {t: n for t, n in manifest.tables.items() if t not in aggregates.TABLES}
        manifest = dataclasses.replace(manifest, tables=kept)
        if manifest.version > MIGRATIONS[-1].version:
            raise StoreError(f"备份的数据库结构版本 {manifest.version} 比本程序支持的新，请升级 selfeval。")
        files = manifest.files or {}
        data = {table: _read_table(directory, table, files.get(table)) for table in manifest.tables}
        _check_rows(manifest.version, manifest.tables, data)
        try:
            return self._load_backup(
                manifest, data, replace=replace, discard_history=discard_history, standing=standing
            )
        except StoreError:
            raise
        except Exception as exc:  # the backup's rows broke a constraint or a type: rolled back
            if getattr(exc, "sqlstate", None) == "42501":  # this login may not rebuild the tables
                raise StoreError(RESTORE_NEEDS_OWNER.format(error=str(exc).splitlines()[0])) from exc
            first = exc  # the first failure, not the "transaction aborted" of a cleanup after it
            while first.__context__ is not None and "abort" in str(first).lower():
                first = first.__context__
            said = (str(first).strip().splitlines() or [""])[0][:200]
            raise invalid(f"数据无法载入：{type(first).__name__}: {said}") from exc

    def _load_backup(
        self,
        manifest: Manifest,
        data: dict[str, pa.Table],
        *,
        replace: bool,
        discard_history: bool,
        standing: str,
    ) -> dict[str, int]:
        """The restore's one transaction: drop, rebuild the schema of the backup's version, load,
        verify, upgrade, check the history, record the restore, recompute 总览's kept figures."""
        expected = manifest.tables
        with self._schema_writing() as db:
            if not replace and db.execute("SELECT COUNT(*) FROM submissions")[0][0]:
                raise StoreError("数据库中已有数据；要用备份覆盖，请指定 replace=True。")
            before = history(db)  # what the backup must continue (the store is at the latest schema)
            tables, views = relations(db)
            for view in views:
                db.execute(f"DROP VIEW IF EXISTS {view} CASCADE")
            for table in tables:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            migrate(db, upto=manifest.version, nested=True)
            known, _ = relations(db)
            unknown = sorted(set(expected) - set(known))
            if unknown:
                raise invalid(f"有本程序不认识的表：{'、'.join(unknown)}")
            db.execute("DELETE FROM schema_version")
            for table, rows in data.items():
                columns = set(_columns(db, table))
                extra = [c for c in rows.column_names if c not in columns]
                if extra:
                    raise invalid(f"表 {table} 有未知的列：{'、'.join(extra)}")
                load_table(db, table, rows)
            for table, count in expected.items():
                got = db.execute(f"SELECT COUNT(*) FROM {table}")[0][0]
                if got != count:
                    raise invalid(f"载入后表 {table} 有 {got} 行，清单记录为 {count} 行")
            self.version = migrate(db, nested=True)
            _verify(db)
            report = check_trail(db)
            if not report.ok:
                raise invalid(report.first())
            if manifest.head is not None and tuple(manifest.head) != report.head:
                raise invalid(AUDIT["HEAD_MISMATCH"].format(want_id=manifest.head[0], have_id=report.head[0]))
            comment = AUDIT["RESTORED"].format(manifest=manifest.sha256, id=report.head[0]) + standing
            after = history(db)
            diverges = divergence(before, after)
            if diverges and not discard_history:
                raise invalid(diverges)
            if diverges:
                comment += AUDIT["DISCARDED"].format(
                    events=len(before.events), id=before.head[0], hash=before.head[1]
                )
            elif len(before.events) > len(after.events):  # an older backup: the later events are said
                dropped = len(before.events) - len(after.events)
                comment += AUDIT["DROPPED"].format(events=dropped, id=before.head[0], hash=before.head[1])
            record_event(
                db,
                self.who,
                "restored",
                project_code="",
                year="",
                submission_id=None,
                unit="",
                comment=comment,
            )
            aggregates.rebuild(db)  # figures derived from the rows: recomputed, never taken on trust
        return expected


def _check_rows(version: int, expected: dict[str, int], data: dict[str, pa.Table]) -> None:
    """Before anything is written: each file has the rows its manifest says, and the backup's
    schema_version rows are exactly the migrations up to its version (the version is data that must
    agree with itself, never believed on its word: a lie would skip the upgrades the rows need)."""
    for table, count in expected.items():
        if data[table].num_rows != count:
            raise invalid(f"表 {table} 的数据文件有 {data[table].num_rows} 行，清单记录为 {count} 行")
    rows = data["schema_version"]
    if "version" not in rows.column_names:
        raise invalid("schema_version 表缺少 version 列")
    try:
        found = sorted(int(v) for v in rows.column("version").to_pylist())
    except (TypeError, ValueError, OverflowError):
        raise invalid("schema_version 表的版本号不是整数") from None
    wanted = [m.version for m in MIGRATIONS if m.version <= version]
    if found != wanted:
        shown = "、".join(map(str, found[:10])) or "无"
        raise invalid(f"清单的结构版本为 {version}，而备份中记录的迁移版本为 {shown}")


def _verify(db: Any) -> None:
    """The restored store answers the queries every page starts with (inside the transaction)."""
    tables, views = relations(db)
    for name in (*tables, *views):
        db.execute(f"SELECT COUNT(*) FROM {name}")
    db.execute("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM submissions")
    db.execute("SELECT COALESCE(MAX(id), 0) FROM audit_events")


def relations(db: Any) -> tuple[list[str], list[str]]:
    """(base tables, views) of the store's own schema (not temporary or staged relations)."""
    return split_relations(db.execute(RELATIONS_SQL))


def _columns(db: Any, table: str) -> list[str]:
    return [r[0] for r in db.execute(COLUMNS_SQL, [table])]


def load_table(db: Any, table: str, rows: pa.Table) -> None:
    """Insert an Arrow table's rows as data (staged, then one INSERT … SELECT by column name)."""
    if rows.num_rows == 0:
        return
    cols = ", ".join(rows.column_names)
    with db.stage("_restore", rows):
        db.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _restore")


@dataclass(frozen=True)
class Manifest:
    """A backup folder's manifest as checked: schema version, {table: rows}, the audit trail's head
    (id, hash) when the backup recorded it, the sha256 of the manifest file, and (format 3) each data
    file's sha256 and the signature ("" unsigned), with the parsed JSON the signature covers."""

    version: int
    tables: dict[str, int]
    head: tuple[int, str] | None
    sha256: str
    files: dict[str, str] | None = None
    signature: str = ""
    raw: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)


def _authenticity(manifest: Manifest, key: bytes | None, accept_unsigned: bool) -> str:
    """What the restore's event says about who wrote the backup; refuses a signature that does not
    verify, and an unsigned backup where a key is configured unless the administrator accepts it."""
    if key is None:
        return AUDIT["SIGNATURE_UNCHECKED"] if manifest.signature else ""
    if not manifest.signature:
        if not accept_unsigned:
            raise invalid(AUDIT["UNSIGNED"])
        return AUDIT["ACCEPTED_UNSIGNED"]
    if not signed_by(key, manifest.raw):
        raise invalid(AUDIT["BAD_SIGNATURE"])
    return AUDIT["SIGNED"]


def _read_manifest(directory: Path) -> Manifest:
    """The manifest of a backup folder, checked; legacy folders counted."""
    if not directory.is_dir():
        raise StoreError(f"“{directory}”不是 selfeval 数据库备份目录（目录不存在）。")
    path = directory / MANIFEST
    if path.is_file() and not path.is_symlink():
        manifest = _parse_manifest(path)
    elif (directory / "schema_version.parquet").is_file():  # an EXPORT DATABASE folder of old
        tables = {}
        for p in sorted(directory.glob("*.parquet")):
            if _NAME.match(p.stem):
                tables[p.stem] = _read_table(directory, p.stem).num_rows
        versions = _read_table(directory, "schema_version").column("version").to_pylist()
        manifest = Manifest(max(versions) if versions else 0, tables, None, "")
    else:
        raise StoreError(f"“{directory}”不是 selfeval 数据库备份目录（缺少 {MANIFEST}）。")
    bad = [t for t in manifest.tables if not _NAME.match(t)]
    if bad or "submissions" not in manifest.tables or "schema_version" not in manifest.tables:
        raise invalid(f"清单 {path.name} 不完整或含有无效的表名")
    return manifest


def _parse_manifest(path: Path) -> Manifest:
    """A manifest with exactly the keys and types we write (format 1, or 2 with the audit head)."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise invalid(f"清单 {path.name} 过大")
        raw = path.read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
    except StoreError:
        raise
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: a deeply nested manifest
        raise invalid(f"清单 {path.name} 不是有效的 JSON：{type(exc).__name__}") from None
    fmt = manifest.get("format") if isinstance(manifest, dict) else None
    if not _is_int(fmt) or fmt not in _MANIFEST_KEYS or set(manifest) != _MANIFEST_KEYS[fmt]:
        raise invalid(f"清单 {path.name} 的内容不是本程序写出的格式")
    version, tables, backend = (manifest[k] for k in ("schema_version", "tables", "backend"))
    if backend not in _BACKENDS:
        raise invalid(f"清单 {path.name} 的格式或数据库类型无效")
    if not _is_int(version) or version < 1:
        raise invalid(f"清单 {path.name} 的结构版本无效")
    if not isinstance(tables, dict) or not all(
        isinstance(t, str) and _is_int(n) and 0 <= n < 2**63 for t, n in tables.items()
    ):
        raise invalid(f"清单 {path.name} 的表与行数无效")
    head = manifest.get("audit_head")
    if fmt >= 2 and not (
        isinstance(head, list)
        and len(head) == 2
        and _is_int(head[0])
        and 0 <= head[0] < 2**63
        and isinstance(head[1], str)
        and _HASH.match(head[1])
    ):
        raise invalid(f"清单 {path.name} 的审核记录链头无效")
    files, signed = manifest.get("files"), manifest.get("signature", "")
    if fmt >= 3 and not (
        isinstance(files, dict)
        and set(files) == set(tables)
        and all(isinstance(d, str) and _DIGEST.match(d) for d in files.values())
        and isinstance(signed, str)
        and _HASH.match(signed)
    ):
        raise invalid(f"清单 {path.name} 的数据文件摘要或签名无效")
    return Manifest(
        version,
        dict(tables),
        tuple(head) if fmt >= 2 else None,
        hashlib.sha256(raw).hexdigest(),
        dict(files) if fmt >= 3 else None,
        signed if fmt >= 3 else "",
        manifest,
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _read_table(directory: Path, table: str, digest: str | None = None) -> pa.Table:
    """A data file's rows; when the manifest lists its sha256, the bytes read are the bytes hashed."""
    path = directory / f"{table}.parquet"
    if path.is_symlink() or not path.is_file():
        raise invalid(f"缺少数据文件 {path.name}，或它不是普通文件")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise invalid(f"数据文件 {path.name} 无法读取：{type(exc).__name__}") from None
    if digest is not None and file_digest(data) != digest:
        raise invalid(AUDIT["FILE_CHANGED"].format(name=path.name))
    try:
        return pq.read_table(io.BytesIO(data))
    except Exception as exc:  # a damaged or foreign file: say which
        raise invalid(f"数据文件 {path.name} 无法读取：{exc}") from exc
