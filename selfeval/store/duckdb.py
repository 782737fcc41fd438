"""The embedded backend: one DuckDB file, one writer per file (a lock shared by every Store of this
process on it), a fresh cursor per read so Streamlit's script threads never share a busy one."""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from selfeval.access import LOCAL
from selfeval.store.backup import Backups
from selfeval.store.errors import StoreError, StoreLocked, said_when_disk_full
from selfeval.store.queries import Queries
from selfeval.store.review import Review
from selfeval.store.schema import COLUMNS, SCHEMAS, migrate
from selfeval.store.sqlutil import sql_string
from selfeval.store.writes import Writes


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


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path)
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
