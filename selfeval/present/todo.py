"""What waits for whom, as the home page and the menu show it: which to-do lists a role has, their
titles, and each waiting form as one line a person acts on (the project, its unit, since when).

The store finds the forms (Store.todo, Store.todo_counts, in the principal's units); this module only
decides which lists a role sees and words them. No Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from selfeval import fmt
from selfeval.access import Principal


@dataclass(frozen=True)
class TodoList:
    kind: str  # Store.todo's kind
    title: str
    action: str  # the link's words
    page: str  # the page that acts on it (a key of the app's pages)
    empty: str


LISTS = {
    "returned": TodoList("returned", "已退回，待修改后重新送审", "去修改", "editor", "没有被退回的自评表。"),
    "errors": TodoList("errors", "有错误，需修改或在送审时说明", "去修改", "editor", "没有带错误的自评表。"),
    "draft": TodoList("draft", "未送审", "去送审", "editor", "没有未送审的自评表。"),
    "submitted": TodoList("submitted", "待审核", "去审核", "review", "没有等待审核的自评表。"),
}
ROLE_LISTS = {
    "viewer": (),
    "editor": ("returned", "errors", "draft"),
    "reviewer": ("submitted",),
    "admin": ("submitted", "returned"),
}


def lists_for(who: Principal) -> tuple[TodoList, ...]:
    """The to-do lists this person acts on, most urgent first."""
    return tuple(LISTS[k] for k in ROLE_LISTS.get(who.role, ()))


def menu_counts(who: Principal, counts: dict[str, int]) -> dict[str, int]:
    """page -> how many forms wait there for this person (the menu shows it beside the page's name).
    A form both returned and with errors counts once: 在线编辑 counts returned + drafts."""
    pages: dict[str, int] = {}
    kinds = ROLE_LISTS.get(who.role, ())
    if "returned" in kinds or "draft" in kinds:
        pages["editor"] = sum(counts.get(k, 0) for k in ("returned", "draft") if k in kinds)
    if "submitted" in kinds:
        pages["review"] = counts.get("submitted", 0)
    return {page: n for page, n in pages.items() if n}


def waited(since: object, now: datetime | None = None) -> str:
    """How long a form has waited, in days: 今天 / 1 天 / 12 天 (a stored UTC time)."""
    if since is None or (not isinstance(since, datetime) and pd.isna(since)):
        return "—"
    start = pd.Timestamp(since).to_pydatetime().replace(tzinfo=UTC)
    days = ((now or datetime.now(UTC)) - start).days
    return "今天" if days <= 0 else f"{days} 天"


def project_label(row: pd.Series | dict, *, with_unit: bool = True) -> str:
    """A waiting form named as a person finds it: 名称（实施单位 · 年度）."""
    name = str(row.get("project_name") or "").strip() or "（未命名）"
    where = [str(row.get("unit") or "").strip(), f"{row.get('year') or '—'} 年度"]
    return f"{name}（{' · '.join(w for w in (where if with_unit else where[1:]) if w)}）"


def line(kind: str, row: pd.Series | dict, now: datetime | None = None) -> str:
    """One waiting form in words: what it is and, by list, the comment, the errors or the wait."""
    head = project_label(row)
    if kind == "returned":
        comment = str(row.get("comment") or "").strip()
        return f"{head}：退回意见“{comment or '（未填写）'}”（{row.get('by') or '—'}，{fmt.local_time(row.get('since'))}）"
    if kind == "errors":
        return f"{head}：{int(row.get('errors') or 0)} 处错误"
    if kind == "submitted":
        return f"{head}：{row.get('by') or '—'} 送审，已等待 {waited(row.get('since'), now)}"
    return f"{head}：上传于 {fmt.local_time(row.get('since'))}"
