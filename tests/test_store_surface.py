"""The store's public surface is a list (selfeval.store.base.PUBLIC) both backends offer exactly, on one
contract (Backend) that a backend must fulfil whole; the whole-table read tests use is an administrator's
and names only what the schema holds."""

from __future__ import annotations

import pytest

from selfeval.access import Principal
from selfeval.store import AccessDenied, PgStore, Store, StoreError, Upload, open_store
from selfeval.store.base import PUBLIC, Backend
from tests.factories import make_scorecard

LISTED = [name for names in PUBLIC.values() for name in names]


@pytest.mark.parametrize("backend", [Store, PgStore])
def test_both_backends_offer_exactly_the_listed_surface(backend):
    assert len(LISTED) == len(set(LISTED))
    assert {n for n in dir(backend) if not n.startswith("_")} == set(LISTED)
    assert issubclass(backend, Backend)


def test_a_backend_fulfils_the_whole_contract():
    assert Backend.__abstractmethods__ == {
        "_rows",
        "_query",
        "_writing",
        "_snapshot",
        "_insert_rows",
        "_dump_table",
        "scoped",
        "close",
    }
    assert not Store.__abstractmethods__ and not PgStore.__abstractmethods__
    with pytest.raises(TypeError, match="abstract"):
        Backend()  # type: ignore[abstract]


def test_table_rows_is_an_administrators_read_of_what_the_schema_holds(store_location):
    with open_store(store_location) as store:
        card = make_scorecard(2, project_code="440304226011500000009")
        store.save_many([Upload((card,), "a.xlsx", b"a", "xlsx", "upload")])
        assert store.table_rows("submissions", ["project_code", "origin"]) == [
            ("440304226011500000009", "upload")
        ]
        assert [v for (v,) in store.table_rows("schema_version", ["version"])] == list(
            range(1, store.version + 1)
        )
        assert len(store.table_rows("indicators")) == 2 == store.table_counts()["indicators"]
        for table, columns in (
            ("submissions; DROP TABLE forms", None),
            ("nothing", None),
            ("submissions", ["id; DELETE FROM forms"]),
            ("submissions", []),
        ):
            with pytest.raises(StoreError):
                store.table_rows(table, columns)
        assert store.table_counts()["forms"] == 1
        editor = store.scoped(Principal("a@example.cn", "editor", ("深圳市福田区总工会（本级）",)))
        with pytest.raises(AccessDenied):
            editor.table_rows("submissions")
