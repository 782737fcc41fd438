"""Is the history what it says it is? The audit trail checked two ways, inside one read (or inside
a restore's transaction, before it commits):

* the chain: every event's `prev_hash` is the hash of the event before it and its `hash` is that of
  its own fields (selfeval/store/audit.py) — an edited, dropped or reordered event breaks the first
  link after it, which is named;
* the rules: a chain can be recomputed by whoever holds the data, so the events are also replayed
  through the workflow table (selfeval/workflow.py) — each step by a role that may take it, from a
  state it leads from, on the version that was current, on that version's unit — and every version's
  state in `review_states` must be the state its events lead to (no 已通过 without its 送审 and 通过).

A store's own history before the trail began (versions stored before the review loop existed) has no
events: such versions count as 草稿 until an event moves them. Pure reads; SQL both backends accept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from selfeval.access import ROLES, Principal, can
from selfeval.messages import AUDIT
from selfeval.store.audit import EVENT_COLUMNS, GENESIS, event_hash
from selfeval.workflow import AUDIT_ACTIONS, ON_CURRENT_VERSION, PERMISSION, TRANSITIONS, state_label

CREATING = frozenset({"upload", "import", "edit", "restore"})  # events that store a new version
STORE_EVENTS = frozenset({"restored"})  # events about the whole store, not one project


@dataclass
class TrailReport:
    """What `check_trail` found: the number of events, the chain's head (id, hash), the first broken
    link (None: the chain holds) and every event or state the workflow cannot explain."""

    events: int = 0
    head: tuple[int, str] = (0, GENESIS)
    broken: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.problems

    def first(self) -> str:
        """The first thing wrong, in words (what a refused restore names)."""
        return self.broken or (self.problems[0] if self.problems else "")


def check_chain(rows: Iterable[tuple]) -> tuple[int, tuple[int, str], str | None]:
    """(events, head, first broken link) of events given as (*EVENT_COLUMNS, prev_hash, hash) in id order."""
    prev, count, head = GENESIS, 0, (0, GENESIS)
    for count, row in enumerate(rows, start=1):
        event, stored_prev, stored_hash = row[: len(EVENT_COLUMNS)], row[-2], row[-1]
        if (stored_prev or "") != prev:
            return count, head, AUDIT["LINK"].format(n=count, id=event[0])
        if (stored_hash or "") != event_hash(prev, event):
            return count, head, AUDIT["HASH"].format(n=count, id=event[0])
        prev, head = stored_hash, (int(event[0]), stored_hash)
    return count, head, None


def _events(db: Any) -> list[tuple]:
    return db.execute(f"SELECT {', '.join(EVENT_COLUMNS)}, prev_hash, hash FROM audit_events ORDER BY id")


def check_trail(db: Any) -> TrailReport:
    """The chain and the workflow replayed over the store `db` reads (see the module's docstring)."""
    rows = _events(db)
    _, head, broken = check_chain(rows)  # head: the last event whose link holds
    report = TrailReport(len(rows), head, broken)
    versions, flagged = {}, set()
    for sid, code, year, unit, is_current in db.execute(
        """SELECT s.id, s.project_code, s.year, f.unit, s.is_current FROM submissions s
           LEFT JOIN forms f ON f.submission_id = s.id"""
    ):
        versions[sid] = (code, year, unit or "")
        if is_current:
            flagged.add(sid)
    stored_states = dict(db.execute("SELECT submission_id, state FROM review_states"))
    report.problems = list(_replay(rows, versions, stored_states, flagged))
    return report


def _project(code: str, year: str, sid: int) -> tuple[str, str]:
    return (code, year) if code else (f"#{sid}", year)  # a form without a code is its own project


def _replay(
    rows: list[tuple], versions: dict[int, tuple[str, str, str]], stored: dict[int, str], flagged: set[int]
):
    created = {r[7] for r in rows if r[4] in CREATING and r[7] is not None}
    first = min(created) if created else None
    state: dict[int, str] = {}
    current: dict[tuple[str, str], int] = {}
    for sid in sorted(versions):  # versions from before the trail began are where the trail starts
        if first is None or sid < first:
            code, year, _ = versions[sid]
            current[_project(code, year, sid)] = sid
    seen: set[int] = set()
    for row in rows:
        eid, _, actor, role, action, code, year, sid, unit, after, _ = row[: len(EVENT_COLUMNS)]
        where = AUDIT["AT"].format(id=eid, action=action, sid=sid if sid is not None else "—")
        if action in STORE_EVENTS:
            if role != "admin":
                yield AUDIT["ROLE"].format(where=where, role=role)
            continue
        if action not in AUDIT_ACTIONS or role not in ROLES:
            yield AUDIT["UNKNOWN"].format(where=where)
            continue
        step = AUDIT_ACTIONS[action]
        if not can(Principal(actor, role), PERMISSION[step]):
            yield AUDIT["ROLE"].format(where=where, role=role)
        if sid not in versions:
            yield AUDIT["NO_VERSION"].format(where=where)
            continue
        v_code, v_year, v_unit = versions[sid]
        if (code, str(year)) != (v_code, v_year):
            yield AUDIT["WRONG_PROJECT"].format(where=where)
        key = _project(v_code, v_year, sid)
        if action in CREATING:
            if unit != v_unit:  # a version's unit changed after it was stored: a move without a transfer
                yield AUDIT["UNIT"].format(where=where, unit=unit, owner=v_unit)
            if sid in seen:
                yield AUDIT["CREATED_TWICE"].format(where=where)
            seen.add(sid)
            state[sid] = "draft"
            if sid >= current.get(key, 0):
                current[key] = sid
            continue
        if action == "transfer":
            continue  # recorded beside the new version's own creation event (origin editor)
        before = state.get(sid, "draft")
        expected = TRANSITIONS.get((before, step))  # type: ignore[arg-type]
        if expected is None or after != expected:
            yield AUDIT["STATE"].format(where=where, before=state_label(before), after=state_label(after))
            continue
        if step in ON_CURRENT_VERSION and current.get(key) != sid:
            yield AUDIT["NOT_CURRENT"].format(where=where)
        if unit != v_unit:
            yield AUDIT["UNIT"].format(where=where, unit=unit, owner=v_unit)
        state[sid] = expected
    if first is not None:
        for sid in sorted(versions):
            if sid >= first and sid not in seen:
                yield AUDIT["UNRECORDED"].format(sid=sid)
    # the current flag (what every page reads) is the latest version the trail stored: a flag moved
    # back to an earlier version without a restore (the app's login may set it) is a rewrite
    for sid in sorted(flagged ^ set(current.values())):
        code, year, _ = versions[sid]
        yield AUDIT["CURRENT"].format(
            sid=sid, code=code or "—", year=year, now="是" if sid in flagged else "否"
        )
    for sid in sorted(set(stored) | set(state)):
        have, want = stored.get(sid, "draft"), state.get(sid, "draft")
        if have != want:
            yield AUDIT["REVIEW_STATE"].format(sid=sid, have=state_label(have), want=state_label(want))
