"""The review loop in the store, per role: states, refusals with their reasons, unit isolation, the
append-only audit trail, the organisation figures (latest or approved), and backups keeping it all."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from selfeval.access import ALL_UNITS, LOCAL, Principal
from selfeval.model import Issue
from selfeval.store import NotFound, Store, StoreError, open_store
from selfeval.store.review import ReviewRefused
from tests.factories import make_scorecard

A, B = "甲单位", "乙单位"
EDITOR_A = Principal("zhang@a.cn", "editor", (A,), True)
REVIEWER_A = Principal("wang@a.cn", "reviewer", (A,), True)
VIEWER_A = Principal("li@a.cn", "viewer", (A,), True)
EDITOR_B = Principal("zhao@b.cn", "editor", (B,), True)
REVIEWER_B = Principal("qian@b.cn", "reviewer", (B,), True)
ERROR = Issue("WEIGHT_TOTAL", "error", "Sheet1!C20", "全部分值合计 98，应为 100。")


def code(n: int) -> str:
    return f"4403042260115000{n:05d}"


def card(n: int, *, unit=A, year="2023", executed=98630.0, errors=0, score=18.0):
    return make_scorecard(
        project_code=code(n),
        project_name=f"项目{n}",
        unit=unit,
        year=year,
        executed=executed,
        scores=[score] * 5,
        issues=[ERROR] * errors,
    )


def save(store: Store, who: Principal, sc, name: str, origin="upload") -> int:
    result = store.scoped(who).save([sc], source_name=name, data=None, kind="xlsx", origin=origin)
    assert result.stored, result
    return result.stored[0]


@pytest.fixture()
def store(store_location):
    """A new store on each backend: a DuckDB file and a fresh PostgreSQL database."""
    s = open_store(store_location)
    yield s
    s.close()


def trail(store: Store, n: int, who=LOCAL) -> list[tuple[str, str, str]]:
    df = store.scoped(who).audit_trail(code(n), "2023")
    return list(zip(df["action"], df["actor"], df["state"].fillna(""), strict=True))


def test_the_whole_loop_upload_submit_return_fix_submit_approve(store):
    sid = save(store, EDITOR_A, card(1, errors=2), "a.xlsx")
    editor, reviewer = store.scoped(EDITOR_A), store.scoped(REVIEWER_A)
    assert editor.review_state(sid)["state"] == "draft"

    with pytest.raises(ReviewRefused) as refused:
        editor.submit(sid)
    assert refused.value.code == "EXPLANATION_REQUIRED" and "2 处错误" in str(refused.value)
    assert editor.submit(sid, "分值按区财政局通知调整") == "submitted"
    queue = reviewer.review_queue()
    assert queue["submission_id"].tolist() == [sid]
    assert queue["explanation"].tolist() == ["分值按区财政局通知调整"]  # the reviewer sees why

    with pytest.raises(ReviewRefused) as refused:
        reviewer.return_(sid, "  ")
    assert refused.value.code == "COMMENT_REQUIRED"
    assert reviewer.return_(sid, "偏差原因不完整，请补充") == "returned"
    assert reviewer.review_queue().empty
    back = editor.last_return(code(1), "2023")
    assert back["comment"] == "偏差原因不完整，请补充" and back["actor"] == "wang@a.cn"

    fixed = save(store, EDITOR_A, card(1, score=17.5), "a-fixed.xlsx", origin="editor")
    assert editor.review_state(fixed)["state"] == "draft"
    assert editor.review_state(sid)["state"] == "returned"  # the old version keeps its story
    assert editor.submit(fixed) == "submitted"
    assert reviewer.approve(fixed) == "approved"

    assert trail(store, 1) == [
        ("upload", "zhang@a.cn", "draft"),
        ("submit", "zhang@a.cn", "submitted"),
        ("return", "wang@a.cn", "returned"),
        ("edit", "zhang@a.cn", "draft"),
        ("submit", "zhang@a.cn", "submitted"),
        ("approve", "wang@a.cn", "approved"),
    ]
    df = store.audit_trail(code(1), "2023")
    assert df["version"].tolist() == [1, 1, 1, 2, 2, 2]
    assert df["comment"].tolist()[1:3] == ["分值按区财政局通知调整", "偏差原因不完整，请补充"]
    assert df["role"].tolist() == ["editor", "editor", "reviewer", "editor", "editor", "reviewer"]
    assert df["happened_at"].is_monotonic_increasing


def test_approved_is_locked_a_change_is_a_new_draft_and_approved_figures_stay(store):
    first = save(store, EDITOR_A, card(1, executed=90000.0), "a.xlsx")
    store.scoped(EDITOR_A).submit(first)
    store.scoped(REVIEWER_A).approve(first)
    with pytest.raises(ReviewRefused) as refused:
        store.scoped(REVIEWER_A).return_(first, "再看看")
    assert refused.value.code == "STATE"

    second = save(store, EDITOR_A, card(1, executed=50000.0), "a2.xlsx")
    assert store.review_state(second)["state"] == "draft"
    assert store.review_state(first) | {"current": None} == store.review_state(first) | {"current": None}
    assert store.review_state(first)["state"] == "approved" and not store.review_state(first)["current"]
    # approving the old version again, or submitting it, is refused: it is no longer current
    with pytest.raises(ReviewRefused) as refused:
        store.scoped(EDITOR_A).submit(first, "x")
    assert refused.value.code == "STATE"

    approved = store.approved_scorecards("2023")
    assert [c.rate for c in approved] == [90.0]  # the approved version's figures, not the draft's
    latest = store.organisation("2023", "latest").set_index("unit")
    final = store.organisation("2023", "approved").set_index("unit")
    assert latest.loc[A, "rate"] == 50.0 and final.loc[A, "rate"] == 90.0
    assert latest.loc[A, ["projects", "draft", "approved"]].tolist() == [1, 1, 0]


def test_steps_on_an_older_version_are_refused(store):
    first = save(store, EDITOR_A, card(1), "a.xlsx")
    store.scoped(EDITOR_A).submit(first)
    save(store, EDITOR_A, card(1, score=17.0), "a2.xlsx")  # a new version withdraws the submission
    assert store.scoped(REVIEWER_A).review_queue().empty
    with pytest.raises(ReviewRefused) as refused:
        store.scoped(REVIEWER_A).approve(first)
    assert refused.value.code == "NOT_CURRENT"


@pytest.mark.parametrize(
    ("who", "step", "code_"),
    [
        (VIEWER_A, "submit", "ROLE"),
        (VIEWER_A, "approve", "ROLE"),
        (VIEWER_A, "return", "ROLE"),
        (REVIEWER_A, "submit", "ROLE"),
        (EDITOR_A, "approve", "ROLE"),
        (EDITOR_A, "return", "ROLE"),
    ],
)
def test_roles_are_enforced_in_the_store(store, who, step, code_):
    sid = save(store, EDITOR_A, card(1), "a.xlsx")
    if step != "submit":
        store.scoped(EDITOR_A).submit(sid)
    before = store.audit_trail(code(1), "2023")
    with pytest.raises(ReviewRefused) as refused:
        {
            "submit": lambda s: s.submit(sid, "x"),
            "approve": lambda s: s.approve(sid),
            "return": lambda s: s.return_(sid, "x"),
        }[step](store.scoped(who))
    assert refused.value.code == code_ and isinstance(refused.value, StoreError)
    after = store.audit_trail(code(1), "2023")
    assert len(after) == len(before)  # a refusal writes nothing
    assert store.review_state(sid)["state"] == ("draft" if step == "submit" else "submitted")


@pytest.mark.parametrize("who", [EDITOR_B, REVIEWER_B])
def test_another_units_project_is_not_found(store, who):
    """Someone of unit B cannot submit, approve, return or read the trail of A's project: to them it
    does not exist (absent and hidden look the same)."""
    sid = save(store, EDITOR_A, card(1), "a.xlsx")
    store.scoped(EDITOR_A).submit(sid)
    b = store.scoped(who)
    for step in (lambda: b.submit(sid, "x"), lambda: b.approve(sid), lambda: b.return_(sid, "x")):
        with pytest.raises(NotFound):
            step()
    with pytest.raises(NotFound):
        b.review_state(sid)
    assert b.review_queue().empty and b.audit_trail(code(1), "2023").empty
    assert b.last_return(code(1), "2023") is None
    assert b.state_counts().empty and b.project_states().empty
    assert store.review_state(sid)["state"] == "submitted"


def test_queue_and_counts_follow_units(store):
    for n, unit in ((1, A), (2, A), (3, B)):
        save(store, EDITOR_A if unit == A else EDITOR_B, card(n, unit=unit), f"{n}.xlsx")
    ids = dict(
        zip(store.project_states()["project_code"], store.project_states()["submission_id"], strict=True)
    )
    store.scoped(EDITOR_A).submit(ids[code(1)])
    store.scoped(EDITOR_A).submit(ids[code(2)])
    store.scoped(EDITOR_B).submit(ids[code(3)])
    store.scoped(REVIEWER_A).return_(ids[code(2)], "请补充")
    assert store.scoped(REVIEWER_A).review_queue()["project_code"].tolist() == [code(1)]
    assert store.scoped(REVIEWER_B).review_queue()["project_code"].tolist() == [code(3)]
    assert store.review_queue(unit=B)["project_code"].tolist() == [code(3)]  # admin filters by unit
    counts = store.state_counts("2023").set_index("unit")
    assert counts.loc[A, ["projects", "draft", "submitted", "approved", "returned"]].tolist() == [
        2,
        0,
        1,
        0,
        1,
    ]
    assert counts.loc[B, ["projects", "submitted"]].tolist() == [1, 1]
    assert store.scoped(REVIEWER_B).state_counts()["unit"].tolist() == [B]


def test_restore_is_audited_and_starts_a_draft(store):
    first = save(store, EDITOR_A, card(1), "a.xlsx")
    second = save(store, EDITOR_A, card(1, score=17.0), "a2.xlsx")
    store.scoped(EDITOR_A).submit(second)
    restored = store.scoped(EDITOR_A).restore_version(first, submitted_by="zhang@a.cn")
    assert restored not in (first, second)
    assert store.review_state(restored)["state"] == "draft"
    events = store.audit_trail(code(1), "2023")
    assert events["action"].tolist() == ["upload", "upload", "submit", "restore"]
    assert f"{first}" in events["comment"].iloc[-1] and events["version"].iloc[-1] == 3


def test_an_import_of_many_forms_is_audited_per_form(store):
    cards = [card(n) for n in range(1, 6)]
    store.save(cards, source_name="batch", data=None, kind="xlsx", origin="import")
    for n in range(1, 6):
        assert [a for a, _, _ in trail(store, n)] == ["import"]
    assert len(set(store.table_rows("audit_events", ["id"]))) == 5


def test_data_version_changes_with_every_review_step(store):
    sid = save(store, EDITOR_A, card(1), "a.xlsx")
    v0 = store.data_version()
    store.scoped(EDITOR_A).submit(sid)
    v1 = store.data_version()
    store.scoped(REVIEWER_A).approve(sid)
    assert len({v0, v1, store.data_version()}) == 3


def test_deadline_is_set_by_an_administrator_only(store):
    assert store.deadline("2023") is None
    with pytest.raises(StoreError):
        store.scoped(EDITOR_A).set_deadline("2023", date(2024, 3, 31))
    with pytest.raises(StoreError):
        store.scoped(Principal("boss@a.cn", "admin", (A,), True)).set_deadline("2023", date(2024, 3, 31))
    store.set_deadline("2023", date(2024, 3, 31))
    assert store.scoped(VIEWER_A).deadline("2023") == date(2024, 3, 31)
    store.set_deadline("2023", None)
    assert store.deadline("2023") is None


def test_backup_keeps_states_and_the_audit_trail(store, tmp_path):
    sid = save(store, EDITOR_A, card(1), "a.xlsx")
    store.scoped(EDITOR_A).submit(sid)
    store.scoped(REVIEWER_A).return_(sid, "请补充偏差原因")
    store.set_deadline("2023", date(2024, 3, 31))
    store.export_database(tmp_path / "backup")
    events = store.audit_trail(code(1), "2023").drop(columns="happened_at")

    with Store(tmp_path / "restored.duckdb") as other:
        other.import_database(tmp_path / "backup")
        assert other.review_state(sid)["state"] == "returned"
        assert other.review_state(sid)["comment"] == "请补充偏差原因"
        assert other.audit_trail(code(1), "2023").drop(columns="happened_at").equals(events)
        assert other.deadline("2023") == date(2024, 3, 31)
        # and a backup over a store that already has review rows replaces them
        other.import_database(tmp_path / "backup", replace=True)
        assert len(other.audit_trail(code(1), "2023")) == len(events)


def test_with_basis_approved_reads_every_figure_query_on_approved_versions(store):
    first = save(store, EDITOR_A, card(1, executed=90000.0), "a.xlsx")
    save(store, EDITOR_A, card(2, executed=80000.0), "b.xlsx")  # never submitted
    store.scoped(EDITOR_A).submit(first)
    store.scoped(REVIEWER_A).approve(first)
    save(store, EDITOR_A, card(1, executed=50000.0), "a2.xlsx")  # a new draft after approval
    approved = store.scoped(VIEWER_A).with_basis("approved")
    assert approved.project_scores("2023")["rate"].tolist() == [90.0]
    assert approved.portfolio_summary("2023")["forms"].tolist() == [1]
    assert sorted(store.project_scores("2023")["rate"].tolist()) == [50.0, 80.0]
    assert store.with_basis("latest") is store
    approved.close()  # closing the view leaves the store open
    assert not store.is_empty()
    with pytest.raises(ValueError):
        store.with_basis("final")


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET comment = 'x'", "DELETE FROM audit_events"])
def test_postgres_refuses_to_change_the_audit_trail(pg_url, statement):
    """On PostgreSQL a trigger refuses it, to whoever holds a connection (DuckDB has no triggers: the
    code-level test above covers it)."""
    with open_store(pg_url) as store:
        save(store, EDITOR_A, card(1), "a.xlsx")
        with pytest.raises(psycopg.Error, match="只能追加"), psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(statement)
        assert len(store.audit_trail(code(1), "2023")) == 1


def test_a_backup_restored_over_a_store_keeps_the_trail_append_only(store, tmp_path):
    """Restoring rebuilds the tables (and on PostgreSQL the trigger) without tripping over them."""
    sid = save(store, EDITOR_A, card(1), "a.xlsx")
    store.scoped(EDITOR_A).submit(sid)
    store.export_database(tmp_path / "b")
    store.import_database(tmp_path / "b", replace=True)
    store.import_database(tmp_path / "b", replace=True)
    assert [a for a, _, _ in trail(store, 1)] == ["upload", "submit"]


def test_a_transfer_is_a_new_draft_under_the_new_unit_and_is_in_the_trail(store):
    sid = save(store, EDITOR_A, card(1), "a.xlsx")
    store.scoped(EDITOR_A).submit(sid)
    store.scoped(REVIEWER_A).approve(sid)
    moved = store.transfer_project(code(1), "2023", B)
    assert store.review_state(moved)["state"] == "draft"
    assert store.review_state(sid)["state"] == "approved"  # the approved version keeps its state
    assert [a for a, _, _ in trail(store, 1)] == ["upload", "submit", "approve", "edit", "transfer"]
    assert store.audit_trail(code(1), "2023")["comment"].iloc[-1] == f"{A} → {B}"
    assert store.scoped(REVIEWER_A).audit_trail(code(1), "2023").empty  # now B's project
    store.scoped(EDITOR_B).submit(moved)
    assert store.scoped(REVIEWER_B).approve(moved) == "approved"


def test_four_eyes_the_one_who_stored_or_sent_a_version_does_not_approve_it(store):
    """An administrator (or a reviewer who is also an editor) who uploaded or submitted a version
    cannot approve it; another reviewer can. The authors come from the audit trail, not the form."""
    admin = Principal("root@org.cn", "admin", ALL_UNITS, True)
    sid = save(store, admin, card(7), "a.xlsx")
    store.scoped(admin).submit(sid)
    with pytest.raises(ReviewRefused) as refused:
        store.scoped(admin).approve(sid)
    assert refused.value.code == "OWN_VERSION"
    assert store.scoped(REVIEWER_A).authors(sid) == ("root@org.cn",)
    assert store.scoped(REVIEWER_B).authors(sid) == ()  # another unit's reviewer learns nothing
    assert store.scoped(admin).review_state(sid)["state"] == "submitted"  # nothing written

    # the editor stores, the administrator submits: both are authors; the unit's reviewer approves
    sid2 = save(store, EDITOR_A, card(8), "b.xlsx")
    store.scoped(admin).submit(sid2)
    with pytest.raises(ReviewRefused):
        store.scoped(admin).approve(sid2)
    assert set(store.scoped(admin).authors(sid2)) == {"zhang@a.cn", "root@org.cn"}
    assert store.scoped(REVIEWER_A).approve(sid2) == "approved"
    assert trail(store, 8)[-1] == ("approve", "wang@a.cn", "approved")
