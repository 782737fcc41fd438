"""The embedded backend: one DuckDB file, one writer per file (a lock shared by every Store of this
process on it), a fresh cursor per read so Streamlit's script threads never share a busy one."""

from __future__ import annotations

import contextlib
import copy
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from selfeval.access import LOCAL
from selfeval.store.backup import Backups
from selfeval.store.errors import StoreError, StoreLocked, said_when_disk_full
from selfeval.store.queries import Queries
from selfeval.store.review import Review
from selfeval.store.schema import COLUMNS, SCHEMAS, migrate
from selfeval.store.sqlutil import sql_string
from selfeval.store.writes import Writes

if TYPE_CHECKING:  # pandas only when a query returns a frame, never for an import's writes
    import pandas as pd


class DuckDb:
    """A DuckDB cursor as a `Db`: `?` placeholders as they are, staging by registering Arrow tables."""

    dialect = "duckdb"

    def __init__(self, cur: Any):
        self.cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        # fetch everything: duckdb 2.0 results own the connection until fully fetched
        return self.cur.execute(sql, list(params)).fetchall()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with said_when_disk_full():  # a full disk fails the commit: rolled back, and said so
            self.cur.execute("BEGIN TRANSACTION")
            try:
                yield
                self.cur.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # a failing rollback must not hide the cause
                    self.cur.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def stage(self, name: str, table: pa.Table) -> Iterator[None]:
        self.cur.register(name, table)
        try:
            yield
        finally:
            self.cur.unregister(name)


# one writer lock per database file, shared by every Store of this process on that file
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock(path: str) -> threading.Lock:
    if path == ":memory:":
        return threading.Lock()
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.Lock())


# DuckDB's own memory — its cache of the file's blocks, a query's hash tables — is capped at
# MEMORY_LIMIT per connection (per process: the app holds one). DuckDB's default is 80 % of the
# machine's memory, and it keeps every block a process writes or reads until that is reached: one
# `selfeval import` of 48,000 files held ~700 MB of them (issue 23). Beyond the limit DuckDB evicts
# blocks (the file has them) and spills a big query's intermediate results to a temporary folder
# beside the database. $SELFEVAL_DUCKDB_MEMORY sets another limit ("512MB", "2GB"). An import,
# whose statements are bulk inserts and key look-ups, lowers its own to IMPORT_MEMORY_LIMIT
# (`Store.limit_memory`): its whole process tree stays under 500 MB (bench: the batch-size curve).
MEMORY_LIMIT = "256MB"
IMPORT_MEMORY_LIMIT = "64MB"
_MEMORY = re.compile(r"\d{1,6}(\.\d{1,3})?\s?(KB|MB|GB|KiB|MiB|GiB)", re.IGNORECASE)


def memory_limit(value: str | None = None) -> str:
    """`value`, or the memory limit of the DuckDB connections of this process (see MEMORY_LIMIT),
    checked: a number and a unit, nothing else reaches the SQL."""
    value = (value or os.environ.get("SELFEVAL_DUCKDB_MEMORY", "")).strip() or MEMORY_LIMIT
    if not _MEMORY.fullmatch(value):
        raise StoreError(f"SELFEVAL_DUCKDB_MEMORY 应为带单位的大小（如 256MB、2GB），而不是“{value}”。")
    return value


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    limit = memory_limit()
    try:
        return duckdb.connect(path, config={"memory_limit": limit})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreLocked(path) from exc
        raise StoreError(f"无法打开数据库文件 {path}：文件已损坏或不是 DuckDB 数据库（{exc}）。") from exc
    except duckdb.Error as exc:
        raise StoreError(f"无法打开数据库文件 {path}：文件已损坏或不是 DuckDB 数据库（{exc}）。") from exc


class Store(Review, Writes, Queries, Backups):
    """The embedded store (DuckDB): one file, one writer, a cursor per read. Acts as `who`
    (default: the local administrator, as the CLI does); `scoped(who)` gives the same store acting
    as someone else."""

    backend = "duckdb"

    def __init__(self, path: str | Path = ":memory:", *, who: Any = None):
        self.who = who or LOCAL
        self.path = str(path) if str(path) == ":memory:" else str(Path(path).resolve())
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._con = _connect(self.path)
        self._owner = True
        self._lock = _write_lock(self.path)
        try:
            with self._lock:
                cur = self._con.cursor()
                try:
                    self.version = migrate(DuckDb(cur))
                finally:
                    cur.close()
        except duckdb.Error as exc:
            self._con.close()
            raise StoreError(f"无法读取数据库文件 {self.path}：文件已损坏（{exc}）。") from exc

    # -- plumbing ------------------------------------------------------------------------------------
    def limit_memory(self, limit: str) -> None:
        """Cap DuckDB's memory for this connection from now on (an import: IMPORT_MEMORY_LIMIT)."""
        self._rows(f"SET memory_limit = '{memory_limit(limit)}'")

    def limit_threads(self, threads: int) -> None:
        """Run this connection's statements on `threads` threads from now on. An import's reading
        workers take every core, and its statements are small bulk inserts and key look-ups: one
        thread spends 12 % less CPU storing a chunk than DuckDB's default of one per core, which only
        adds handing work between threads that then wait for a core."""
        self._rows(f"SET threads = {max(1, int(threads))}")

    def scoped(self, who: Any) -> Store:
        """This store acting as `who`: same connection, every read and write filtered by their units."""
        other = copy.copy(self)
        other.who = who
        other._owner = False
        return other

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owner:
            self._con.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query on its own cursor, as a DataFrame (via Arrow: three times faster than .df() on
        wide results with many strings, same dtypes)."""
        cur = self._con.cursor()
        try:
            return cur.sql(sql, params=list(params) or None).to_arrow_table().to_pandas()
        finally:
            cur.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cur = self._con.cursor()
        try:
            return cur.execute(sql, list(params)).fetchall()
        finally:
            cur.close()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[DuckDb]:
        """The one writer of this file: the lock, a cursor, one transaction."""
        with self._lock:
            cur = self._con.cursor()
            try:
                db = DuckDb(cur)
                with db.transaction():
                    yield db
            finally:
                cur.close()

    _schema_writing = _writing  # one file, one owner: a restore writes as the store does

    def audit_privileges(self) -> list[str]:
        """DuckDB has no roles: whoever can write the file can change it (the chain shows it)."""
        return []

    def _insert_rows(self, db: DuckDb, table: str, rows: list[dict[str, Any]] | dict[str, list]) -> None:
        """One bulk INSERT of many rows (an Arrow table), never a statement per row; `rows` as dicts
        or as columns (name -> values, every column of the table)."""
        if isinstance(rows, dict):
            if not next(iter(rows.values()), None):
                return
            staged = pa.table(rows, schema=SCHEMAS[table])
        elif not rows:
            return
        else:
            staged = pa.Table.from_pylist(rows, schema=SCHEMAS[table])
        cols = ", ".join(c for c, _ in COLUMNS[table])
        with db.stage(f"_staged_{table}", staged):
            db.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _staged_{table}")

    # -- backups (see backup.py) ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[DuckDb]:
        """One read transaction: every table as of one moment."""
        cur = self._con.cursor()
        try:
            db = DuckDb(cur)
            with db.transaction():
                yield db
        finally:
            cur.close()

    def _dump_table(self, db: DuckDb, table: str, path: Path) -> None:
        db.execute(f"COPY (SELECT * FROM {table}) TO {sql_string(str(path))} (FORMAT parquet)")
