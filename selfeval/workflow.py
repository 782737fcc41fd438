"""The review loop as data: 草稿 → 已送审 → 已通过 / 已退回 → (a new version is a new 草稿) → 送审 again.

A state belongs to one stored version (submission) of a project and year; a version nobody has
submitted yet is a 草稿. Versions are never changed in place, so an approved version is locked by
construction: any upload, edit or restore stores a new version, which starts again as a 草稿 and needs
approval again. `decide` is the one place that says whether a principal may take a step; the store
calls it before every write and the pages call it to grey out buttons. Pure: no I/O, no streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from selfeval.access import ROLE_LABELS, Principal, account_key, can
from selfeval.messages import REVIEW

State = Literal["draft", "submitted", "approved", "returned"]
STATES: tuple[State, ...] = ("draft", "submitted", "approved", "returned")
INITIAL: State = "draft"

# what a person does to a project's review state; "revise" is any new version (upload, edit, import)
Action = Literal["submit", "approve", "return", "revise", "restore", "transfer"]
ACTIONS: tuple[Action, ...] = ("submit", "approve", "return", "revise", "restore", "transfer")

# (state, action) -> state after it. A pair that is not here is refused with REVIEW["STATE.<action>.<state>"].
# revise/restore store a new version, which is a 草稿 whatever the old one was (an approved version stays
# approved and locked; the project's current version is the new draft). A submitted form that gets a new
# version is withdrawn from the queue. A transfer (administrators) stores the current version again naming
# the new unit: a new draft, which the new unit's reviewer approves.
TRANSITIONS: dict[tuple[State, Action], State] = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",  # unchanged after a return: needs an explanation
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
    **{(s, "revise"): "draft" for s in STATES},
    **{(s, "restore"): "draft" for s in STATES},
    **{(s, "transfer"): "draft" for s in STATES},
}

# the access.py action (ACTIONS_BY_ROLE) each step needs: roles are decided there, in one place
PERMISSION: dict[Action, str] = {
    "submit": "submit",
    "approve": "approve",
    "return": "return",
    "revise": "save",
    "restore": "restore",
    "transfer": "transfer",
}

# steps that act on one version and so need it to be the project's current one
ON_CURRENT_VERSION: frozenset[Action] = frozenset({"submit", "approve", "return"})

# audit trail actions (what happened) -> the state machine's action
AUDIT_ACTIONS: dict[str, Action] = {
    "upload": "revise",
    "import": "revise",
    "edit": "revise",
    "submit": "submit",
    "approve": "approve",
    "return": "return",
    "restore": "restore",
    "transfer": "transfer",
}

# the audit actions that make a version or send it to review: their actors are its authors, whom the
# four-eyes rule keeps from approving it
AUTHORING: tuple[str, ...] = tuple(
    a for a, step in AUDIT_ACTIONS.items() if step not in ("approve", "return")
)


def state_label(state: str | None) -> str:
    """草稿 / 已送审 / 已通过 / 已退回 (None: 草稿, a version nobody submitted)."""
    return REVIEW.get(f"state.{state or INITIAL}", str(state))


def action_label(action: str) -> str:
    return REVIEW.get(f"action.{action}", action)


@dataclass(frozen=True)
class Decision:
    """The answer to "may `who` take this step?": the state after it, or a refusal with a Chinese
    reason and a code (ROLE, UNIT, STATE, NOT_CURRENT, EXPLANATION_REQUIRED, …)."""

    action: Action
    before: State
    after: State  # == before when refused
    code: str = ""
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return not self.code

    def __bool__(self) -> bool:
        return self.allowed


class Refused(PermissionError):
    """A step the workflow does not allow; str() is the Chinese reason."""

    def __init__(self, decision: Decision):
        self.decision = decision
        self.code = decision.code
        super().__init__(decision.reason)


def decide(
    who: Principal,
    action: Action,
    state: State | None,
    *,
    unit: str,
    errors: int = 0,
    explanation: str = "",
    comment: str = "",
    current: bool = True,
    target_unit: str | None = None,
    authors: Iterable[str] = (),
) -> Decision:
    """May `who` take `action` on a version in `state` of a project of `unit`?

    Checked in this order, the first failing check giving the reason: the role may take the step at
    all (access.py); the person is responsible for the unit (and for the target unit of a transfer);
    the step leads somewhere from this state; the version is the current one (submit, approve,
    return); signed in, nobody approves a version they stored or sent to review (`authors`); a form
    with `errors` needs an `explanation` to be submitted, and so does a returned version resubmitted
    unchanged; a return needs a `comment`.
    """
    before: State = state or INITIAL
    if action not in ACTIONS:
        raise ValueError(f"unknown workflow action {action!r}")
    if before not in STATES:
        raise ValueError(f"unknown workflow state {before!r}")

    def refuse(code: str, key: str | None = None, **params: object) -> Decision:
        return Decision(action, before, before, code, REVIEW[key or code].format(**params))

    label = action_label(action)
    if not can(who, PERMISSION[action]):
        return refuse("ROLE", role=ROLE_LABELS.get(who.role, who.role), action=label)
    if not who.sees_unit(unit):
        return refuse("UNIT", unit=unit, action=label)
    if action == "transfer":
        if not target_unit:
            return refuse("TARGET_UNIT_REQUIRED")
        if not who.sees_unit(target_unit):
            return refuse("UNIT", unit=target_unit, action=label)
    after = TRANSITIONS.get((before, action))
    if after is None:
        return refuse("STATE", f"STATE.{action}.{before}")
    if action in ON_CURRENT_VERSION and not current:
        return refuse("NOT_CURRENT")
    if action == "approve" and own_version(who, authors):
        return refuse("OWN_VERSION")
    if action == "submit" and not explanation.strip():
        if errors > 0:
            return refuse("EXPLANATION_REQUIRED", errors=errors)
        if before == "returned":
            return refuse("RESUBMIT_EXPLANATION_REQUIRED")
    if action == "return" and not comment.strip():
        return refuse("COMMENT_REQUIRED")
    return Decision(action, before, after)


def own_version(who: Principal, authors: Iterable[str]) -> bool:
    """Signed in, `who` stored or sent to review this version (`authors`: the version's uploader and
    the person who submitted it): the four-eyes rule says someone else approves it. Local mode is one
    person on one machine, so it does not apply there. Accounts compare as the role file does
    (account_key): `Root@org.cn` is `root@org.cn`."""
    mine = account_key(who.name)
    return who.authenticated and any(account_key(a) == mine for a in authors if a)


def require(who: Principal, action: Action, state: State | None, **context: object) -> State:
    """The state after `action`, or Refused (with the Chinese reason) when it is not allowed."""
    decision = decide(who, action, state, **context)  # type: ignore[arg-type]
    if not decision:
        raise Refused(decision)
    return decision.after


def available(who: Principal, state: State | None, *, unit: str) -> tuple[Action, ...]:
    """The steps this person could take from `state` on the current version (before any comment or
    explanation is typed): what a page offers as buttons."""
    before: State = state or INITIAL
    return tuple(
        a for a in ACTIONS if can(who, PERMISSION[a]) and who.sees_unit(unit) and (before, a) in TRANSITIONS
    )
