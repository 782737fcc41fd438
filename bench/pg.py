"""A throwaway PostgreSQL server for the benchmark, and a bulk copy of a DuckDB store into it.

The server is started the way the test suite starts one: `initdb` into a temporary directory (as
the `postgres` user when we are root: PostgreSQL refuses to run as root), `pg_ctl start` on a free
loopback port with its socket in that directory, trust authentication; stopped and removed after.
Server settings are PostgreSQL's defaults (fsync on, 128 MB shared buffers): what a default
installation does, not a tuned one.

The copy (`copy_store`): the PostgreSQL backend creates its schema by opening the database; then
each table's columns are written by DuckDB as CSV and streamed into `COPY … FROM STDIN` — the same
rows, the same ids, in seconds rather than the minutes a re-import would take.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path(os.environ.get("SELFEVAL_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> str | None:
    """None when a server can be started here, else why not."""
    if not (PG_BIN / "initdb").is_file():
        return f"no PostgreSQL binaries in {PG_BIN}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    try:
        from selfeval.store import open_store  # noqa: F401
    except ImportError:
        return "selfeval.store cannot be imported"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A running server; yields the URL of its `postgres` database."""
    tmp = Path(tempfile.mkdtemp(prefix="selfeval-bench-pg-"))
    data = tmp / "data"
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_postgres(cmd), check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(tmp / "server.log"),
                "-w",
                "-o",
                f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1",
                "start",
            ]
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """A new empty database on the server of `url`; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def copy_store(duckdb_path: str, url: str) -> dict:
    """Every table of the DuckDB store at `duckdb_path` into the (new, empty) database at `url`, then
    总览's kept aggregates recomputed there from the rows."""
    import duckdb
    import psycopg

    from selfeval.sample import open_seeded_store
    from selfeval.store import COLUMNS, TABLES

    t0 = time.perf_counter()
    open_seeded_store(url, seed=False).close()  # the backend's own schema and migrations
    rows: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="selfeval-bench-copy-") as tmp:
        duck = duckdb.connect(duckdb_path, read_only=True)
        try:
            with psycopg.connect(url) as pg:
                for table in TABLES:
                    cols = ", ".join(c for c, _ in COLUMNS[table])
                    csv = Path(tmp) / f"{table}.csv"
                    duck.execute(f"COPY (SELECT {cols} FROM {table}) TO '{csv}' (FORMAT csv, HEADER false)")
                    with (
                        pg.cursor() as cur,
                        cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as cp,
                        csv.open("rb") as f,
                    ):
                        while block := f.read(1 << 20):
                            cp.write(block)
                    csv.unlink()
                    rows[table] = pg.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                pg.commit()
            store = open_seeded_store(url, seed=False)  # the rows came past the writers: aggregates
            try:
                store.rebuild_aggregates()
            finally:
                store.close()
            with psycopg.connect(url, autocommit=True) as pg:
                pg.execute("VACUUM ANALYZE")
        finally:
            duck.close()
    return {"rows": rows, "copy_s": time.perf_counter() - t0}
