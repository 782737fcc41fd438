"""What every page shares: the principal, the store (one connection per process), cached queries,
scoring of uploads, access checks and small renderers (the sidebar's filters and profile:
views/_sidebar.py).

Caching: the store is a `st.cache_resource` per database path; store queries go through `cached`
(`st.cache_data` keyed on the store, the principal, the data version and the arguments); an upload's
scored results live in its session, keyed on the sha256 of its bytes plus the profile name, only as
long as its batch (selfeval.uploads).
"""

from __future__ import annotations

import dataclasses
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from streamlit.runtime.scriptrunner import get_script_run_ctx

from selfeval import fmt
from selfeval.access import ROLE_LABELS, Principal, RolesError, can, may_open, resolve_principal
from selfeval.ingest import score_bytes
from selfeval.messages import SEVERITY_LABELS
from selfeval.model import Issue, Scorecard
from selfeval.present.frames import (
    INDICATOR_COLUMNS,
    SEVERITY_ORDER,
    indicator_table,
    issues_by_severity,
    issues_table,
    safe_frame,
)
from selfeval.present.markdown import plain
from selfeval.profile import profile_for
from selfeval.store import StoreError, default_db
from selfeval.template import write_template

EMPTY = "尚无数据，请先上传自评表"
LOCAL_BANNER = "本地模式：未启用登录，仅限本机访问（其他电脑打开本应用只会看到如何配置登录的说明）"
REMOTE_PAGE = """本应用尚未配置登录，只允许在运行它的电脑上（本机地址 127.0.0.1）使用；您从其他电脑访问，因此不显示任何内容。

请管理员按说明文档（README 的 “Access” 一节）配置登录后再从其他电脑访问：

- 使用单位的统一身份认证（OIDC）：在 `.streamlit/secrets.toml` 中配置 `[auth]`；或
- 由单位的登录代理转发用户身份：设置 `SELFEVAL_TRUSTED_HEADER`（例如 `X-Forwarded-Email`），并用 `SELFEVAL_TRUSTED_PROXIES` 列出代理的地址（默认 127.0.0.1,::1）；
- 在 `data/roles.toml`（或 `SELFEVAL_ROLES` 指定的文件）中为每位用户设置角色和负责单位。"""
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# session keys that carry something from one page to another (each page's own keys live in the page)
UPLOAD_BATCH = "upload_batch"  # 上传评分 -> 在线编辑: digest -> {"name", "kind", "profile", "cards"}
EDIT_REQUEST = "edit_request"  # -> 在线编辑: {"kind": "upload", "digest", "index"} or {"kind": "db"}
SEVERITY_ICONS = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str
    title: str
    icon: str
    url_path: str


PAGES: dict[str, PageSpec] = {
    "overview": PageSpec("overview", "views/overview.py", "总览", ":material/dashboard:", "overview"),
    "project": PageSpec("project", "views/project.py", "项目详情", ":material/description:", "project"),
    "upload": PageSpec("upload", "views/upload.py", "上传评分", ":material/upload_file:", "upload"),
    "editor": PageSpec("editor", "views/editor.py", "在线编辑", ":material/edit_note:", "editor"),
    "review": PageSpec("review", "views/review.py", "审核", ":material/fact_check:", "review"),
}


# ------------------------------------------------------------------------------------------ who


def auth_configured() -> bool:
    """`[auth]` in .streamlit/secrets.toml: sign-in by st.login (OIDC) is on."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def client_address() -> str | None:
    """The peer's IP address. Streamlit reports loopback clients (127.0.0.1, ::1) as None, and a
    session always has its client: None is this computer (as is AppTest's stand-in, not a string)."""
    ip = st.context.ip_address
    return ip if isinstance(ip, str) and ip else "127.0.0.1"


def principal() -> Principal:
    """The person behind this session (st.user when signed in, else a trusted proxy header).
    With sign-in configured, nobody signed in is nobody: never the local default.

    Only while a page is drawn: a download's data built later runs outside the script run, where
    there is no session to ask, and must use what the page captured (`store()`'s result)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        raise RuntimeError("principal() outside a script run: capture the store while the page is drawn")
    if "_principal" not in st.session_state:
        user = st.user.to_dict() if st.user.get("is_logged_in") else None
        try:
            who = resolve_principal(
                user, st.context.headers, client_address=client_address(), auth_configured=auth_configured()
            )
        except RolesError as exc:  # deny by default: a role file with a mistake lets nobody in
            print(f"selfeval: {exc}", file=sys.stderr)
            st.error(exc.page(), icon=":material/gpp_bad:")
            st.stop()
        if user is None and auth_configured():
            return who  # not kept: signing in starts a fresh session anyway
        st.session_state["_principal"] = who
    return st.session_state["_principal"]


def require_page(page: str) -> Principal:
    """Stop with a message when this person may not open `page` (reached by URL despite the menu)."""
    who = principal()
    if not may_open(who, page):
        st.error(f"您的角色（{ROLE_LABELS.get(who.role, who.role)}）无权访问“{PAGES[page].title}”页面。")
        st.stop()
    return who


def allowed(action: str) -> bool:
    return can(principal(), action)


def require(action: str, what: str) -> None:
    if not allowed(action):
        st.error(f"您的角色无权{what}。")
        st.stop()


@st.cache_resource
def warm_reader() -> None:
    """Start the sandboxed reading pool once per server process, in the background, when someone
    opens a page that reads files: their first upload then does not wait for it (~0.5 s)."""
    from selfeval.readers import sandbox

    sandbox.warm()


# ------------------------------------------------------------------------------------------ store


@st.cache_resource(show_spinner="正在打开数据库……")
def _open_store(path: str):
    from selfeval.sample import open_seeded_store

    return open_seeded_store(path)


def store(basis: str = "latest"):
    """The process's one store on $SELFEVAL_DB (a DuckDB file, data/selfeval.duckdb by default, or
    a postgresql:// URL), acting as this session's principal: every read and write is filtered by
    their units in the library. `basis="approved"` reads only approved versions (总览's switch).
    Stops the page with a Chinese message when it cannot be opened.

    Call it while the page is drawn and keep what it returns: a download's data is built later,
    outside the script run, where nobody is signed in (principal() refuses there)."""
    location = default_db()
    try:
        scoped = _open_store(location).scoped(principal())
        return scoped.with_basis(basis) if basis != "latest" else scoped
    except StoreError as exc:
        st.error(plain(exc))
    except Exception as exc:  # a broken file: say which and why, never a traceback
        st.error(plain(f"无法打开数据库 {location}：{type(exc).__name__}: {exc}"))
    st.stop()


def data_version() -> tuple[int, ...]:
    """Changes whenever a save, a restore or a review step changes what pages show: the cache key
    of queries. A few numbers whatever the size of the store, so hashing it costs nothing."""
    return store().data_version()


_VERSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # store -> (writes seen, version)
_writes = [0]  # invalidate() calls in this process: a version read before one is asked again


def version_of(s) -> tuple[int, ...]:
    """`s.data_version()` asked once per store from `store()` (one a page run; a page asks before
    each of a few dozen cached reads), and again after any write of this process (`invalidate`):
    another session's save shows on the next run, this session's at once."""
    seen = _VERSIONS.get(s)
    if seen is None or seen[0] != _writes[0]:
        seen = _VERSIONS[s] = (_writes[0], tuple(s.data_version()))
    return seen[1]


@st.cache_data(max_entries=256, show_spinner=False)
def _cached(key: tuple, args: tuple, kwargs: tuple, _method: Callable[..., Any]) -> Any:
    return _method(*args, **dict(kwargs))


def cached(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`method(*args, **kwargs)`, a query of a store from `store()` (`cached(s.project_row, sid)`),
    through the data cache: keyed on the store's location, principal (name, role, units), basis and
    data version and the query's name, so two people never share an entry and a save shows at once."""
    s = method.__self__  # type: ignore[attr-defined]
    key = (s.path, dataclasses.astuple(s.who), s.basis, version_of(s), method.__name__)
    return _cached(key, args, tuple(sorted(kwargs.items())), method)


@st.cache_resource(max_entries=128, show_spinner=False)
def _built(key: tuple, _make: Callable[[], Any]) -> Any:
    return _make()


def built(s, name: str, *scope: Any, make: Callable[[], Any]) -> Any:
    """`make()` (what a page derives from cached queries: a chart, a list of reasons) computed once
    per store, principal, basis, data version, `name` and `scope`, like `cached`'s entries; kept
    as the object itself (never copied), so what it returns must not be changed."""
    key = (name, s.path, dataclasses.astuple(s.who), s.basis, version_of(s), *scope)
    return _built(key, make)


def chart(s, name: str, *scope: Any, make: Callable[[], Any], **options: Any) -> None:
    """The Altair chart `make()` builds, drawn with `options` (st.vega_lite_chart's). The chart is
    built and converted to its Vega-Lite spec (validated, its data serialised) once per key of
    `built`: st.altair_chart converts it again on every rerun, which costs more than the cached
    queries under it. The conversion is the one st.altair_chart uses, so the chart is the same."""
    spec = built(s, f"chart:{name}", *scope, make=lambda: _convert_altair_to_vega_lite_spec(make()))
    st.vega_lite_chart(spec=spec, **options)


def invalidate() -> None:
    """After a write: the version key changes by itself (asked again: version_of); this only
    drops stale entries early."""
    _writes[0] += 1
    _cached.clear()


# ------------------------------------------------------------------------------------------ tables


def dataframe(data: pd.DataFrame, **kwargs: Any) -> Any:
    """st.dataframe over the frame with its formula-like cells neutralised (present.frames.safe_frame):
    the table's own "Download as CSV" writes cells unchanged. Every page's table goes through here."""
    return st.dataframe(safe_frame(data), **kwargs)


# ------------------------------------------------------------------------------------------ scoring


def score_one(
    data: bytes, name: str, profile_name: str
) -> tuple[tuple[Scorecard, ...], tuple[Issue, ...], str]:
    """(scorecards, problems, kind) of one uploaded file, read in the sandbox. Not cached here: the
    upload page keeps its batch's results in the session (selfeval.uploads.score_batch), released
    with the batch, never in a process-wide cache keyed on bytes."""
    return score_bytes(data, name, profile_for(profile_name))  # type: ignore[arg-type]  # None: auto


@st.cache_data(max_entries=64, show_spinner=False)
def _template_cached(key: str, _cards: tuple[Scorecard, ...]) -> bytes:
    return write_template(list(_cards))


def template_bytes(key: str, cards: tuple[Scorecard, ...] | list[Scorecard]) -> bytes:
    """The import template of these scorecards, cached on a key naming their content."""
    return _template_cached(key, tuple(cards))


# ------------------------------------------------------------------------------------------ render


def money_column(label: str, wan: bool = False) -> Any:
    return st.column_config.NumberColumn(label, format="%,.2f 万元" if wan else "%,.2f")


def points_column(label: str, help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format="%.2f", help=help)


def rate_column(label: str = "执行率") -> Any:
    return st.column_config.NumberColumn(label, format="%.2f%%")


def show_issues(issues: tuple[Issue, ...] | list[Issue], *, expanded: bool = True, key: str = "") -> None:
    """Issues grouped by severity, each with its location; a success note when there are none."""
    if not issues:
        st.success("未发现问题。", icon=":material/check_circle:")
        return
    groups = issues_by_severity(issues)
    counts = "，".join(f"{SEVERITY_LABELS[s]} {len(groups[s])} 条" for s in SEVERITY_ORDER if s in groups)
    st.markdown(f"**问题清单**：{counts}")
    for sev in SEVERITY_ORDER:
        if sev not in groups:
            continue
        with st.expander(
            f"{SEVERITY_LABELS[sev]}（{len(groups[sev])}）",
            expanded=expanded and sev != "info",
            icon=SEVERITY_ICONS[sev],
        ):
            dataframe(
                issues_table(groups[sev]).drop(columns="级别"),
                hide_index=True,
                placeholder="—",
                width="stretch",
                column_config={"说明": st.column_config.TextColumn("说明", width="large")},
                key=f"issues_{key}_{sev}" if key else None,
            )


def grade_badge(grade: str | None) -> str:
    colors = {"优": "green", "良": "blue", "中": "orange", "差": "red"}
    return f":{colors.get(grade or '', 'gray')}-badge[{grade or '未定级'}]"


def score_delta(computed: float | None, declared: float | None) -> str | None:
    """ "申报 99.86" style delta text for metrics, None when equal or unknown."""
    if computed is None or declared is None or abs(computed - declared) < 0.005:
        return None
    return f"{computed - declared:+.2f}（申报 {fmt.points(declared)}）"


def empty_state(message: str = EMPTY) -> None:
    st.info(message, icon=":material/inbox:")
    if allowed("upload"):
        st.page_link(PAGES["upload"].path, label="前往上传评分", icon=":material/upload_file:")


def guarded(main: Callable[[], None]) -> None:
    """Run a page; any unexpected error becomes a Chinese message instead of a traceback."""
    try:
        main()
    except StoreError as exc:
        st.error(str(exc))
    except Exception as exc:
        st.error(
            f"页面出错：{plain(type(exc).__name__)}: {plain(exc)}。请刷新页面重试；如果问题持续，请联系管理员。"
        )


def indicator_grid(card, *, key: str) -> None:
    """The scored indicator rows with rule and explanation: one table, the same on every page."""
    dataframe(
        indicator_table(card),
        hide_index=True,
        placeholder="—",
        width="stretch",
        column_order=[c for c in INDICATOR_COLUMNS if c != "位置"] + ["位置"],
        column_config={
            "一级指标": st.column_config.TextColumn("一级指标", width=80),
            "二级指标": st.column_config.TextColumn("二级指标", width=110),
            "年度指标值": st.column_config.TextColumn("年度指标值", width=110),
            "实际完成值": st.column_config.TextColumn("实际完成值", width=110),
            "规则": st.column_config.TextColumn("规则", width=130),
            "分值": points_column("分值"),
            "申报得分": points_column("申报得分", "原表填报的得分"),
            "计算得分": points_column("计算得分", "按评分规则重新计算的得分"),
            "评分说明": st.column_config.TextColumn("评分说明", width="large"),
            "偏差原因分析及改进措施": st.column_config.TextColumn("偏差原因分析及改进措施", width="medium"),
        },
        key=f"indicators_{key}",
    )
