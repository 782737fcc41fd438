"""Units isolated in the library: every read and write of the store acts as a principal, and an
editor of unit A can neither take over, read, restore nor download unit B's projects — whatever the
page does. The attacks of issue 11, one by one, at the store."""

from __future__ import annotations

import pytest

from selfeval.access import ALL_UNITS, NOBODY, Principal
from selfeval.store import AccessDenied, NotFound, StoreError, Upload, open_store
from tests.factories import make_scorecard

A, B = "甲单位", "乙单位"
CODE_A, CODE_B = "440304226011500000001", "440304226011500000002"
EDITOR_A = Principal("a@example.cn", "editor", (A,), True)
EDITOR_B = Principal("b@example.cn", "editor", (B,), True)
VIEWER_A = Principal("va@example.cn", "viewer", (A,), True)
ADMIN = Principal("admin@example.cn", "admin", ALL_UNITS, True)


def form(code: str, unit: str, executed: float = 50000.0, **kw):
    return make_scorecard(3, project_code=code, unit=unit, executed=executed, **kw)


def save(store, card, name="x.xlsx", **kw):
    return store.save(
        [card], source_name=name, data=None, kind="xlsx", origin="upload", submitted_by=store.who.name, **kw
    )


@pytest.fixture
def two_units(store_location):
    """B's project in two versions, A's project in one — stored by their own editors (on DuckDB
    and on PostgreSQL)."""
    root = open_store(store_location)
    a, b = root.scoped(EDITOR_A), root.scoped(EDITOR_B)
    (b1,) = save(b, form(CODE_B, B, 40000), "b1.xlsx").stored
    (b2,) = save(b, form(CODE_B, B, 45000), "b2.xlsx").stored
    (a1,) = save(a, form(CODE_A, A), "a1.xlsx").stored
    yield root, a, b, {"b1": b1, "b2": b2, "a1": a1}
    root.close()


def test_an_editor_cannot_take_over_another_units_project(two_units):
    root, a, b, ids = two_units
    before = root.project_history(CODE_B, 2023)
    # the same code and year, A's unit name: refused, naming the owner
    with pytest.raises(AccessDenied, match=f"属于“{B}”") as caught:
        save(a, form(CODE_B, A, 1.0))
    assert CODE_B in str(caught.value)
    # a decoy naming B as the unit: refused too (not A's unit)
    with pytest.raises(AccessDenied, match=f"“{B}”不在您负责的单位"):
        save(a, form(CODE_B, B, 2.0))
    # in a batch: that file stores nothing, says why; the others are stored
    results = a.save_many(
        [
            Upload((form(CODE_B, A, 3.0),), "attack.xlsx", b"attack", "xlsx", "upload"),
            Upload((form(CODE_A, A, 60000),), "mine.xlsx", b"mine", "xlsx", "upload"),
        ]
    )
    assert results[0].stored == () and B in results[0].refused[0]
    assert results[1].stored and results[1].new_versions
    after = root.project_history(CODE_B, 2023)
    assert after["submission_id"].tolist() == before["submission_id"].tolist() == [ids["b1"], ids["b2"]]
    assert b.project_scores()["project_code"].tolist() == [CODE_B]  # B still sees its project, as it was
    assert b.load_form(ids["b2"]).funds.total.executed == 45000


def test_an_editor_cannot_read_restore_or_download_another_units_forms(two_units):
    _, a, _, ids = two_units
    for sid in (ids["b1"], ids["b2"]):
        with pytest.raises(NotFound):
            a.load_form(sid)
        with pytest.raises(KeyError):  # NotFound is a KeyError too
            a.load_scorecard(sid)
        assert a.form_indicators(sid).empty and a.form_issues(sid).empty
        with pytest.raises(NotFound):
            a.restore_version(sid, submitted_by="a")
    assert a.project_history(CODE_B, 2023).empty
    # "download all current forms of unit B" (the editor page's bundle) and every page query
    assert a.current_scorecards(2023, B) == []
    assert [c.form.header.unit for c in a.current_scorecards()] == [A]
    assert a.project_scores(None, B).empty and a.portfolio_summary(None, B).empty
    assert a.project_scores()["unit"].tolist() == [A]
    assert a.units() == [A] and a.current_submission_ids() == [ids["a1"]]
    assert set(a.points_lost()["forms"]) == {1}
    # whole-store operations are the administrator's
    for call in (a.table_counts, lambda: a.export_database("/tmp/never")):
        with pytest.raises(AccessDenied):
            call()


def test_an_editor_restores_versions_of_its_own_projects(two_units):
    root, _, b, ids = two_units
    restored = b.restore_version(ids["b1"], submitted_by="b")
    assert b.current_submission_ids() == [restored]
    assert root.project_history(CODE_B, 2023)["origin"].tolist()[-1] == "editor"


def test_a_viewer_reads_its_units_and_writes_nothing(two_units):
    root, _, _, ids = two_units
    viewer = root.scoped(VIEWER_A)
    assert viewer.units() == [A]
    with pytest.raises(AccessDenied, match="查看者"):
        save(viewer, form(CODE_A, A, 1.0))
    with pytest.raises(AccessDenied):
        viewer.restore_version(ids["a1"])
    with pytest.raises(NotFound):
        viewer.load_form(ids["b2"])


def test_nobody_sees_nothing_and_writes_nothing(two_units):
    root, _, _, ids = two_units
    nobody = root.scoped(NOBODY)
    assert not nobody.is_empty() and nobody.years() == [] and nobody.units() == []
    assert nobody.project_scores().empty and nobody.current_scorecards() == []
    for sid in ids.values():
        with pytest.raises(NotFound):
            nobody.load_scorecard(sid)
    with pytest.raises(AccessDenied):
        save(nobody, form(CODE_A, A, 1.0))


def test_an_administrator_transfers_a_project_and_it_is_recorded(two_units):
    root, a, b, ids = two_units
    admin = root.scoped(ADMIN)
    # naming another unit is not enough: the administrator must ask for the move
    with pytest.raises(AccessDenied, match=f"属于“{B}”，表中的实施单位是“{A}”"):
        save(admin, form(CODE_B, A, 47000), "transfer.xlsx")
    assert root.table_rows("transfers") == []
    result = save(admin, form(CODE_B, A, 47000), "transfer.xlsx", allow_transfer=True)
    (moved,) = result.stored
    assert result.new_versions == (moved,) and f"由“{B}”转到“{A}”" in result.transfers[0]
    assert root.table_rows("transfers", ["project_code", "from_unit", "to_unit", "transferred_by"]) == [
        (CODE_B, B, A, "admin@example.cn")
    ]
    # the project belongs to the unit of its current version: now A's, history and all
    assert a.project_history(CODE_B, 2023)["submission_id"].tolist() == [ids["b1"], ids["b2"], moved]
    assert b.project_history(CODE_B, 2023).empty
    with pytest.raises(NotFound):
        b.load_form(ids["b1"])
    # and B can no longer add versions to it
    with pytest.raises(AccessDenied, match=f"属于“{A}”"):
        save(b, form(CODE_B, B, 1.0))


def test_the_cli_acts_as_the_local_administrator(store_location):
    with open_store(store_location) as s:
        assert s.who.role == "admin" and s.who.all_units
        save(s, form(CODE_B, B))
        with pytest.raises(AccessDenied, match="--allow-transfer"):
            save(s, form(CODE_B, A, 1.0))
        assert save(s, form(CODE_B, A, 1.0), allow_transfer=True).transfers  # allowed when asked, and said
        assert isinstance(s.table_counts(), dict)


def test_store_errors_are_chinese(two_units):
    _, a, _, ids = two_units
    with pytest.raises(StoreError) as caught:
        a.load_form(ids["b1"])
    assert str(caught.value) == f"没有编号为 {ids['b1']} 的自评表，或您无权查看它。"


def test_two_units_claiming_one_new_project_at_once_one_wins(store_location):
    """Ownership is decided inside the writers' lock: of two editors of different units sending the
    same new project at the same moment, exactly one stores it and the other is told who owns it."""
    import threading

    root = open_store(store_location)
    try:
        editors = {A: root.scoped(EDITOR_A), B: root.scoped(EDITOR_B)}
        for round_no in range(5):
            code = f"4403042260115999{round_no:05d}"
            barrier = threading.Barrier(2)
            outcomes: dict[str, object] = {}

            def claim(unit: str, code=code, barrier=barrier, outcomes=outcomes) -> None:
                barrier.wait()
                try:
                    outcomes[unit] = save(editors[unit], form(code, unit))
                except AccessDenied as exc:
                    outcomes[unit] = exc

            threads = [threading.Thread(target=claim, args=(u,)) for u in (A, B)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            refused = [u for u, o in outcomes.items() if isinstance(o, AccessDenied)]
            assert len(refused) == 1, outcomes
            winner = B if refused == [A] else A
            assert f"属于“{winner}”" in str(outcomes[refused[0]])
            assert [c for (c,) in root.table_rows("submissions", ["project_code"])].count(code) == 1
            scores = root.project_scores()
            assert scores[scores["project_code"] == code]["unit"].tolist() == [winner]
    finally:
        root.close()


def test_transfer_project_is_the_administrators_and_recorded(two_units):
    root, a, b, ids = two_units
    with pytest.raises(AccessDenied):
        b.transfer_project(CODE_B, 2023, A)
    admin = root.scoped(ADMIN)
    with pytest.raises(NotFound):
        admin.transfer_project("9" * 21, 2023, A)
    with pytest.raises(StoreError, match="已属于"):
        admin.transfer_project(CODE_B, 2023, B)
    new_id = admin.transfer_project(CODE_B, 2023, A)
    assert root.load_form(new_id).header.unit == A
    assert root.load_form(new_id).funds == root.load_form(ids["b2"]).funds  # the same form, moved
    assert a.current_scorecards(2023, A)[-1].form.header.project_code in {CODE_A, CODE_B}
    assert b.project_scores().empty
    assert root.table_rows("transfers", ["from_unit", "to_unit", "transferred_by"]) == [(B, A, ADMIN.name)]
    actions = [a for a, sid in root.table_rows("audit_events", ["action", "submission_id"]) if sid == new_id]
    assert "transfer" in actions


def test_a_unit_that_differs_only_in_width_is_refused_naming_the_likely_line(store_location):
    """A role file that says 福田区总工会(本级) for forms printing 福田区总工会（本级）: two units to the
    store (deny by default), and the refusal says which of the editor's units it nearly is."""
    printed, in_roles = "福田区总工会（本级）", "福田区总工会(本级)"
    with open_store(store_location) as root:
        editor = root.scoped(Principal("e@example.cn", "editor", (in_roles,), True))
        with pytest.raises(AccessDenied) as caught:
            save(editor, form(CODE_A, printed))
        text = str(caught.value)
        assert f"“{printed}”不在您负责的单位" in text
        assert f"与您负责的“{in_roles}”只在全角/半角" in text
        assert root.project_history(CODE_A, 2023).empty
        # an unrelated unit gets no such hint
        with pytest.raises(AccessDenied) as other:
            save(editor, form(CODE_A, B))
        assert "全角/半角" not in str(other.value)
