"""The app's pure helpers: number formatting (selfeval.present.fmt), the tables (selfeval.present.frames)
and the editor's logic (selfeval.edit), without Streamlit."""

from __future__ import annotations

import io
import math
import zipfile

import pytest

from selfeval import edit as _edit
from selfeval import fmt
from selfeval.model import Issue
from selfeval.present import frames as _frames
from selfeval.present.markdown import plain
from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from selfeval.verdicts import verdict
from tests.app_support import seed_card, seed_cards


@pytest.mark.parametrize(
    ("fn", "value", "text"),
    [
        (fmt.yuan, 1234567.891, "1,234,567.89 元"),
        (fmt.yuan, 0, "0.00 元"),
        (fmt.yuan, 9.865, "9.87 元"),  # half-up, like the rules
        (fmt.wan, 1234567.89, "123.46 万元"),
        (fmt.wan, 16872200, "1,687.22 万元"),
        (fmt.pct, 98.63, "98.63%"),
        (fmt.pct, 100, "100.00%"),
        (fmt.points, 9.86, "9.86"),
        (fmt.points, 12.5, "12.50"),
        (fmt.count, 13, "13"),
        (fmt.number, -0.001, "0.00"),
    ],
)
def test_fmt(fn, value, text):
    assert fn(value) == text


@pytest.mark.parametrize("fn", [fmt.yuan, fmt.wan, fmt.pct, fmt.points, fmt.count, fmt.number])
@pytest.mark.parametrize("missing", [None, math.nan, float("nan")])
def test_fmt_missing_is_a_dash(fn, missing):
    assert fn(missing) == "—"


def test_indicator_table_has_declared_and_computed_with_rule_labels():
    card = seed_card("职工疗休养")
    table = _frames.indicator_table(card)
    assert list(table.columns) == _frames.INDICATOR_COLUMNS
    row = table[table["三级指标"] == "服务干部人数"].iloc[0]
    assert (row["分值"], row["申报得分"], row["计算得分"]) == (12.5, 6.5, 6.5)
    assert row["规则"] == "正向指标（未达标）"
    assert "按比例" in row["评分说明"]
    assert table[table["三级指标"] == "不适用"]["规则"].unique().tolist() == ["不适用"]


@pytest.mark.parametrize(
    ("rule", "label"),
    [
        ("positive.over", "正向指标（超额扣分）"),
        ("positive.over_review", "正向指标（超额复核）"),
        ("reverse.full", "反向指标（达标）"),
        ("date.late.部分达成", "时间指标（逾期）"),
        ("qualitative.达成", "定性指标"),
        ("na", "不适用"),
        ("", "—"),
    ],
)
def test_rule_label(rule, label):
    assert verdict(rule).label == label


def test_funds_table_total_line_carries_rate_and_score():
    card = seed_card("劳模管理")
    table = _frames.funds_table(card)
    total = table.iloc[0]
    assert total["全年预算数（元）"] == 350000.0
    assert (total["分值"], total["执行率（%）"], total["得分"]) == (10.0, 98.63, 9.86)
    assert table.iloc[1:]["得分"].isna().all()


def test_issues_grouped_by_severity_in_order():
    issues = [
        Issue("A", "info", "S!A1", "提示"),
        Issue("B", "error", "S!B2", "错误"),
        Issue("C", "warning", "S!C3", "警告"),
        Issue("D", "error", "S!D4", "错误2"),
    ]
    groups = _frames.issues_by_severity(issues)
    assert list(groups) == ["error", "warning", "info"]
    assert [i.code for i in groups["error"]] == ["B", "D"]
    table = _frames.issues_table(issues)
    assert table["级别"].tolist() == ["错误", "错误", "警告", "提示"]
    assert table["位置"].tolist() == ["S!B2", "S!D4", "S!C3", "S!A1"]


def test_editor_frame_has_grey_then_white_columns():
    card = seed_card("职工疗休养")
    frame = _edit.editor_frame(card.form)
    assert list(frame.columns) == [*_edit.GREY_COLUMNS, *_edit.WHITE_COLUMNS]
    assert len(frame) == len(card.form.indicators)
    assert frame["分值"].dtype == "float64"


def test_apply_edits_changes_only_white_cells_and_rescoring_follows():
    card = seed_card("职工疗休养")
    row = next(i for i, s in enumerate(card.indicators) if s.indicator.name == "服务干部人数")
    state = {
        "edited_rows": {row: {"实际完成值": "120人次", "三级指标": "改名", "得分": 12.5}},
        "added_rows": [{"三级指标": "新增"}],
        "deleted_rows": [0],
    }
    edited = _edit.apply_edits(card.form, state)
    assert card.form.indicators[row].actual == "52人次"  # the source stays as it was
    ind = edited.indicators[row]
    assert (ind.name, ind.actual, ind.declared_score) == ("服务干部人数", "120人次", 12.5)
    assert len(edited.indicators) == len(card.form.indicators)
    assert _edit.changed_rows(card.form, edited) == [row]
    assert score(edited, load_profile()).total == pytest.approx(99.7)


def test_apply_edits_accepts_cleared_numbers_and_string_keys():
    card = seed_card("劳模管理")
    edited = _edit.apply_edits(card.form, {"edited_rows": {"0": {"分值": None, "得分": ""}}})
    assert edited.indicators[0].weight is None and edited.indicators[0].declared_score is None
    assert _edit.apply_edits(card.form, None) is card.form
    assert _edit.apply_edits(card.form, {"edited_rows": {}}) is card.form


def test_drafts_for_rows_that_lost_points_without_reason():
    card = seed_card("职工疗休养")
    row = next(i for i, s in enumerate(card.indicators) if s.indicator.name == "服务干部人数")
    blank = _edit.apply_edits(card.form, {"edited_rows": {row: {"偏差原因分析及改进措施": ""}}})
    rescored = score(blank, load_profile())
    assert any(i.code == "REASON_MISSING" for i in rescored.issues)
    drafts = _edit.reason_drafts(rescored)
    assert list(drafts) == [row]
    text = drafts[row]
    assert text.startswith("1. 偏差原因：") and " 2. 改进措施：" in text
    assert ">100人次" in text and "52人次" in text
    filled = score(_edit.fill_reasons(blank, drafts), load_profile())
    assert not any(i.code == "REASON_MISSING" for i in filled.issues)
    assert _edit.reason_drafts(filled) == {}


def test_draft_for_over_achievement_says_the_target_was_low():
    card = seed_card("工会事务")
    over = next(s for s in card.indicators if s.rule.startswith("positive.over"))
    text = _edit.draft_reason(over)
    assert "指标值设置偏低" in text and "科学测算" in text


def test_templates_zip_holds_one_readable_workbook_per_form():
    cards = seed_cards()[:3]
    data = _edit.templates_zip(cards)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert len(names) == 3 and all(n.endswith(".xlsx") for n in names)
        for name, card in zip(names, cards, strict=True):
            back = read_bytes(zf.read(name), name)
            assert [f.header.project_code for f in back.forms] == [card.form.header.project_code]


def test_corrected_file_is_named_as_corrected():
    from datetime import date

    card = seed_card("职工疗休养")
    name = _edit.corrected_filename(card.form, date(2026, 11, 29))
    assert name == "440304236011500105002_职工疗休养_更正_20261129.xlsx"


def test_rescore_makes_an_edited_row_follow_the_rules_and_keeps_a_typed_score():
    card = seed_card("职工疗休养")
    profile = load_profile()
    followed = _edit.rescore(card.form, {"edited_rows": {0: {"实际完成值": "80人次"}}}, profile)
    assert followed.followed == (0,)
    assert followed.form.indicators[0].declared_score == 10.0  # 12.5 × 80/100
    assert followed.card.total == pytest.approx(97.2)
    assert not followed.differences
    typed = _edit.rescore(card.form, {"edited_rows": {0: {"实际完成值": "80人次", "得分": 12.5}}}, profile)
    assert typed.followed == () and typed.differences == {0: (12.5, 10.0)}
    adopted = score(_edit.adopt_computed(typed.form, typed.card), profile)
    assert adopted.indicators[0].indicator.declared_score == 10.0
    assert _edit.score_differences(adopted) == {}


@pytest.mark.parametrize(
    "value", [1e308, -1e308, 1e300, float("inf"), float("-inf"), float("nan"), 10**400, "x", None]
)
@pytest.mark.parametrize(
    "fn", [fmt.yuan, fmt.wan, fmt.pct, fmt.points, fmt.count, fmt.number, fmt.wan_number]
)
def test_fmt_never_raises_on_absurd_values(fn, value):
    text = fn(value)
    assert isinstance(text, str) and text and len(text) < 40


@pytest.mark.parametrize(
    "name",
    [
        "[点此重新登录](http://x)",
        "![](http://x)",
        "<img src=x>",
        ":red[假通知] :material/home:",
        "# 标题",
        "$x^2$",
    ],
)
def test_plain_escapes_every_markdown_and_html_character(name):
    escaped = plain(name)
    for ch in "[]()<>!:#$":
        assert ch not in escaped.replace("\\" + ch, "")  # every special character carries a backslash


def test_the_upload_widget_css_speaks_chinese_with_the_configured_limit():
    import tomllib

    from selfeval.readers.limits import UPLOAD_MB
    from tests.conftest import ROOT
    from views import _style

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    limit = config["server"]["maxUploadSize"]
    assert limit == UPLOAD_MB
    css = _style.css(limit)
    assert 'content: "选择文件"' in css
    assert f"每个文件不超过 {limit} MB" in css
    assert "松开鼠标即可上传" in css
    assert "stFileChip" in css  # the file chips (and their remove buttons) are left alone
    assert css.count("<style>") == 1 and css.strip().endswith("</style>")


def test_stored_times_show_in_beijing_time_everywhere():
    """The store keeps UTC; the version history, the caption and the timeline all show Beijing time."""
    import datetime as dt

    import pandas as pd

    from selfeval import fmt

    assert fmt.local_time(dt.datetime(2026, 11, 29, 16, 3)) == "2026-11-30 00:03"
    assert fmt.local_time(pd.Timestamp("2026-01-01 00:00")) == "2026-01-01 08:00"
    assert fmt.local_time(None) == fmt.local_time(pd.NaT) == fmt.local_time("junk") == "—"
    history = pd.DataFrame(
        {
            "version": [1],
            "submitted_at": [pd.Timestamp("2026-11-29 16:03")],
            "submitted_by": ["张"],
            "origin": ["upload"],
            "source_name": ["a.xlsx"],
            "total": [93.7],
            "grade": ["优"],
            "errors": [0],
            "warnings": [0],
            "current": [True],
        }
    )
    from selfeval.present.frames import history_table

    assert history_table(history)["提交时间"].tolist() == ["2026-11-30 00:03"]


def test_plain_drops_bidi_controls_so_a_name_shows_as_typed():
    assert plain("项目\u202eslx.exe\u202c（本级）\u200f") == "项目slx.exe（本级）"
