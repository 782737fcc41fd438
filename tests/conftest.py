"""Shared fixtures: the repository on sys.path, the seed file, and a real PostgreSQL server for the
whole session (started in a temporary directory unless SELFEVAL_TEST_PG names one) with a fresh
database per test; `any_store` runs a store test on DuckDB and on PostgreSQL."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed" / "futian-2023.txt"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BACKENDS = ("duckdb", "postgres")

# CI (CI=true) replays the same generated examples every run, so a red build always reproduces; a
# developer's runs keep exploring new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def pg_server():
    """The URL of a running PostgreSQL server (the `postgres` database as user `postgres`)."""
    url = os.environ.get("SELFEVAL_TEST_PG")
    if url:
        yield url
        return
    from tests.pgserver import Server

    server = Server().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the session's server, dropped after the test."""
    from tests.pgserver import create_database, drop_database

    url = create_database(pg_server)
    yield url
    drop_database(pg_server, url)


@pytest.fixture
def pg_roles(pg_server):
    """(owner URL, app URL) of a fresh database owned by the owner login, dropped after the test:
    the deployment of docs/deploy.md, where the app's login owns nothing."""
    from tests.pgserver import create_owned_database, drop_database

    owner, app = create_owned_database(pg_server)
    yield owner, app
    drop_database(pg_server, owner)


@pytest.fixture(params=BACKENDS)
def store_location(request, tmp_path):
    """Where a new store goes: a DuckDB file, or a fresh PostgreSQL database."""
    if request.param == "duckdb":
        return tmp_path / "t.duckdb"
    return request.getfixturevalue("pg_url")
