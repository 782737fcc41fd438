"""The review state machine, table-driven: every (role, action, state) allowed or refused, and why.

The expected table below is written out by hand, not derived from selfeval.workflow's own tables, so
a change to the machine that nobody meant shows up here as a failing cell.
"""

from __future__ import annotations

import re

import pytest

from selfeval.access import (
    ACTIONS_BY_ROLE,
    ALL_UNITS,
    LOCAL,
    PAGES_BY_ROLE,
    ROLES,
    Principal,
    can,
    load_roles,
    may_open,
)
from selfeval.messages import REVIEW
from selfeval.workflow import (
    ACTIONS,
    AUDIT_ACTIONS,
    STATES,
    TRANSITIONS,
    Refused,
    action_label,
    available,
    decide,
    own_version,
    require,
    state_label,
)

UNIT = "深圳市福田区总工会（本级）"
OTHER = "深圳市福田区某街道总工会"

# cell: the state after the step, or the refusal code. Context: the person is responsible for UNIT, the
# version is current, no errors, an explanation and a comment are given, a transfer names OTHER (which an
# admin may reach; nobody else passes the role check).
EXPECTED = """
role      action    draft      submitted  approved   returned
viewer    submit    ROLE       ROLE       ROLE       ROLE
viewer    approve   ROLE       ROLE       ROLE       ROLE
viewer    return    ROLE       ROLE       ROLE       ROLE
viewer    revise    ROLE       ROLE       ROLE       ROLE
viewer    restore   ROLE       ROLE       ROLE       ROLE
viewer    transfer  ROLE       ROLE       ROLE       ROLE
editor    submit    submitted  STATE      STATE      submitted
editor    approve   ROLE       ROLE       ROLE       ROLE
editor    return    ROLE       ROLE       ROLE       ROLE
editor    revise    draft      draft      draft      draft
editor    restore   draft      draft      draft      draft
editor    transfer  ROLE       ROLE       ROLE       ROLE
reviewer  submit    ROLE       ROLE       ROLE       ROLE
reviewer  approve   STATE      approved   STATE      STATE
reviewer  return    STATE      returned   STATE      STATE
reviewer  revise    ROLE       ROLE       ROLE       ROLE
reviewer  restore   ROLE       ROLE       ROLE       ROLE
reviewer  transfer  ROLE       ROLE       ROLE       ROLE
admin     submit    submitted  STATE      STATE      submitted
admin     approve   STATE      approved   STATE      STATE
admin     return    STATE      returned   STATE      STATE
admin     revise    draft      draft      draft      draft
admin     restore   draft      draft      draft      draft
admin     transfer  draft      draft      draft      draft
"""


def _table() -> list[tuple[str, str, str, str]]:
    lines = [line.split() for line in EXPECTED.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    states = header[2:]
    return [
        (role, action, state, cell)
        for role, action, *cells in rows
        for state, cell in zip(states, cells, strict=True)
    ]


CASES = _table()


def person(role: str, units: tuple[str, ...] | None = None) -> Principal:
    if units is None:
        units = ALL_UNITS if role == "admin" else (UNIT,)
    return Principal(f"{role}@futian.gov.cn", role, units, True)


def test_the_table_covers_every_role_action_and_state():
    assert {(r, a, s) for r, a, s, _ in CASES} == {(r, a, s) for r in ROLES for a in ACTIONS for s in STATES}
    assert len(CASES) == len(ROLES) * len(ACTIONS) * len(STATES) == 96


@pytest.mark.parametrize(("role", "action", "state", "expected"), CASES, ids=["-".join(c[:3]) for c in CASES])
def test_transition(role, action, state, expected):
    d = decide(
        person(role), action, state, unit=UNIT, explanation="已说明", comment="请补充", target_unit=OTHER
    )
    if expected in STATES:
        assert d.allowed and bool(d), d.reason
        assert (d.before, d.after, d.code, d.reason) == (state, expected, "", "")
        assert (
            require(
                person(role),
                action,
                state,
                unit=UNIT,
                explanation="已说明",
                comment="请补充",
                target_unit=OTHER,
            )
            == expected
        )
    else:
        assert not d.allowed and not bool(d)
        assert (d.code, d.after) == (expected, state)  # a refusal never moves the state
        assert re.search(r"[\u4e00-\u9fff]", d.reason), d.reason
        with pytest.raises(Refused) as raised:
            require(
                person(role),
                action,
                state,
                unit=UNIT,
                explanation="已说明",
                comment="请补充",
                target_unit=OTHER,
            )
        assert str(raised.value) == d.reason and raised.value.code == expected


@pytest.mark.parametrize(("role", "action", "state", "expected"), CASES, ids=["-".join(c[:3]) for c in CASES])
def test_another_units_project_is_refused_after_the_role_check(role, action, state, expected):
    """Unit isolation: someone responsible for UNIT may do nothing to OTHER's projects; a refusal for
    the role still names the role (the first reason wins)."""
    d = decide(
        person(role), action, state, unit=OTHER, explanation="已说明", comment="请补充", target_unit=OTHER
    )
    if role == "admin":  # responsible for every unit
        assert d.code == ("" if expected in STATES else expected)
    elif expected == "ROLE":
        assert d.code == "ROLE"
    else:
        assert d.code == "UNIT" and OTHER in d.reason


def test_admin_bound_to_units_is_bound_too():
    admin = person("admin", (UNIT,))
    assert decide(admin, "approve", "submitted", unit=OTHER).code == "UNIT"
    d = decide(admin, "transfer", "draft", unit=UNIT, target_unit=OTHER)
    assert d.code == "UNIT" and OTHER in d.reason
    assert decide(admin, "transfer", "draft", unit=UNIT, target_unit=UNIT).after == "draft"


def test_none_state_is_a_draft():
    d = decide(person("editor"), "submit", None, unit=UNIT)
    assert (d.before, d.after) == ("draft", "submitted")


# ------------------------------------------------------------------------------------ preconditions


@pytest.mark.parametrize("explanation", ["", "   ", "\n\t"])
@pytest.mark.parametrize("state", ["draft", "returned"])
def test_a_form_with_errors_needs_an_explanation(state, explanation):
    d = decide(person("editor"), "submit", state, unit=UNIT, errors=3, explanation=explanation)
    assert d.code == "EXPLANATION_REQUIRED" and "3 处错误" in d.reason
    ok = decide(person("editor"), "submit", state, unit=UNIT, errors=3, explanation="分值合计按上级通知调整")
    assert ok.after == "submitted"


def test_a_clean_draft_needs_no_explanation():
    assert decide(person("editor"), "submit", "draft", unit=UNIT, errors=0).after == "submitted"


def test_resubmitting_a_returned_version_unchanged_needs_an_explanation():
    d = decide(person("editor"), "submit", "returned", unit=UNIT, errors=0, explanation=" ")
    assert d.code == "RESUBMIT_EXPLANATION_REQUIRED"
    fixed = decide(person("editor"), "revise", "returned", unit=UNIT)
    assert fixed.after == "draft"  # the fix is a new version: a draft, submitted without more words
    assert decide(person("editor"), "submit", fixed.after, unit=UNIT).after == "submitted"


@pytest.mark.parametrize("comment", ["", "  ", "\n"])
def test_return_needs_a_comment(comment):
    d = decide(person("reviewer"), "return", "submitted", unit=UNIT, comment=comment)
    assert d.code == "COMMENT_REQUIRED" and d.after == "submitted"
    assert decide(person("reviewer"), "approve", "submitted", unit=UNIT, comment=comment).after == "approved"


@pytest.mark.parametrize(
    ("role", "action", "state"),
    [
        ("editor", "submit", "draft"),
        ("reviewer", "approve", "submitted"),
        ("reviewer", "return", "submitted"),
    ],
)
def test_review_steps_act_on_the_current_version_only(role, action, state):
    d = decide(person(role), action, state, unit=UNIT, explanation="x", comment="x", current=False)
    assert d.code == "NOT_CURRENT"


def test_revise_and_restore_do_not_need_the_current_version():
    for action in ("revise", "restore"):
        assert decide(person("editor"), action, "approved", unit=UNIT, current=False).after == "draft"


def test_approved_is_locked_any_change_is_a_new_draft():
    """An approved version cannot be returned or resubmitted; a change makes a new version (draft)
    that needs approval again."""
    reviewer, editor = person("reviewer"), person("editor")
    assert decide(reviewer, "return", "approved", unit=UNIT, comment="再看看").code == "STATE"
    assert decide(editor, "submit", "approved", unit=UNIT, explanation="x").code == "STATE"
    state = require(editor, "revise", "approved", unit=UNIT)
    assert state == "draft"
    state = require(editor, "submit", state, unit=UNIT)
    assert require(reviewer, "approve", state, unit=UNIT) == "approved"


def test_transfer_needs_a_target_unit():
    assert decide(person("admin"), "transfer", "draft", unit=UNIT).code == "TARGET_UNIT_REQUIRED"


def test_the_whole_loop():
    """upload → 送审 → 退回 → fix → 送审 → 通过, as the browser test walks it."""
    editor, reviewer = person("editor"), person("reviewer")
    s = require(editor, "revise", None, unit=UNIT)
    s = require(editor, "submit", s, unit=UNIT, errors=2, explanation="分值按通知调整")
    s = require(reviewer, "return", s, unit=UNIT, comment="偏差原因不完整")
    assert s == "returned"
    s = require(editor, "revise", s, unit=UNIT)
    s = require(editor, "submit", s, unit=UNIT)
    assert require(reviewer, "approve", s, unit=UNIT) == "approved"


def test_unknown_action_or_state_is_a_programming_error():
    with pytest.raises(ValueError):
        decide(person("admin"), "delete", "draft", unit=UNIT)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        decide(person("admin"), "submit", "archived", unit=UNIT)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ what pages offer


@pytest.mark.parametrize(
    ("role", "state", "offered"),
    [
        ("viewer", "submitted", ()),
        ("editor", "draft", ("submit", "revise", "restore")),
        ("editor", "submitted", ("revise", "restore")),
        ("editor", "returned", ("submit", "revise", "restore")),
        ("reviewer", "submitted", ("approve", "return")),
        ("reviewer", "approved", ()),
        ("admin", "submitted", ("approve", "return", "revise", "restore", "transfer")),
    ],
)
def test_available_steps(role, state, offered):
    assert available(person(role), state, unit=UNIT) == offered
    assert available(person(role), state, unit=OTHER) == (offered if role == "admin" else ())


def test_labels_and_messages_are_chinese_and_complete():
    assert [state_label(s) for s in STATES] == ["草稿", "已送审", "已通过", "已退回"]
    assert state_label(None) == "草稿"
    assert {action_label(a) for a in AUDIT_ACTIONS} >= {
        "上传",
        "送审",
        "通过",
        "退回",
        "恢复版本",
        "转移单位",
    }
    for action in ACTIONS:  # every refused (state, action) pair has its own sentence
        for state in STATES:
            if (state, action) not in TRANSITIONS:
                assert re.search(r"[\u4e00-\u9fff]", REVIEW[f"STATE.{action}.{state}"])
    assert set(AUDIT_ACTIONS.values()) == set(ACTIONS)


# ------------------------------------------------------------------------------------ the role itself


def test_reviewer_role_pages_and_actions(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(
        '[users."wang@futian.gov.cn"]\nrole = "reviewer"\nunits = ["深圳市福田区总工会（本级）"]\n',
        encoding="utf-8",
    )
    role, units = load_roles(path)["wang@futian.gov.cn"]
    assert (role, units) == ("reviewer", (UNIT,))
    wang = Principal("wang@futian.gov.cn", role, units, True)
    assert may_open(wang, "review") and may_open(wang, "overview") and may_open(wang, "project")
    assert not may_open(wang, "upload") and not may_open(wang, "editor")
    assert can(wang, "approve") and can(wang, "return")
    assert not any(can(wang, a) for a in ("upload", "edit", "save", "restore", "submit", "transfer"))
    assert "review" in PAGES_BY_ROLE["admin"] and "review" not in PAGES_BY_ROLE["editor"]
    assert {"approve", "return"} & ACTIONS_BY_ROLE["editor"] == set()


# -- four eyes: signed in, nobody approves a version they stored or sent to review ----------------------
def test_nobody_signed_in_approves_their_own_version():
    admin = Principal("root@org.cn", "admin", ALL_UNITS, True)
    reviewer = Principal("wang@a.cn", "reviewer", ("甲单位",), True)
    for who in (admin, reviewer):
        refused = decide(who, "approve", "submitted", unit="甲单位", authors=("zhang@a.cn", who.name))
        assert not refused and refused.code == "OWN_VERSION" and "另一位审核人" in refused.reason
        assert decide(who, "approve", "submitted", unit="甲单位", authors=("zhang@a.cn",))
        # a return is not an approval: the one who sent it may still send it back
        assert decide(who, "return", "submitted", unit="甲单位", comment="补充", authors=(who.name,))
    # the same account however the sign-in spells its case (the role file's comparison)
    assert not decide(reviewer, "approve", "submitted", unit="甲单位", authors=(" WANG@A.CN",))
    # an empty author (a store that never recorded one) is nobody
    assert decide(reviewer, "approve", "submitted", unit="甲单位", authors=("",))


def test_local_mode_is_one_person_and_approves_its_own():
    assert decide(LOCAL, "approve", "submitted", unit="甲单位", authors=(LOCAL.name,))
    assert not own_version(LOCAL, (LOCAL.name,))
