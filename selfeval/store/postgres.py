"""The shared backend: a PostgreSQL server for many app processes and CLI imports at once.

psycopg 3 with a connection pool (autocommit connections; a transaction only where one is opened).
The SQL is the same as DuckDB's (`?` placeholders are translated). Writers are serialised across
every process by one transaction-scoped advisory lock: inside it, the next id, the duplicate check
and the owner unit of each project are read and written without a race, and a process killed
mid-write leaves nothing (the transaction rolls back). Migrations run under a session advisory lock,
so two instances starting on a new database create the schema once. Readers never wait for writers.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from selfeval.access import LOCAL
from selfeval.store.backup import Backups
from selfeval.store.errors import NEEDS_OWNER, StoreError, said_when_disk_full
from selfeval.store.grants import excess_on_audit, grant_app
from selfeval.store.queries import Queries
from selfeval.store.review import Review
from selfeval.store.schema import COLUMNS, migrate
from selfeval.store.sqlutil import ARROW_SQL_TYPES
from selfeval.store.writes import Writes

if TYPE_CHECKING:  # pandas only when a query returns a frame, never for an import's writes
    import pandas as pd

WRITE_LOCK = 0x5E1FE7A1  # pg_advisory_xact_lock key: one writer at a time, in every process
MIGRATE_LOCK = 0x5E1FE7A2  # pg_advisory_lock key: one migrating process at a time

# PostgreSQL type OIDs -> Arrow types, so frames have the same dtypes as DuckDB's
_OID_TYPES = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int32(),
    23: pa.int32(),
    700: pa.float64(),
    701: pa.float64(),
    1700: pa.float64(),
    25: pa.string(),
    1042: pa.string(),
    1043: pa.string(),
    19: pa.string(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}


def _pg(sql: str, params: Sequence[Any]) -> tuple[str, list[Any] | None]:
    """`?` placeholders as psycopg's `%s` (and a literal % doubled); no parameters: as written."""
    if not params:
        return sql, None
    return sql.replace("%", "%%").replace("?", "%s"), list(params)


def _arrow(description: Any, rows: list[tuple]) -> pa.Table:
    names = [d.name for d in description]
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    arrays = []
    for d, values in zip(description, columns, strict=True):
        kind = _OID_TYPES.get(d.type_code)
        values = list(values)
        if kind is not None and pa.types.is_floating(kind):
            values = [None if v is None else float(v) for v in values]  # numeric arrives as Decimal
        arrays.append(pa.array(values, type=kind))
    return pa.Table.from_arrays(arrays, names=names)


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"://([^:@/]+):[^@/]*@", r"://\1:***@", url)


class PgDb:
    """A psycopg connection as a `Db`."""

    dialect = "postgres"

    def __init__(self, conn: Any):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cur = self.conn.execute(*_pg(sql, params))
        return cur.fetchall() if cur.description is not None else []

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with said_when_disk_full(), self.conn.transaction():
            yield

    @contextlib.contextmanager
    def stage(self, name: str, table: pa.Table) -> Iterator[None]:
        """A temporary table filled by COPY (dropped on exit, so a name can be staged again)."""
        cols = ", ".join(f"{f.name} {ARROW_SQL_TYPES.get(f.type, 'VARCHAR')}" for f in table.schema)
        self.conn.execute(f"CREATE TEMP TABLE {name} ({cols})")
        try:
            self.copy_in(name, table.column_names, zip(*(c.to_pylist() for c in table.columns), strict=True))
            yield
        finally:
            self.conn.execute(f"DROP TABLE IF EXISTS {name}")

    def copy_in(self, table: str, columns: Sequence[str], rows: Any) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)


class PgStore(Review, Writes, Queries, Backups):
    """The store on a PostgreSQL server (`postgresql://user@host:port/db`), acting as `who`."""

    backend = "postgres"

    def __init__(self, url: str, *, who: Any = None, max_size: int = 8, owner: str | None = None):
        """`url` is the app's login; `owner` (optional) the login that owns the schema: when given,
        migrations and restores run on it and the app's role is granted what the app may do
        (selfeval/store/grants.py). Without it, `url` must own the schema to create or upgrade it."""
        from psycopg_pool import ConnectionPool  # only when a PostgreSQL store is opened

        self.who = who or LOCAL
        self.url = url
        self.owner = owner
        self.path = redact(url)
        self._owner = True
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            kwargs={"autocommit": True},
            check=ConnectionPool.check_connection,
            open=False,
            name="selfeval",
        )
        try:
            self._pool.open(wait=True, timeout=15)
            with self._pool.connection() as conn:
                self.app_role = conn.execute("SELECT current_user").fetchone()[0]
            with self._schema_connection() as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK])
                try:
                    db = PgDb(conn)
                    self.version = migrate(db)
                    if owner:
                        with conn.transaction():
                            self._grant(db)
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK])
        except StoreError:
            self._pool.close()
            raise
        except Exception as exc:
            self._pool.close()
            if getattr(exc, "sqlstate", None) == "42501":  # insufficient_privilege
                raise StoreError(NEEDS_OWNER.format(path=self.path, error=str(exc).splitlines()[0])) from exc
            raise StoreError(f"无法连接或初始化 PostgreSQL 数据库 {self.path}：{exc}") from exc

    @contextlib.contextmanager
    def _schema_connection(self) -> Iterator[Any]:
        """A connection that may change the schema: the owner's when one is given, else the app's."""
        if not self.owner:
            with self._pool.connection() as conn:
                yield conn
            return
        import psycopg

        with psycopg.connect(self.owner, autocommit=True) as conn:
            yield conn

    def _grant(self, db: PgDb) -> None:
        """The app's role gets what the app may do (nothing more), when it is not the owner itself."""
        owner_role = db.execute("SELECT current_user")[0][0]
        if owner_role != self.app_role:
            grant_app(db, self.app_role)

    @contextlib.contextmanager
    def _schema_writing(self) -> Iterator[PgDb]:
        """One transaction as the schema's owner under the writers' lock (a restore), the app's
        role granted again before it commits (the tables are new)."""
        with said_when_disk_full(), self._schema_connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            db = PgDb(conn)
            yield db
            if self.owner:
                self._grant(db)

    def audit_privileges(self) -> list[str]:
        """What this store's login may do to audit_events beyond reading and appending (empty: none)."""
        with self._pool.connection() as conn:
            return excess_on_audit(PgDb(conn))

    # -- plumbing ------------------------------------------------------------------------------------
    def limit_memory(self, limit: str) -> None:
        """Nothing to do: the server's memory is its own configuration (the client holds one row set
        at a time)."""

    def limit_threads(self, threads: int) -> None:
        """Nothing to do: the server schedules its own work."""

    def scoped(self, who: Any) -> PgStore:
        """This store acting as `who`: same pool, every read and write filtered by their units."""
        other = copy.copy(self)
        other.who = who
        other._owner = False
        return other

    def __enter__(self) -> PgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._owner:
            self._pool.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self._pool.connection() as conn:
            return PgDb(conn).execute(sql, params)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        with self._pool.connection() as conn:
            cur = conn.execute(*_pg(sql, params))
            return _arrow(cur.description, cur.fetchall()).to_pandas()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[PgDb]:
        """One transaction holding the writers' advisory lock (released at commit or rollback)."""
        with said_when_disk_full(), self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            yield PgDb(conn)

    def _insert_rows(self, db: PgDb, table: str, rows: list[dict[str, Any]] | dict[str, list]) -> None:
        """One COPY of many rows, never a statement per row; `rows` as dicts or as columns."""
        cols = [c for c, _ in COLUMNS[table]]
        if isinstance(rows, dict):
            if not next(iter(rows.values()), None):
                return
            db.copy_in(table, cols, zip(*(rows[c] for c in cols), strict=True))
        elif rows:
            db.copy_in(table, cols, (tuple(r.get(c) for c in cols) for r in rows))

    # -- backups (see backup.py) ----------------------------------------------------------------------
    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[PgDb]:
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield PgDb(conn)

    def _dump_table(self, db: PgDb, table: str, path: Path) -> None:
        """A table to Parquet in batches (a server-side cursor: memory bounded by the batch)."""
        writer = None
        with db.conn.cursor(name=f"dump_{table}") as cur:
            cur.itersize = 20000
            cur.execute(f"SELECT * FROM {table}")
            try:
                while True:
                    rows = cur.fetchmany(20000)
                    batch = _arrow(cur.description, rows)
                    if writer is None:
                        writer = pq.ParquetWriter(str(path), batch.schema)
                    if rows:
                        writer.write_table(batch.cast(writer.schema))
                    if len(rows) < 20000:
                        break
            finally:
                if writer is not None:
                    writer.close()
