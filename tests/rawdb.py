"""The store's database without the store, for tests that build an older schema by hand and then
let the store migrate it: a Db over a DuckDB file or a PostgreSQL URL (the test session's server)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import psycopg

from selfeval.store.duckdb import DuckDb
from selfeval.store.postgres import PgDb
from selfeval.store.sqlutil import Db


@contextlib.contextmanager
def raw_db(location: Path | str) -> Iterator[Db]:
    """A connection to `location` (store_location's value), closed on exit."""
    if isinstance(location, Path):
        con = duckdb.connect(str(location))
        db: Db = DuckDb(con)
    else:
        con = psycopg.connect(location, autocommit=True)
        db = PgDb(con)
    try:
        yield db
    finally:
        con.close()
