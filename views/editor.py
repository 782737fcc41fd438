"""在线编辑: edit the white cells of a stored or just-uploaded form, rescored at every edit; draft
missing deviation reasons; download the corrected template or a unit's forms; save a new version.

Forms stay immutable and the grid is never fed a value it wrote (engineering.md): each edit delta
that st.data_editor keeps in st.session_state is applied to the grid's source Form and rescored
(views/_edit.rescore: the row's 得分 follows the rules); the result becomes the source of a fresh
grid (a new key), because the browser drops an edit when the data under it changes.
"""

from __future__ import annotations

import streamlit as st

from selfeval import fmt
from selfeval.edit import (
    COMPUTED_COLUMN,
    EDITOR_COLUMNS,
    GREY_COLUMNS,
    ROW_COLUMN,
    adopt_computed,
    changed_rows,
    corrected_filename,
    fill_reasons,
    grid_frame,
    grid_issues,
    partial_total,
    reason_drafts,
    rescore,
    settle,
    templates_zip,
)
from selfeval.messages import SEVERITY_LABELS
from selfeval.names import file_name, name_part
from selfeval.present.frames import safe_frame
from selfeval.present.insights import project_labels
from selfeval.present.markdown import plain
from selfeval.rules import score
from selfeval.serialize import form_sha256
from selfeval.template import write_template
from views import _review_ui, _ui
from views._picker import choose, pick_current_project

SOURCE_DB, SOURCE_UPLOAD = "数据库中的项目", "本次上传的表"
SESSION = "edit_session"  # {"source_id", "base": Form, "gen": int}
GRID_KEY = "edit_grid_key"  # the data_editor's current key (tests put their edit delta there)


def main() -> None:
    who = _ui.require_page("editor")
    _ui.require("edit", "在线编辑")
    profile = _ui.profile()
    st.title("在线编辑")
    st.caption(
        "灰色列由系统带出，不能修改；白色列（实际完成值、分值、得分、偏差原因）可以修改。"
        "改动实际完成值或分值后，该行得分立即按规则重新计算。"
    )

    source = _pick_source()
    if source is None:
        return
    source_id, source_form, label = source
    session = _session(source_id, source_form)
    base = session["base"]
    key = f"edit_grid_{session['gen']}"
    st.session_state[GRID_KEY] = key

    result = rescore(base, st.session_state.get(key), profile)
    if result.rejected:  # a number outside 0 至 100 (only a crafted client gets past the grid's bounds)
        st.session_state["edit_rejected"] = result.rejected
    if result.form is not base:
        # fold the edit into the grid's source and show a fresh grid: the browser drops an edit when
        # the data under it changes, and the row's 得分 and 计算得分 must change at once
        _restart(session, result.form)
        st.rerun()
    form, card = result.form, result.card
    if form != source_form:  # edited: the grey cells (总分, 执行率, 预算得分) follow what the rules give
        form, card = settle(form, profile)
    before = score(source_form, profile)
    edited = changed_rows(source_form, form)
    title = (
        profile.title if profile is not None else _ui._profile_title(card.profile) + "，按表中分值自动选择"
    )
    st.markdown(f"**{plain(label)}**　按“{plain(title)}”评分")
    for text in st.session_state.pop("edit_rejected", ()):
        st.warning(plain(text), icon=":material/block:")
    _review_ui.editor_status(source_id)
    _headline(card, before, edited)
    with st.container(border=True, key="editor_actions"):  # 保存 and 送审 where a person looks first
        save, submit = st.columns(2, gap="large")
        with save:
            _save(who, card, edited)
        with submit:
            _review_ui.editor_submit(source_id, edited)
    _grid(form, card, key)
    _differences(result, session)
    _grid_issue_list(card)
    _drafts(card, form, session)
    with st.expander("逐项评分结果与全部问题", icon=":material/rule:"):
        _ui.indicator_grid(card, key="editor")
        _ui.show_issues(card.issues, expanded=False, key="editor_all")
    _downloads(card)


def _headline(card, before, edited: list[int]) -> None:
    """总分 (or what is scored so far), grade, how many rows changed and by how much."""
    cols = st.columns([1.2, 1, 1, 1.4])
    with cols[0]:
        st.markdown(
            f"<div style='font-size:0.9rem;color:#6B7280'>总分</div>"
            f"<div style='font-size:2.4rem;font-weight:600;line-height:1.2'>{fmt.points(card.total)}</div>",
            unsafe_allow_html=True,
        )
    cols[1].markdown(f"等级<br>{_ui.grade_badge(card.grade)}", unsafe_allow_html=True)
    delta = _delta(card.total, before.total)
    cols[2].markdown(
        f"已修改 **{len(edited)}** 行" + (f"<br>较原表 **{delta}** 分" if delta else ""),
        unsafe_allow_html=True,
    )
    errors = sum(1 for i in card.issues if i.severity == "error")
    cols[3].markdown(f"错误 **{errors}** 条 · 警告 **{card.warnings}** 条")
    unverified = [
        f"第 {i + 1} 行「{plain(s.indicator.name)}」：{plain(getattr(s, 'unverified_reason', '') or '未核验')}"
        for i, s in enumerate(card.indicators)
        if not getattr(s, "verified", True)
    ]
    if unverified:
        label = getattr(card, "verification_label", "部分核验")
        st.info(
            f"核验状态：**{label}**。以下各行无法按规则核验，暂保留原表申报得分：\n\n"
            + "\n".join(f"- {u}" for u in unverified),
            icon=":material/help:",
        )
    if card.total is None:
        got, missing = partial_total(card)
        names = "、".join(
            f"第 {r + 1} 行「{plain(card.indicators[r].indicator.name)}」" for r in missing[:5]
        ) + (f" 等 {len(missing)} 行" if len(missing) > 5 else "")
        st.warning(
            f"{names}未能评分（多为实际完成值为空或无法识别），总分暂缺；其余部分合计 **{fmt.points(got)}** 分。"
            "补全后总分随即算出。"
            if missing
            else f"分值不合规，总分暂缺；已评分部分合计 **{fmt.points(got)}** 分。",
            icon=":material/pending:",
        )


def _grid(form, card, key: str) -> None:
    """The spreadsheet: grey columns locked and shaded, white ones editable, text wrapped."""
    frame = safe_frame(grid_frame(form, card))  # its toolbar's "Download as CSV" writes cells as they are
    locked = [ROW_COLUMN, *GREY_COLUMNS, COMPUTED_COLUMN]
    styled = frame.style.set_properties(
        subset=[c for c in locked if c in frame.columns],
        **{"background-color": "#EEF0F3", "color": "#4B5563"},
    )
    st.data_editor(
        styled,
        key=key,
        hide_index=True,
        placeholder="—",
        num_rows="fixed",
        width="stretch",
        row_height=56,
        height=min(40 + 57 * len(form.indicators), 640),
        disabled=locked,
        column_order=[ROW_COLUMN, *EDITOR_COLUMNS[1:-1], COMPUTED_COLUMN, EDITOR_COLUMNS[-1]],
        column_config={
            ROW_COLUMN: st.column_config.NumberColumn("行", width=40, pinned=True),
            "二级指标": st.column_config.TextColumn("二级指标", width=100),
            "三级指标": st.column_config.TextColumn("三级指标", width="medium", pinned=True),
            "年度指标值": st.column_config.TextColumn("年度指标值", width=110),
            "实际完成值": st.column_config.TextColumn("实际完成值", width=120),
            "分值": st.column_config.NumberColumn(
                "分值", min_value=0.0, max_value=100.0, step=0.01, format="%.2f", width=70
            ),
            "得分": st.column_config.NumberColumn(
                "得分",
                min_value=0.0,
                max_value=100.0,
                step=0.01,
                format="%.2f",
                width=70,
                help="改动实际完成值或分值后自动取计算得分；手工填写的得分保留，并在下方提示差异。",
            ),
            COMPUTED_COLUMN: st.column_config.NumberColumn(
                COMPUTED_COLUMN, format="%.2f", width=80, help="按评分规则计算的得分"
            ),
            "偏差原因分析及改进措施": st.column_config.TextColumn("偏差原因分析及改进措施", width="large"),
        },
    )


def _differences(result, session) -> None:
    """Typed 得分 the rules disagree with, and the one click that takes the computed scores."""
    if not result.differences:
        return
    card = result.card
    lines = "；".join(
        f"第 {r + 1} 行「{plain(card.indicators[r].indicator.name)}」填报 {fmt.points(d)}，计算 {fmt.points(c)}"
        for r, (d, c) in list(result.differences.items())[:6]
    )
    left, right = st.columns([4, 1], vertical_alignment="center")
    left.warning(
        f"有 {len(result.differences)} 行得分与规则计算不一致：{lines}。", icon=":material/difference:"
    )
    if right.button(
        "采用计算得分", key="adopt_computed", icon=":material/published_with_changes:", width="stretch"
    ):
        _restart(session, adopt_computed(result.form, card))
        st.rerun()


def _grid_issue_list(card) -> None:
    """Every issue with the grid row and column it concerns, in full (never cut off)."""
    found = grid_issues(card)
    shown = [(i, r, c) for i, r, c in found if i.severity != "info"]
    if not shown:
        st.success("未发现错误或警告。", icon=":material/check_circle:")
        return
    colors = {"error": "red", "warning": "orange"}
    order = {"error": 0, "warning": 1}
    with st.container(border=True):
        st.markdown(f"**问题清单**（{len(shown)} 条，按表格行号）")
        for issue, row, column in sorted(
            shown, key=lambda t: (order.get(t[0].severity, 2), t[1] is None, t[1] or 0)
        ):
            where = f"第 {row + 1} 行 · {column}" if row is not None else "整张表"
            st.markdown(
                f":{colors.get(issue.severity, 'gray')}-badge[{SEVERITY_LABELS[issue.severity]}] "
                f"**{where}**：{plain(issue.message)}"
            )


def _delta(now: float | None, before: float | None) -> str | None:
    if now is None or before is None or abs(now - before) < 0.005:
        return None
    return f"{now - before:+.2f}"


def _pick_source():
    """(source_id, Form, label) of what to edit: a stored project or a form from the last upload."""
    batch = st.session_state.get(_ui.UPLOAD_BATCH) or {}
    request = st.session_state.pop(_ui.EDIT_REQUEST, None)
    options = [SOURCE_DB] + ([SOURCE_UPLOAD] if batch else [])
    if request and request.get("kind") == "upload" and batch:
        st.session_state["edit_source_kind"] = SOURCE_UPLOAD
        st.session_state["edit_upload_pick"] = f"{request['digest']}:{request['index']}"
    if _follow_link() or (request and request.get("kind") == "db"):  # a stored project was asked for
        st.session_state["edit_source_kind"] = SOURCE_DB
    if st.session_state.get("edit_source_kind") not in options:
        st.session_state["edit_source_kind"] = options[0]
    kind = st.radio("编辑来源", options, key="edit_source_kind", horizontal=True)

    if kind == SOURCE_UPLOAD:
        choices = {
            f"{digest}:{i}": f"{card.form.header.project_name or '（未命名）'}（{item['name']}）"
            for digest, item in batch.items()
            for i, card in enumerate(item["cards"])
        }
        if st.session_state.get("edit_upload_pick") not in choices:
            st.session_state["edit_upload_pick"] = next(iter(choices))
        pick = st.selectbox("选择上传的表", list(choices), key="edit_upload_pick", format_func=choices.get)
        digest, index = pick.rsplit(":", 1)
        card = batch[digest]["cards"][int(index)]
        return f"upload:{pick}", card.form, choices[pick]

    if _ui.store().is_empty():
        _ui.empty_state()
        return None
    year, unit = _ui.filters()
    # the store filters by the principal's units; the scope's projects are searched, never all loaded
    total = _ui.cached(_ui.store().project_count, year, unit)
    if not total:
        _ui.empty_state("所选年度与单位尚无项目，请调整左侧筛选，或先上传自评表。")
        return None
    sid = pick_current_project(year, unit, "edit_pick", total)
    if sid is None:
        return None
    labels = project_labels(_ui.cached(_ui.store().project_row, int(sid)))
    return f"db:{sid}", _ui.store().load_form(sid), labels[sid]


def _follow_link() -> bool:
    """A link (a to-do line, ?code=…&year=…) names the stored project to edit: True when one did."""
    code, year = st.query_params.get("code"), st.query_params.get("year", "")
    if not code:
        return False
    st.query_params.clear()  # followed once: the picker decides from here on
    choose(code, year)
    return True


def _session(source_id: str, source_form) -> dict:
    """The edit session of this source; a new one (fresh grid) when the source changed."""
    session = st.session_state.get(SESSION)
    if session is None or session["source_id"] != source_id:
        gen = st.session_state.get("edit_gen", 0) + 1
        st.session_state["edit_gen"] = gen
        session = {"source_id": source_id, "base": source_form, "gen": gen}
        st.session_state[SESSION] = session
    return session


def _restart(session: dict, base, source_id: str | None = None) -> None:
    """Fold the current edits into a new base and show a fresh grid over it."""
    gen = st.session_state.get("edit_gen", 0) + 1
    st.session_state["edit_gen"] = gen
    st.session_state[SESSION] = {"source_id": source_id or session["source_id"], "base": base, "gen": gen}


def _drafts(card, form, session) -> None:
    drafts = reason_drafts(card)
    if not drafts:
        return
    st.warning(
        f"有 {len(drafts)} 行失分但未填写偏差原因分析及改进措施，下面是按指标值与实际完成值起草的建议，请修改后填入。",
        icon=":material/edit:",
    )
    with st.expander("建议的偏差原因", expanded=True, icon=":material/lightbulb:"):
        texts = {}
        for row, text in drafts.items():
            ind = card.indicators[row].indicator
            texts[row] = st.text_area(
                f"第 {row + 1} 行 · {plain(ind.level2)} · {plain(ind.name)}"
                f"（得 {fmt.points(card.indicators[row].score)} 分，分值 {fmt.points(ind.weight)}）",
                value=text,
                key=f"draft_{session['gen']}_{row}",
                height=90,
            )
        if st.button("填入以上偏差原因", icon=":material/playlist_add_check:"):
            _restart(session, fill_reasons(form, texts))
            st.rerun()


def _downloads(card) -> None:
    if not _ui.allowed("download"):
        return
    st.markdown("#### 下载")
    form = card.form
    c1, c2 = st.columns(2, gap="large")
    with c1:
        st.download_button(
            "下载更正后的导入模板（.xlsx）",
            data=_ui.template_bytes(f"{form_sha256(form)}:{card.profile}", [card]),
            file_name=corrected_filename(form),
            mime=_ui.XLSX_MIME,
            type="primary",
            icon=":material/download:",
            on_click="ignore",
            key="download_template",
        )
        st.caption("写入计算得分与总分；灰色单元格锁定，白色单元格可填写。")
    with c2:
        unit, year = form.header.unit, form.header.year
        if not unit:
            st.caption("该表没有实施单位，无法打包下载本单位的表。")
            return
        how = st.radio(
            "本单位全部现行表",
            ["一个工作簿（每表一页）", "压缩包（每表一个文件）"],
            key="bundle_kind",
            horizontal=True,
        )
        as_zip = how.startswith("压缩包")
        s = _ui.store()

        def bundle() -> bytes:  # built only when clicked (deferred download)
            cards = s.current_scorecards(year or None, unit)
            if not cards:
                return b""
            return templates_zip(cards) if as_zip else write_template(cards)

        st.download_button(
            f"下载 {plain(unit)} {year or ''} 年度全部现行表" + ("（.zip）" if as_zip else "（.xlsx）"),
            data=bundle,
            file_name=file_name(
                [name_part(unit, 60), name_part(year or "全部", 20), "自评表"],
                ".zip" if as_zip else ".xlsx",
                fallback="自评表",
            ),
            mime="application/zip" if as_zip else _ui.XLSX_MIME,
            icon=":material/folder_zip:" if as_zip else ":material/download:",
            on_click="ignore",
            key="download_unit",
        )
        st.caption("取自数据库中的现行版本（未保存的修改不包括在内）。")


def _save(who, card, edited: list[int]) -> None:
    if not _ui.allowed("save"):
        return
    st.markdown("#### 保存")
    unit_ok = who.sees_unit(card.form.header.unit)
    if not unit_ok:
        st.caption("该表不属于您负责的单位，不能保存。")
    clicked = st.button(
        "保存为新版本", type="primary", icon=":material/save:", disabled=not unit_ok, key="save_version"
    )
    for kind, text in st.session_state.pop("edit_saved", []):
        getattr(st, kind)(text)
    session = st.session_state[SESSION]
    errors = [i for i in card.issues if i.severity == "error"]
    if clicked:
        if not edited and session["source_id"].startswith("db:"):
            st.info("没有修改，无需保存。")
            return
        if errors:  # ask first: a version with errors becomes the current one
            st.session_state["edit_confirm"] = form_sha256(card.form)
            clicked = False
    if not clicked and st.session_state.get("edit_confirm"):
        if st.session_state["edit_confirm"] != form_sha256(card.form) or not errors:
            st.session_state.pop("edit_confirm", None)  # edited since: ask again on the next click
            return
        with st.container(border=True):
            st.warning(
                f"该表还有 {len(errors)} 个错误，保存后将成为现行版本，总览和项目详情会显示这些错误：",
                icon=":material/report:",
            )
            for issue in errors[:8]:
                st.markdown(f"- {plain(issue.message)}")
            if len(errors) > 8:
                st.caption(f"另有 {len(errors) - 8} 个错误，见上方问题清单。")
            c1, c2 = st.columns(2)
            confirmed = c1.button("仍然保存", key="save_anyway", type="primary", icon=":material/save:")
            if c2.button("返回修改", key="save_cancel"):
                st.session_state.pop("edit_confirm", None)
                st.rerun()
        if not confirmed:
            return
        st.session_state.pop("edit_confirm", None)
    elif not clicked:
        return
    name = card.form.header.project_name or card.form.header.project_code
    try:
        saved = _ui.store().save(
            [card],
            source_name=f"在线编辑：{name}",
            data=None,
            kind="editor",
            origin="editor",
            submitted_by=who.name,
        )
    except Exception as exc:
        st.error(f"保存失败：{plain(exc)}")
        return
    _ui.invalidate()
    if saved.duplicates:
        st.info("与已保存的版本内容完全相同，未重复保存。")
        return
    new_id = saved.stored[0]
    st.session_state["edit_saved"] = [
        (
            "success",
            f"已保存为新版本（总分 {fmt.points(card.total)}，{card.grade or '未定级'}）。可以送审了。",
        )
    ]
    # the stored version is what is edited (and sent to review) from now on
    choose(card.form.header.project_code, card.form.header.year)
    st.session_state[_ui.EDIT_REQUEST] = {"kind": "db"}
    _restart(session, card.form, f"db:{new_id}")
    st.rerun()


_ui.guarded(main)
