"""上传评分: drop files or paste text, see every form scored at once, save the batch in one click.

A text may hold hundreds of forms: the summary table lists them all, the detail (issues, indicator
grid, template download) is shown a page of PAGE_SIZE forms at a time, and a template is written only
when its download is clicked (a deferred download), so the page stays bounded whatever the upload."""

from __future__ import annotations

import functools
import hashlib

import pandas as pd
import streamlit as st

from selfeval import fmt
from selfeval.access import administrators
from selfeval.present.markdown import plain
from selfeval.profile import AUTO
from selfeval.readers.limits import DEFAULT_LIMITS, UPLOAD_MB, size_text
from selfeval.template import template_filename, write_template
from selfeval.uploads import release, score_batch
from views import _sidebar, _ui
from views._picker import choose

PASTE_NAME = "粘贴文本.txt"
PAGE_SIZE = 20  # forms shown in detail at once; the summary table lists every form
SAVED_KEY = "upload_saved"  # digests of files stored (or found already stored): the editor opens the store's
SCORED_KEY = "_upload_scored"  # (sha256, profile) -> scored result, of the current batch only
GENERATION_KEY = "_upload_generation"  # a new uploader widget (emptied) once a batch is stored
STORED_KEY = "_upload_stored"  # the stored batch's results without their bytes, shown until the next upload


def main() -> None:
    who = _ui.require_page("upload")
    _ui.require("upload", "上传自评表")
    _ui.warm_reader()
    profile = _sidebar.profile()
    st.title("上传评分")
    st.caption(
        "上传预算管理一体化系统导出的项目支出绩效自评表（.xlsx / .xls）、公开的 PDF（可复制文字的，非扫描件），或导出的文本（.txt、.csv），也可直接粘贴表格。上传后立即按所选评分规则逐项计算，并列出全部问题。"
    )

    tab_files, tab_text = st.tabs(["上传文件", "粘贴文本"])
    with tab_files:
        # no `type=` filter: the browser's refusal of a .docx is an English tooltip on a red icon;
        # every file is read instead, and what is not a form is refused in Chinese, in the page
        files = st.file_uploader(
            "选择或拖入文件（可多选）",
            accept_multiple_files=True,
            key=f"uploads_{st.session_state.get(GENERATION_KEY, 0)}",
            help=f"自评表 Excel（.xlsx、.xls）、可复制文字的 PDF 或文本（.txt、.csv）；单个文件不超过 {UPLOAD_MB} MB，"
            f"一次最多 {DEFAULT_LIMITS.max_upload_files} 个文件、合计 {size_text(DEFAULT_LIMITS.max_session_bytes)}。"
            "其他类型的文件、含宏、加密或超大工作表的文件会被拒绝并说明原因。",
        )
    with tab_text:
        st.text_area("粘贴自评表内容（从 Excel/WPS 复制整张表，或导出的文本）", key="paste_text", height=200)
        c1, c2 = st.columns([1, 5])
        if c1.button("评分粘贴内容", key="score_paste", icon=":material/calculate:"):
            text = st.session_state.get("paste_text", "").strip()
            st.session_state["pasted"] = text or None
            if not text:
                st.warning("请先粘贴内容。")
        if st.session_state.get("pasted") and c2.button("清除粘贴内容"):
            st.session_state["pasted"] = None

    inputs = [(f.name, f.getvalue()) for f in files or []]
    if st.session_state.get("pasted"):
        inputs.append((PASTE_NAME, st.session_state["pasted"].encode("utf-8")))
    profile_name = profile.name if profile is not None else AUTO  # None: each form's own choice
    if not inputs:
        release(_scored())  # the batch was abandoned (or stored): its results go with it
        results = st.session_state.get(STORED_KEY)  # the batch just stored, without its bytes
        if not results:
            st.info("请上传自评表文件或粘贴内容。", icon=":material/upload_file:")
            _last_save()
            return
    else:
        st.session_state.pop(STORED_KEY, None)
        results = _score_all(inputs, profile_name)
        _flag_refusals(results)
        st.session_state[_ui.UPLOAD_BATCH] = {
            r["digest"]: {"name": r["name"], "kind": r["kind"], "profile": profile_name, "cards": r["cards"]}
            for r in results
            if r["cards"]
        }
    _summary(who, results, stored=not inputs)
    for r in results:
        _file_problems(r)
    _form_pages(results, profile_name)


def _scored() -> dict:
    """This session's scored results of its current batch (selfeval.uploads keeps them pruned)."""
    return st.session_state.setdefault(SCORED_KEY, {})


def _score_all(inputs: list[tuple[str, bytes]], profile_name: str) -> list[dict]:
    """Every file read and scored by selfeval.uploads.score_batch, which bounds what one upload may
    hand the readers (files, bytes) and keeps the results of this batch only."""
    progress = st.progress(0.0, text="正在读取与评分……")

    def step(n: int, total: int, name: str) -> None:
        progress.progress((n - 1) / total, text=f"正在读取与评分：{name}（{n}/{total}）")

    batch = score_batch(inputs, profile_name, _ui.score_one, _scored(), progress=step)
    progress.progress(1.0, text=f"已完成 {len(inputs)} 个文件的读取与评分。")
    return [
        {
            "name": r.name,
            "data": r.data,
            "digest": r.digest,
            "cards": r.cards,
            "problems": r.problems,
            "kind": r.kind,
        }
        for r in batch
    ]


def _release_batch(results: list[dict]) -> None:
    """The batch is stored: its files leave the uploader (a new widget) and its scored results and
    the editor's unsaved copy are dropped, so the session holds none of its bytes; what it read stays
    on the page (its forms now open as the stored versions) until the next upload."""
    st.session_state[GENERATION_KEY] = st.session_state.get(GENERATION_KEY, 0) + 1
    st.session_state["pasted"] = None
    st.session_state.pop(_ui.UPLOAD_BATCH, None)
    st.session_state[STORED_KEY] = [{**r, "data": b""} for r in results]
    release(_scored())


def _flag_refusals(results: list[dict]) -> None:
    """Each form this person could not save (another unit's, or a project another unit owns), with
    the store's reason — known at upload, not at 保存 (`r["refused"]`: card index -> reason)."""
    cards = [(r, i, card) for r in results for i, card in enumerate(r["cards"])]
    if not cards or not _ui.allowed("save"):
        for r in results:
            r["refused"] = {}
        return
    reasons = _ui.store().refusals([card.form.header for _, _, card in cards])
    for r in results:
        r["refused"] = {}
    admins = administrators()
    ask = f"（管理员：{'、'.join(admins)}）" if admins else ""
    for (r, i, _), reason in zip(cards, reasons, strict=True):
        if reason:
            r["refused"][i] = reason + ask


def _summary(who, results: list[dict], stored: bool = False) -> None:
    rows, number = [], 0
    for r in results:
        if not r["cards"]:
            rows.append(
                {
                    "序号": None,
                    "文件": r["name"],
                    "项目名称": "（无法读取）",
                    "项目编码": "",
                    "计算总分": None,
                    "申报总分": None,
                    "等级": "",
                    "错误": len(r["problems"]),
                    "警告": 0,
                }
            )
        for i, card in enumerate(r["cards"]):
            number += 1
            rows.append(
                {
                    "序号": number,
                    "文件": r["name"],
                    "项目名称": card.form.header.project_name,
                    "项目编码": card.form.header.project_code,
                    "计算总分": card.total,
                    "申报总分": card.form.declared_total,
                    "等级": card.grade or "",
                    "错误": card.errors,
                    "警告": card.warnings,
                    "可否保存": "不能保存：见下方说明" if i in r["refused"] else "",
                }
            )
    forms = sum(len(r["cards"]) for r in results)
    bad = [r for r in results if not r["cards"]]
    st.markdown(
        f"共 **{len(results)}** 个文件，识别出 **{forms}** 张自评表"
        + (f"，**{len(bad)}** 个文件无法读取。" if bad else "。")
    )
    _save(who, results, stored)
    _ui.dataframe(
        pd.DataFrame(rows),
        height=min(38 + 35 * len(rows), 320),
        hide_index=True,
        placeholder="—",
        width="stretch",
        column_config={"计算总分": _ui.points_column("计算总分"), "申报总分": _ui.points_column("申报总分")},
    )


def _save(who, results: list[dict], stored: bool = False) -> None:
    savable = [r for r in results if r["cards"]]
    can_save = _ui.allowed("save")
    clicked = st.button(
        "保存到数据库",
        key="save_upload",
        type="primary",
        icon=":material/save:",
        disabled=stored or not savable or not can_save,
        help="已保存；再次上传文件可继续。" if stored else None if can_save else "您的角色无权保存。",
    )
    if clicked:
        messages = []
        s = _ui.store()
        for r in savable:
            cards = [c for i, c in enumerate(r["cards"]) if i not in r["refused"]]
            for reason in dict.fromkeys(r["refused"].values()):
                messages.append(("warning", f"{plain(r['name'])}：未保存——{plain(reason)}"))
            if not cards:
                continue
            try:
                saved = s.save(
                    cards,
                    source_name=r["name"],
                    data=r["data"],
                    kind=r["kind"] or "text",
                    origin="upload",
                    submitted_by=who.name,
                )
            except Exception as exc:
                messages.append(
                    ("error", f"{plain(r['name'])}：保存失败（{plain(exc)}），该文件的表均未保存。")
                )
                continue
            parts = [f"新保存 {len(saved.stored)} 张"]
            if saved.new_versions:
                parts.append(f"其中 {len(saved.new_versions)} 张为已有项目的新版本")
            if saved.duplicates:
                names = "、".join(plain(d.project_name or d.project_code) for d in saved.duplicates)
                parts.append(f"{len(saved.duplicates)} 张与已保存内容完全相同，未重复保存（{names}）")
            messages.append(
                ("success" if saved.stored else "info", f"{plain(r['name'])}：" + "；".join(parts) + "。")
            )
            st.session_state.setdefault(SAVED_KEY, set()).add(r["digest"])
        _ui.invalidate()
        st.session_state["last_save"] = messages
        # every form stored (or already stored): the batch is done and leaves the session; a form
        # refused or a file that failed stays, to be opened in 在线编辑 and corrected
        if not any(kind == "error" for kind, _ in messages) and not any(r["refused"] for r in savable):
            _release_batch(results)
            st.rerun()  # the page again without the stored batch: the uploader empty, the messages shown
    _last_save()


def _last_save() -> None:
    for kind, text in st.session_state.get("last_save") or []:
        getattr(st, kind)(text)


def _form_pages(results: list[dict], profile_name: str) -> None:
    """Every form's detail, PAGE_SIZE forms a page (a selector when there is more than one page)."""
    forms = [(r, i, card) for r in results for i, card in enumerate(r["cards"])]
    if not forms:
        return
    pages = -(-len(forms) // PAGE_SIZE)
    page = 1
    if pages > 1:
        batch = hashlib.sha256("|".join(r["digest"] for r in results).encode()).hexdigest()[:12]
        page = st.selectbox(
            "查看明细",
            range(1, pages + 1),
            format_func=lambda p: (
                f"第 {p} / {pages} 页（第 {(p - 1) * PAGE_SIZE + 1}–{min(p * PAGE_SIZE, len(forms))} 张，"
                f"共 {len(forms)} 张）"
            ),
            key=f"upload_page_{batch}",
        )
        st.caption(f"每页显示 {PAGE_SIZE} 张表的明细；全部表的得分见上方汇总表，按「序号」翻到对应页。")
    start = (page - 1) * PAGE_SIZE
    for n, (r, i, card) in enumerate(forms[start : start + PAGE_SIZE], start=start + 1):
        _form_result(r, i, card, profile_name, number=n if pages > 1 else None, single=len(forms) == 1)


def _file_problems(r: dict) -> None:
    """A file that could not be read (an error), or the parts of a read file that could not."""
    if not r["cards"]:
        st.error(f"**{plain(r['name'])}** 无法读取，其他文件不受影响。", icon=":material/block:")
        for p in r["problems"]:
            st.markdown(f"- {plain(p.message)}（位置：{plain(p.location)}）")
        return
    if r["problems"]:
        with st.expander(
            f"{plain(r['name'])}：部分内容无法读取（{len(r['problems'])} 条）", icon=":material/warning:"
        ):
            for p in r["problems"]:
                st.markdown(f"- {plain(p.message)}（位置：{plain(p.location)}）")


def _form_result(r: dict, i: int, card, profile_name: str, *, number: int | None, single: bool) -> None:
    """One form's detail; its template is written only when the download is clicked."""
    h = card.form.header
    label = (
        (f"{number}. " if number else "")
        + f"{plain(h.project_name) or '（未命名）'} — {fmt.points(card.total)} 分（{card.grade or '未定级'}）"
        f" · 错误 {card.errors} · 警告 {card.warnings} · 文件 {plain(r['name'])}"
        + (f" 第 {i + 1} 张" if len(r["cards"]) > 1 else "")
    )
    with st.expander(label, expanded=single, icon=":material/description:"):
        st.caption(
            f"文件 {plain(r['name'])} · 工作表 {plain(card.form.sheet)} · 项目编码 "
            f"{plain(h.project_code) or '—'} · {plain(h.unit) or '—'} · {plain(h.year) or '—'} 年度"
        )
        cols = st.columns(4)
        cols[0].metric(
            "计算总分",
            fmt.points(card.total),
            _ui.score_delta(card.total, card.form.declared_total),
            delta_color="off",
            border=True,
        )
        cols[1].metric("申报总分", fmt.points(card.form.declared_total), border=True)
        cols[2].metric("等级", card.grade or "—", border=True)
        cols[3].metric("预算执行率", fmt.pct(card.rate), border=True)
        if i in r["refused"]:
            st.error(plain(r["refused"][i]), icon=":material/block:")
        _ui.show_issues(card.issues, key=f"{r['digest'][:12]}_{i}")
        st.markdown("**指标明细**")
        _ui.indicator_grid(card, key=f"{r['digest'][:12]}_{i}")
        c1, c2 = st.columns([1, 1])
        if _ui.allowed("download"):
            c1.download_button(
                "下载导入模板（.xlsx）",
                data=functools.partial(write_template, [card]),  # written on click only
                file_name=template_filename(card.form),
                mime=_ui.XLSX_MIME,
                icon=":material/download:",
                on_click="ignore",
                key=f"dl_{r['digest'][:12]}_{i}",
            )
        if _ui.allowed("edit") and c2.button(
            "在线编辑", key=f"edit_{r['digest'][:12]}_{i}", icon=":material/edit_note:"
        ):
            if r["digest"] in st.session_state.get(
                SAVED_KEY, ()
            ):  # saved: edit (and send) the stored version
                choose(h.project_code, h.year)
                st.session_state[_ui.EDIT_REQUEST] = {"kind": "db"}
            else:
                st.session_state[_ui.EDIT_REQUEST] = {"kind": "upload", "digest": r["digest"], "index": i}
            st.switch_page(_ui.PAGES["editor"].path)


_ui.guarded(main)
