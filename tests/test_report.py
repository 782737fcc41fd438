"""The per-project 自评报告 draft: opened with python-docx, its sections, every number against the
scorecard, honest wording (no "fully achieved" with a missed target), and safe text."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfeval.report import project_report, project_reports_zip, report_filename, unique_names, unit_report
from selfeval.report import wording as w
from selfeval.report.doc import safe
from selfeval.verdicts import DRAFT_OTHER
from tests.test_report_support import (
    all_not_applicable,
    blocks,
    budget_20,
    card_figures,
    composed,
    form_texts,
    headings,
    missed_target,
    missing_amounts,
    no_total,
    rescored,
    seed,
    seed_cards,
    unknown_numbers,
    unverified_row,
)

SEED_NAMES = [c.form.header.project_name for c in seed_cards()]


def _synthetic(kind: str, tmp_path):
    return {
        "missed": missed_target,
        "no_total": no_total,
        "not_applicable": all_not_applicable,
        "missing_amounts": missing_amounts,
        "unverified": unverified_row,
        "budget_20": budget_20,
    }[kind]()


SYNTHETIC = ["missed", "no_total", "not_applicable", "missing_amounts", "unverified", "budget_20"]


def _card(case: str, tmp_path):
    return seed(case) if case in SEED_NAMES else _synthetic(case, tmp_path)


def _missed(card) -> bool:
    """The test's own reading: any applicable row not met (scored below its weight other than by the
    over-achievement deduction, unscored, unverified), or no total."""
    for s in card.indicators:
        if s.indicator.not_applicable:
            continue
        if s.score is None or not s.verified:
            return True
        if s.score < (s.indicator.weight or 0) - 0.005 and not s.rule.startswith("positive.over"):
            return True
    return card.total is None or not any(not s.indicator.not_applicable for s in card.indicators)


@pytest.mark.parametrize("case", SEED_NAMES + SYNTHETIC)
def test_every_number_is_a_figure_of_the_scorecard(case, tmp_path):
    card = _card(case, tmp_path)
    data = project_report(card)
    bad = unknown_numbers(blocks(data), card_figures(card), form_texts(card))
    assert not bad, bad[:5]


@pytest.mark.parametrize("case", SEED_NAMES + SYNTHETIC)
def test_no_fully_achieved_phrase_with_a_missed_target(case, tmp_path):
    card = _card(case, tmp_path)
    text = composed("\n".join(blocks(project_report(card))), form_texts(card))
    said = [p for p in w.FULL_PHRASES if p in text]
    if _missed(card):
        assert not said, said
    else:
        assert "均达到年度指标值" in text  # the claim is made exactly when it is true


@pytest.mark.parametrize("case", SEED_NAMES[:3] + ["missed", "no_total"])
def test_sections(case, tmp_path):
    data = project_report(_card(case, tmp_path))
    assert headings(data, 1)[:5] == list(w.H1)
    level2 = headings(data, 2)
    assert level2[:3] == list(w.H2_BASIC)
    assert level2[3:7] == list(w.H2_RESULT)
    doc = Document(io.BytesIO(data))
    indicator_table = doc.tables[1]
    assert [c.text for c in indicator_table.rows[0].cells] == list(w.TABLE_HEAD)


def test_a_project_with_a_missed_target():
    card = seed("职工疗休养")
    text = "\n".join(blocks(project_report(card)))
    assert "经自评，本项目总得分 93.70 分，自评等级为“优”。" in text
    assert (
        "2023年度项目年初预算数0.00万元，全年预算数37.00万元，全年执行数35.88万元，预算执行率96.98%。" in text
    )
    assert "项目设置的 7 个三级指标中，6 个达到年度指标值，1 个未达到。" in text
    assert "失分 6 分" in text and "12.5 × 52/100 = 6.5" in text  # the rule that took the points
    assert "偏差原因（原表填报）：组织2023年我区" in text  # the form's reason, without "1. 偏差原因："
    assert "结余1.12万元" in text
    # the indicator table: row values as the form prints them, the scorecard's scores
    table = Document(io.BytesIO(project_report(card))).tables[1]
    row = next(r for r in table.rows if r.cells[2].text == "服务干部人数")
    assert [c.text for c in row.cells[3:8]] == [">100人次", "52人次", "12.5", "6.5", "见第三部分"]
    last = table.rows[-1]
    assert (last.cells[0].text, last.cells[5].text, last.cells[6].text) == ("总分", "100", "93.70")


def test_a_drafted_reason_is_marked_for_confirmation():
    text = "\n".join(blocks(project_report(missed_target())))
    assert "偏差原因：实际完成值“52人次”低于年度指标值“>100人次”，未达到预期。" + w.TO_CONFIRM in text


def test_no_total_says_so_instead_of_a_grade():
    card = no_total()
    assert card.total is None
    text = "\n".join(blocks(project_report(card)))
    assert "总分无法核验" in text and "暂不评定等级" in text
    assert "自评等级为" not in text


def test_budget_weight_20_and_unverified_rows():
    text = "\n".join(blocks(project_report(budget_20())))
    assert "预算执行率 96.98%，按评分规则得 19.40 分（分值 20 分）。" in text
    text = "\n".join(blocks(project_report(unverified_row())))
    assert "本表核验状态为“部分核验”" in text
    assert "另有 1 个指标未核验" in text and "未核验，原表申报得分 12.5 分" in text
    assert "未核验原因：无法识别实际完成值“很多”" in text
    assert DRAFT_OTHER not in text  # declared at full weight: nothing to explain but the check


def test_missing_amounts_and_not_applicable():
    text = "\n".join(blocks(project_report(missing_amounts())))
    assert "全年执行数未填报" in text and "无法计算预算执行率" in text
    text = "\n".join(blocks(project_report(all_not_applicable())))
    assert w.INDICATOR_SETUP_NONE in text


def test_to_fill_markers_only_where_the_form_cannot_know():
    text = "\n".join(blocks(project_report(seed("劳模管理"))))
    # the draft note, background, the budget leftover's cause (35.00 budgeted, 34.52 spent), 结果应用 ×2
    assert text.count(w.TO_FILL) == 5
    assert "项目立项背景、政策依据、主要内容及实施情况：" + w.TO_FILL in text


HOSTILE = "[x](http://evil) {HYPERLINK \"http://evil\"} =cmd|' /C calc'!A0 \x01\x0b\ud800\u202e"


def test_form_text_stays_literal_text():
    card = seed("职工疗休养")
    hostile = rescored(
        card,
        header=dataclasses.replace(card.form.header, project_name=HOSTILE),
        goals=dataclasses.replace(card.form.goals, achieved=HOSTILE),
    )
    data = project_report(hostile)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
        rels = archive.read("word/_rels/document.xml.rels").decode("utf-8")
    for forbidden in ("<w:hyperlink", "fldSimple", "instrText", "fldChar", 'http://evil" TargetMode'):
        assert forbidden not in xml
    assert "evil" not in rels
    text = "\n".join(blocks(data))
    assert "[x](http://evil) {HYPERLINK \"http://evil\"} =cmd|' /C calc'!A0" in text
    assert not any(ch in text for ch in "\x01\x0b\u202e")


def test_file_names_are_distinct_and_safe():
    card = seed("劳模管理")
    evil = rescored(card, header=dataclasses.replace(card.form.header, project_name='a/b:c*?"<>|'))
    assert report_filename(card) == "2023_440304226011500000008_劳模管理_自评报告.docx"
    assert report_filename(evil) == "2023_440304226011500000008_abc_自评报告.docx"
    assert unique_names(["a.docx", "a.docx", "A.docx"], taken=["a（2）.docx"]) == [
        "a.docx",
        "a（3）.docx",
        "A（4）.docx",
    ]


def test_zip_of_a_units_reports():
    cards = seed_cards()
    data = project_reports_zip(cards + cards[:1], summary=("汇总.docx", b"x"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert len(names) == len(set(names)) == 15
        assert (
            Document(io.BytesIO(archive.read(names[1]))).paragraphs[0].text.endswith("项目支出绩效自评报告")
        )


def test_absurd_numbers_never_raise_nor_print():
    card = seed("职工疗休养")
    funds = card.form.funds
    total = dataclasses.replace(funds.total, annual_budget=float("inf"), executed=float("nan"))
    rows = tuple(
        dataclasses.replace(
            s, score=float("nan"), indicator=dataclasses.replace(s.indicator, weight=float("inf"))
        )
        for s in card.indicators[:2]
    )
    absurd = dataclasses.replace(
        card,
        form=dataclasses.replace(card.form, funds=dataclasses.replace(funds, total=total)),
        indicators=rows + card.indicators[2:],
        rate=float("nan"),
        total=float("inf"),
    )
    text = "\n".join(blocks(project_report(absurd))).lower()
    assert "nan" not in text and "inf" not in text
    text = "\n".join(blocks(unit_report([absurd, card], "单位", 2023))).lower()
    assert "nan" not in text and "inf" not in text


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60))
def test_any_form_text_is_written_as_literal_text(text):
    card = seed("劳模管理")
    changed = dataclasses.replace(
        card,
        form=dataclasses.replace(
            card.form,
            header=dataclasses.replace(card.form.header, project_name=text),
            goals=dataclasses.replace(card.form.goals, expected=text),
        ),
    )
    doc_text = "\n".join(blocks(project_report(changed)))
    assert safe(text).strip() in doc_text
