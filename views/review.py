"""审核: the forms waiting for this reviewer (filter by unit), each opened beside its computed scores,
the differences from what it declares and its issues, approved or returned in one step."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from selfeval import fmt
from selfeval.messages import REVIEW
from selfeval.present import todo
from selfeval.present.markdown import plain
from selfeval.store.review import ReviewRefused
from selfeval.workflow import own_version
from views import _review_ui as review
from views import _sidebar, _ui

ALL = "全部单位"
PICK = "review_pick"
CONFIRM = "review_confirm_approve"  # the form whose 通过 with errors waits for 确认通过


def main() -> None:
    who = _ui.require_page("review")
    st.title("审核")
    for kind, text in st.session_state.pop("review_done", []):
        getattr(st, kind)(text)
    year, _ = _sidebar.filters()
    queue = _ui.cached(_ui.store().review_queue, None, year)
    units = sorted(set(queue["unit"])) if not queue.empty else []
    if len(units) > 1:
        chosen = st.segmented_control(
            "实施单位", [ALL, *units], default=ALL, key="review_unit", help="只看某个单位送审的表。"
        )
        if chosen not in (None, ALL):
            queue = queue[queue["unit"] == chosen]
    if queue.empty:
        st.success(
            "没有等待审核的自评表。" + (f"（{year} 年度）" if year else ""), icon=":material/task_alt:"
        )
        return
    st.caption(f"等待审核 {len(queue)} 份（{plain(who.name)}）。先送审的排在前面。")
    left, right = st.columns([1, 2.4], gap="large")
    with left:
        sid = _queue(queue)
    if sid is None:
        return
    with right:
        _open(int(sid), queue[queue["submission_id"] == sid].iloc[0])


def _queue(queue: pd.DataFrame) -> int | None:
    """The waiting forms as a list to pick from: name, unit, score, errors, how long it has waited.
    A link (?code=…&year=…, from the to-do list) picks its form; a search offers only matches and
    picks the first when the form shown does not match."""
    code, year = st.query_params.get("code"), st.query_params.get("year", "")
    if code:
        st.query_params.clear()  # followed once
        linked = queue[(queue["project_code"] == code) & (queue["year"].astype(str) == year)]
        if not linked.empty:
            st.session_state[PICK] = int(linked["submission_id"].iloc[0])
    if len(queue) > 8:
        text = st.text_input("搜索", key=f"{PICK}_search", placeholder="项目编码、名称或实施单位").strip()
        for word in text.split():
            hit = (
                queue[["project_code", "project_name", "unit"]]
                .astype(str)
                .apply(lambda col, w=word: col.str.contains(w, case=False, regex=False))
            )
            queue = queue[hit.any(axis=1)]
        if queue.empty:
            st.warning(f"没有与“{text}”匹配的待审核表。", icon=":material/search_off:")
            return None
    ids = [int(i) for i in queue["submission_id"]]
    if st.session_state.get(PICK) not in ids:
        st.session_state[PICK] = ids[0]
    labels = {
        int(r.submission_id): (
            f"**{plain(r.project_name or r.project_code)}**　:gray[{plain(r.unit)} · {fmt.points(r.total)} 分"
            + (f" · {int(r.errors)} 处错误" if r.errors else "")
            + f" · 已等待 {todo.waited(r.updated_at)}]"
        )
        for r in queue.itertuples()
    }
    return st.radio("待审核", ids, key=PICK, format_func=labels.get, label_visibility="collapsed")


def _open(sid: int, row: pd.Series) -> None:
    card = _ui.store().load_scorecard(sid)
    form = card.form
    st.subheader(plain(form.header.project_name) or "（未命名项目）")
    st.markdown(
        f"项目编码 `{form.header.project_code or '—'}` · {plain(form.header.unit) or '—'} · "
        f"{form.header.year or '—'} 年度　{review.badge(row['state'])}　{_ui.grade_badge(card.grade)}"
    )
    cols = st.columns(4)
    cols[0].metric(
        "总分（计算）",
        fmt.points(card.total),
        _ui.score_delta(card.total, form.declared_total),
        border=True,
        delta_color="off",
    )
    cols[1].metric("等级", card.grade or "—", border=True)
    cols[2].metric("预算执行率", fmt.pct(card.rate), border=True)
    errors = sum(1 for i in card.issues if i.severity == "error")
    cols[3].metric(
        "错误 / 警告", f"{errors} / {sum(1 for i in card.issues if i.severity == 'warning')}", border=True
    )
    if row["explanation"]:
        st.info(f"**送审说明**：{plain(row['explanation'])}", icon=":material/chat:")
    own = own_version(_ui.principal(), _ui.store().authors(sid))
    if own:
        st.warning(REVIEW["OWN_VERSION"], icon=":material/group:")
    _decide(sid, errors, own)
    diff = _differences(card)
    tabs = st.tabs(
        [f"与申报不一致（{len(diff)}）", f"问题清单（{len(card.issues)}）", "逐项评分", "审核记录"]
    )
    with tabs[0]:
        if diff.empty:
            st.success("申报得分与规则计算一致。", icon=":material/check_circle:")
        else:
            _ui.dataframe(diff, hide_index=True, width="stretch", placeholder="—", key=f"review_diff_{sid}")
    with tabs[1]:
        _ui.show_issues(card.issues, key=f"review_{sid}")
    with tabs[2]:
        _ui.indicator_grid(card, key=f"review_{sid}")
    with tabs[3]:
        review.timeline(_ui.cached(_ui.store().audit_trail, form.header.project_code, form.header.year))


def _differences(card) -> pd.DataFrame:
    """Where what the form declares and what the rules compute differ: the total, the budget score
    and each indicator row."""
    rows = []
    form = card.form

    def add(what: str, declared, computed) -> None:
        if declared is None or computed is None or abs(declared - computed) >= 0.005:
            if declared is None and computed is None:
                return
            rows.append({"项目": what, "申报": declared, "计算": computed})

    add("总分", form.declared_total, card.total)
    add("预算执行得分", form.funds.declared_score, card.budget_score)
    for s in card.indicators:
        ind = s.indicator
        if ind.not_applicable or (ind.declared_score is None and s.score is None):
            continue
        add(f"{ind.level2}｜{ind.name}", ind.declared_score, s.score)
    df = pd.DataFrame(rows, columns=["项目", "申报", "计算"])
    df["差额"] = df["计算"] - df["申报"]
    return df.round(2)


def _decide(sid: int, card_errors: int, own: bool) -> None:
    """Approve or return in one step: a comment box (required to return) and two buttons; a form
    with errors is approved only after the reviewer confirms it; 通过 is greyed out on a version the
    reviewer stored or sent (`own`: the store refuses it too)."""
    with st.container(border=True):
        comment = st.text_area(
            "审核意见",
            key=f"review_comment_{sid}",
            placeholder="退回时必填：写明需要修改的内容；通过时可选。",
            height=80,
        )
        c1, c2, _ = st.columns([1, 1, 2])
        approve = c1.button(
            "通过",
            type="primary",
            icon=":material/check:",
            key=f"approve_{sid}",
            width="stretch",
            disabled=own,
        )
        back = c2.button("退回", icon=":material/undo:", key=f"return_{sid}", width="stretch")
    if approve and card_errors and st.session_state.get(CONFIRM) != sid:
        st.session_state[CONFIRM] = sid  # a form with errors is approved only once confirmed
        st.rerun()
    if st.session_state.get(CONFIRM) == sid and not back:
        with st.container(border=True):
            st.warning(
                f"该表还有 {card_errors} 处错误。通过后该版本锁定，并计入“仅已通过”的统计。确定通过吗？",
                icon=":material/report:",
            )
            yes, no = st.columns(2)
            approve = yes.button(
                "确认通过", key=f"approve_confirmed_{sid}", type="primary", icon=":material/check:"
            )
            if no.button("取消", key=f"approve_cancel_{sid}"):
                st.session_state.pop(CONFIRM, None)
                st.rerun()
        if not approve:
            return
    if not (approve or back):
        return
    st.session_state.pop(CONFIRM, None)
    store = _ui.store()
    try:
        if approve:
            store.approve(sid, comment)
            done = "已通过审核。"
        else:
            store.return_(sid, comment)
            done = "已退回，填报人将在“在线编辑”中看到退回意见。"
    except ReviewRefused as exc:
        st.error(plain(exc), icon=":material/block:")
        return
    st.session_state.pop(f"review_comment_{sid}", None)
    st.session_state["review_done"] = [("success", done)]
    _ui.invalidate()
    st.rerun()


_ui.guarded(main)
