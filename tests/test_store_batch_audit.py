"""A save's audit events are made from the batch it inserts, not read back from the tables: they must
say exactly what the stored rows say (id, origin, project code, year, unit), in id order, for every
kind of batch - new projects, a duplicate inside the batch, a new version of a stored project, a
version replaced within the same batch, a move to another unit, a form without a project code. On
DuckDB and PostgreSQL."""

from __future__ import annotations

from selfeval.store import Upload, open_store
from tests.factories import make_scorecard

A, B = "甲单位", "乙单位"


def upload(name: str, origin: str = "import", **card) -> Upload:
    return Upload((make_scorecard(3, **card),), name, name.encode(), "xlsx", origin)


def _events(store, first: int) -> list[tuple]:
    rows = store.table_rows("audit_events", ["id", "submission_id", "action", "project_code", "year", "unit"])
    return sorted(
        (sid, action, code, year, unit) for eid, sid, action, code, year, unit in rows if eid >= first
    )


def _stored(store, first_id: int) -> list[tuple]:
    kinds = {"editor": "edit", "import": "import"}
    subs = store.table_rows("submissions", ["id", "origin", "project_code", "year"])
    unit = dict(store.table_rows("forms", ["submission_id", "unit"]))
    return sorted(
        (sid, kinds.get(origin, "upload"), code, year, unit.get(sid) or "")
        for sid, origin, code, year in subs
        if sid >= first_id
    )


def test_a_batch_records_what_its_rows_say(store_location):
    with open_store(store_location, seed=None) as store:
        store.save_many([upload("old.xlsx", project_code="440304226011500000001", unit=A)])
        (events_before,) = store._rows("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_events")[0]
        (first_id,) = store._rows("SELECT COALESCE(MAX(id), 0) + 1 FROM submissions")[0]
        results = store.save_many(
            [
                upload("n1.xlsx", project_code="440304226011500000002", unit=A),
                upload("n1.xlsx", project_code="440304226011500000002", unit=A),  # the same file again
                upload("v2.xlsx", "upload", project_code="440304226011500000001", unit=A, executed=1.0),
                upload("v3.xlsx", "editor", project_code="440304226011500000001", unit=A, executed=2.0),
                upload("nocode.xlsx", project_code="", unit=B, year="2024"),
            ]
        )
        assert [len(r.stored) for r in results] == [1, 0, 1, 1, 1], results
        assert len(results[1].duplicates) == 1
        moved = store.save_many(  # another call of the same import: a move to another unit
            [
                upload("moved.xlsx", project_code="440304226011500000002", unit=B, executed=3.0),
                upload("n3.xlsx", project_code="440304226011500000003", unit=B),
            ],
            allow_transfer=True,
        )
        assert moved[0].transfers and [len(r.stored) for r in moved] == [1, 1]
        recorded = [e for e in _events(store, events_before) if e[1] != "transfer"]
        assert recorded == _stored(store, first_id)
        assert [e[4] for e in recorded] == [A, A, A, B, B, B]
