"""在线编辑's actions: save the edited form as a new version (asking first when it still has errors)
and download the corrected template or the unit's current forms."""

from __future__ import annotations

import streamlit as st

from selfeval import fmt
from selfeval.edit import corrected_filename, templates_zip
from selfeval.names import file_name, name_part
from selfeval.present.markdown import plain
from selfeval.serialize import form_sha256
from selfeval.template import write_template
from views import _ui
from views._edit_source import SESSION, restart
from views._picker import choose


def downloads(card) -> None:
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


def save_button(who, card, edited: list[int]) -> None:
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
    restart(session, card.form, f"db:{new_id}")
    st.rerun()
