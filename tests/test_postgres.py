"""What only the PostgreSQL backend has to get right: connection errors in Chinese with the
password left out, placeholders that never touch the data, and many processes starting (and so
migrating) on one new database at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from selfeval.store import LATEST_VERSION, StoreError, connect, open_store
from selfeval.store.postgres import redact
from tests.conftest import ROOT
from tests.factories import make_scorecard
from tests.pgserver import free_port


def test_an_unreachable_server_is_a_chinese_message_without_the_password():
    url = f"postgresql://selfeval:secret@127.0.0.1:{free_port()}/selfeval?connect_timeout=2"
    with pytest.raises(StoreError) as caught:
        connect(url)
    assert "无法连接或初始化 PostgreSQL 数据库" in str(caught.value)
    assert "secret" not in str(caught.value)
    assert redact(url).startswith("postgresql://selfeval:***@127.0.0.1")


def test_question_marks_and_percent_signs_are_data(pg_url):
    card = make_scorecard(2, project_code="4403042260115000000%?", unit="单位?%s")
    with open_store(pg_url) as s:
        (sid,) = s.save([card], source_name="名?%s.xlsx", data=b"%s?", kind="xlsx", origin="upload").stored
        assert s.load_scorecard(sid) == card
        assert s.project_scores(None, "单位?%s")["source_name"].tolist() == ["名?%s.xlsx"]
        assert s.project_history("4403042260115000000%?", 2023)["submission_id"].tolist() == [sid]


STARTER = textwrap.dedent(
    """
    import sys
    from selfeval.store import open_store
    open_store(sys.argv[1]).close()
    print("ok")
    """
)


def test_many_processes_starting_on_a_new_database_migrate_it_once(pg_url):
    procs = [
        subprocess.Popen([sys.executable, "-c", STARTER, pg_url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    assert [p.communicate(timeout=120)[0].strip() for p in procs] == ["ok"] * 4
    with open_store(pg_url) as s:
        versions = [v for (v,) in s.table_rows("schema_version", ["version"])]
        assert versions == list(range(1, LATEST_VERSION + 1))
        assert s.backend == "postgres" and s.is_empty()
