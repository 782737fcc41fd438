"""Text whose funds lines lost their separators but kept single spaces (issue 21, item 6): read when
the cells' contents decide their columns, refused (TEXT_SEPARATORS_LOST) otherwise."""

from __future__ import annotations

import pytest

from selfeval.readers import read_bytes
from selfeval.rules import score
from tests import variants

FORM = variants.split_forms(variants.seed_text())[1]  # 离退休干部节日慰问金: 3000.00 budgeted and spent
HEADER = "\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率（%）\t得分\t"
TOTAL = "项目资金（元）\t年度资金总额\t3000.00\t3000.00\t3000.00\t10\t100\t10\t"


def _spaced(total: str, header: str = "\t\t年初预算数 全年预算数 全年执行数 分值 执行率（%） 得分") -> bytes:
    text = FORM.replace(HEADER, header).replace(TOTAL, total)
    assert text != FORM
    return text.encode()


def _read(data: bytes):
    result = read_bytes(data, "spaced.txt")
    return result, [score(f) for f in result.forms]


def test_the_issue_example_reads():
    """`年度资金总额: 880 880 880 10 10`: three amounts that agree, then 分值 and 得分 — 执行率 is the one not
    printed (the amounts give 100 %, and 10 × 100 % is the 得分 printed)."""
    result, (card,) = _read(_spaced("项目资金（元）\t年度资金总额: 880 880 880 10 10"))
    assert result.problems == ()
    t = card.form.funds.total
    assert (t.initial_budget, t.annual_budget, t.executed) == (880.0, 880.0, 880.0)
    f = card.form.funds
    assert (f.declared_weight, f.declared_rate, f.declared_score) == (10.0, None, 10.0)
    assert (card.rate, card.budget_score, card.total, card.verification) == (100.0, 10.0, 100.0, "verified")


def test_every_column_printed_reads_as_the_tab_text():
    result, (card,) = _read(_spaced("项目资金（元）\t年度资金总额: 3000.00 3000.00 3000.00 10 100 10"))
    _, (original,) = _read(FORM.encode())
    assert result.problems == ()
    assert card.form.funds == original.form.funds and card.total == original.total == 100.0


def test_spaced_values_under_a_tab_header_read():
    result, (card,) = _read(
        _spaced("项目资金（元）\t年度资金总额: 3000.00 3000.00 3000.00 10 10", header=HEADER)
    )
    assert result.problems == () and card.form.funds.total.executed == 3000.0 and card.budget_score == 10.0


@pytest.mark.parametrize(
    "total",
    [
        "项目资金（元）\t年度资金总额: 3000.00 3000.00 10 10",  # which amount is missing? any of three
        "项目资金（元）\t年度资金总额: 3000.00 3000.00 2000.00 10 10",  # 10 is not 10 × 66.67 %: no reading
        "项目资金（元）\t年度资金总额: 3000.00 3000.00 3000.00 10 98.63% 10",  # the rate contradicts the amounts
    ],
)
def test_contents_that_do_not_decide_are_refused(total):
    result, cards = _read(_spaced(total))
    assert cards == []
    assert [p.code for p in result.problems] == ["TEXT_SEPARATORS_LOST"]
