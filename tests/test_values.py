"""selfeval.values: every target and actual of the 13 seed forms, the rules of docs/forms.md §2, and
properties over generated cells (operator × number × unit × words × spacing × full-width)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfeval import values
from selfeval.values import Measure, parse, to_number

SEED = Path(__file__).resolve().parent.parent / "data" / "seed" / "futian-2023.txt"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def num(op, value, unit="", words="", money=False):
    return {"kind": "number", "op": op, "value": value, "unit": unit, "words": words, "money": money}


def pct(op, value, words=""):
    return num(op, value, "%", words)


def yuan(op, value, unit="元"):
    return num(op, value, unit, money=True)


def day(y, m, d, op=None, words=""):
    return {"kind": "date", "op": op, "start": date(y, m, d), "end": date(y, m, d), "words": words}


def window(a, b, op=None, words=""):
    return {"kind": "window", "op": op, "start": a, "end": b, "words": words}


def qual(words, grade=None):
    return {"kind": "grade", "words": words, "grade": grade}


NA = {"kind": "na"}


def expect(text: str, fields: dict) -> Measure:
    return Measure(text=text, **fields)


# Every target (年度指标值) of the seed, as written, with what it means.
SEED_TARGETS = {
    ">100人次": num(">", 100, "人次"),
    ">90%": pct(">", 90),
    "100%及时": pct(None, 100, "及时"),
    "<35万元": yuan("<", 350000),
    "不适用": NA,
    "100%有效落实": pct(None, 100, "有效落实"),
    ">90%满意": pct(">", 90, "满意"),
    ">1人": num(">", 1, "人"),
    "100%": pct(None, 100),
    "及时100%": pct(None, 100, "及时"),
    "≤3000元/人.年": yuan("<=", 3000, "元/人.年"),
    "100%提升": pct(None, 100, "提升"),
    ">2个": num(">", 2, "个"),
    ">160人次": num(">", 160, "人次"),
    "2023年6月1日-2023年12月31日": window(date(2023, 6, 1), date(2023, 12, 31)),
    "<80万元": yuan("<", 800000),
    "有所提高100%": pct(None, 100, "有所提高"),
    ">85%满意": pct(">", 85, "满意"),
    ">2次": num(">", 2, "次"),
    ">60人次": num(">", 60, "人次"),
    "截至2023年底": day(2023, 12, 31, "<="),
    "及时": qual("及时"),
    "支出<3000万元": num("<", 30000000, "元", "支出", money=True),
    ">90%为良好": pct(">", 90, "良好"),
    "有所提高": qual("有所提高"),
    ">80%为满意": pct(">", 80, "满意"),
    "> 10项": num(">", 10, "项"),
    "> 90%完成": pct(">", 90, "完成"),
    "> 90%": pct(">", 90),
    "100%有效保障": pct(None, 100, "有效保障"),
    "> 85%为满意": pct(">", 85, "满意"),
    "> 10台": num(">", 10, "台"),
    "> 90%为合格": pct(">", 90, "合格"),
    "合规100%": pct(None, 100, "合规"),
    "< 50万元": yuan("<", 500000),
    "> 90%为满意": pct(">", 90, "满意"),
    "> 3次": num(">", 3, "次"),
    "> 2000人次": num(">", 2000, "人次"),
    "100%到位": pct(None, 100, "到位"),
    "< 280万元": yuan("<", 2800000),
    "有效落实100%": pct(None, 100, "有效落实"),
    "≤ 5起": num("<=", 5, "起"),
    ">3名": num(">", 3, "名"),
    ">150份": num(">", 150, "份"),
    ">20件": num(">", 20, "件"),
    ">5%": pct(">", 5),
    "全年持续开展": qual("全年持续开展"),
    "<75万元": yuan("<", 750000),
    "90%有效": pct(None, 90, "有效"),
    "90%满意": pct(None, 90, "满意"),
    ">95%": pct(">", 95),
    "2023年12月底前": day(2023, 12, 31, "<="),
    "<50万元": yuan("<", 500000),
    "有效落实": qual("有效落实"),
    "有效提升": qual("有效提升"),
    ">10人次": num(">", 10, "人次"),
    "<4万元": yuan("<", 40000),
    "100%有所提高": pct(None, 100, "有所提高"),
    "≥5台": num(">=", 5, "台"),
    "≥90%": pct(">=", 90),
    "<12.08万元": yuan("<", 120800),
    "≥6年": num(">=", 6, "年"),
    ">20人次": num(">", 20, "人次"),
    "<3万元": yuan("<", 30000),
    "有效保障": qual("有效保障"),
    ">85%": pct(">", 85),
    ">22人": num(">", 22, "人"),
    "每月及时发放": qual("每月及时发放"),
    ">22岗": num(">", 22, "岗"),
    ">85%为满意": pct(">", 85, "满意"),
}

# Every actual (实际完成值) of the seed.
SEED_ACTUALS = {
    "128人次": num(None, 128, "人次"),
    "100%": pct(None, 100),
    "100%及时": pct(None, 100, "及时"),
    "34.52万元": yuan(None, 345200),
    "不适用": NA,
    "100%有效落实": pct(None, 100, "有效落实"),
    "满意 93.97%": pct(None, 93.97, "满意"),
    "1人": num(None, 1, "人"),
    "及时100%": pct(None, 100, "及时"),
    "3000元/人.年": yuan(None, 3000, "元/人.年"),
    "100%提升": pct(None, 100, "提升"),
    "95.39%": pct(None, 95.39),
    "3个": num(None, 3, "个"),
    "208人次": num(None, 208, "人次"),
    "2023年12月21日前完成": day(2023, 12, 21, "<=", "完成"),
    "73.92万元": yuan(None, 739200),
    "有所提高100%": pct(None, 100, "有所提高"),
    "满意93.97%": pct(None, 93.97, "满意"),
    "47次": num(None, 47, "次"),
    "2次": num(None, 2, "次"),
    "207人次": num(None, 207, "人次"),
    "2023年2月28日前划转": day(2023, 2, 28, "<=", "划转"),
    "支出1687.22万元": num(None, 16872200, "元", "支出", money=True),
    "100%良好": pct(None, 100, "良好"),
    "有所提高 100%": pct(None, 100, "有所提高"),
    "11项": num(None, 11, "项"),
    "100%完成": pct(None, 100, "完成"),
    "93.18%": pct(None, 93.18),
    "100%有效保障": pct(None, 100, "有效保障"),
    "满意 95.21%": pct(None, 95.21, "满意"),
    "41台": num(None, 41, "台"),
    "100%合格": pct(None, 100, "合格"),
    "合规100%": pct(None, 100, "合规"),
    "28.17万元": yuan(None, 281700),
    "3次": num(None, 3, "次"),
    "2286人次": num(None, 2286, "人次"),
    "100%到位": pct(None, 100, "到位"),
    "271.38万元": yuan(None, 2713800),
    "有效落实100%": pct(None, 100, "有效落实"),
    "0起": num(None, 0, "起"),
    "3名": num(None, 3, "名"),
    "175份": num(None, 175, "份"),
    "47件": num(None, 47, "件"),
    "全年持续开展100%": pct(None, 100, "全年持续开展"),
    "65万元": yuan(None, 650000),
    "100%有效": pct(None, 100, "有效"),
    "95.21%": pct(None, 95.21),
    "52人次": num(None, 52, "人次"),
    "96.98%": pct(None, 96.98),
    "2023年11月19日": day(2023, 11, 19),
    "35.88万元": yuan(None, 358800),
    "有效提升100%": pct(None, 100, "有效提升"),
    "20人次": num(None, 20, "人次"),
    "2.92万元": yuan(None, 29200),
    "100%有所提高": pct(None, 100, "有所提高"),
    "19台": num(None, 19, "台"),
    "6年": num(None, 6, "年"),
    "12.01万元": yuan(None, 120100),
    "45人次": num(None, 45, "人次"),
    "0.36万元": yuan(None, 3600),
    "有效保障100%": pct(None, 100, "有效保障"),
    "23人": num(None, 23, "人"),
    "99.59%": pct(None, 99.59),
    "每月及时发放100%": pct(None, 100, "每月及时发放"),
    "23岗": num(None, 23, "岗"),
    "满意100%": pct(None, 100, "满意"),
}


@pytest.mark.parametrize(("text", "fields"), SEED_TARGETS.items(), ids=list(SEED_TARGETS))
def test_seed_target(text, fields):
    assert parse(text, "target", 2023) == expect(text, fields)


@pytest.mark.parametrize(("text", "fields"), SEED_ACTUALS.items(), ids=list(SEED_ACTUALS))
def test_seed_actual(text, fields):
    assert parse(text, "actual", 2023) == expect(text, fields)


def _seed_rows() -> list[tuple[str, str]]:
    """(target, actual) of every indicator row of the seed: the two cells before 分值 and 得分."""
    rows, grid = [], False
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if not cells:
            continue
        if "年度指标值" in cells:  # the header row (reasons also mention 年度指标值)
            grid = True
        elif cells[0].replace("<b>", "").startswith("总分"):
            grid = False
        elif grid:
            pairs = [
                i
                for i in range(2, len(cells) - 1)
                if to_number(cells[i]) is not None and to_number(cells[i + 1]) is not None
            ]
            i = pairs[-1]
            rows.append((cells[i - 2], cells[i - 1]))
    return rows


def test_seed_tables_cover_every_row():
    """The tables above hold every target and actual of the seed file, so no seed value goes untested."""
    rows = _seed_rows()
    assert len(rows) == 140  # 91 scored + 49 不适用 rows
    assert sum(t != "不适用" for t, _ in rows) == 91  # docs/forms.md: 91 scored indicator rows
    assert {t for t, _ in rows} == set(SEED_TARGETS)
    assert {a for _, a in rows} == set(SEED_ACTUALS)


# The rules of docs/forms.md §2 and the helper's brief beyond the seed.
EXTRA = [
    # dates and deadlines
    ("2023年12月末", "target", None, day(2023, 12, 31, "<=")),
    ("2023年底前", "target", None, day(2023, 12, 31, "<=")),
    ("2023年末", "target", None, day(2023, 12, 31, "<=")),
    ("2023年内", "target", None, day(2023, 12, 31, "<=")),
    ("12月底前", "target", 2023, day(2023, 12, 31, "<=")),
    ("年底前完成", "actual", 2023, day(2023, 12, 31, "<=", "完成")),
    ("11月19日", "actual", 2024, day(2024, 11, 19)),
    ("2023-06-01", "actual", None, day(2023, 6, 1)),
    ("2023/6/1", "actual", None, day(2023, 6, 1)),
    ("2023.6.1", "actual", None, day(2023, 6, 1)),
    ("2023年6月1日起", "target", None, day(2023, 6, 1, ">=")),
    ("≤2023年12月31日", "target", None, day(2023, 12, 31, "<=")),
    ("不晚于2023年9月30日", "target", None, day(2023, 9, 30, "<=")),
    ("2023年12月前", "target", None, day(2023, 12, 31, "<=")),
    ("于2023年11月19日完成", "actual", None, day(2023, 11, 19, words="完成")),
    ("２０２３年１２月底前", "target", None, day(2023, 12, 31, "<=")),
    # windows
    ("2023年6月1日至2023年12月31日", "target", None, window(date(2023, 6, 1), date(2023, 12, 31))),
    ("2023年6月1日～2023年12月31日", "target", None, window(date(2023, 6, 1), date(2023, 12, 31))),
    ("2023年6月1日—12月31日", "target", None, window(date(2023, 6, 1), date(2023, 12, 31))),
    ("2023年11月26日-12月1日", "actual", None, window(date(2023, 11, 26), date(2023, 12, 1))),
    ("2023-06-01~2023-12-31", "target", None, window(date(2023, 6, 1), date(2023, 12, 31))),
    ("2023年6月-12月", "target", None, window(date(2023, 6, 1), date(2023, 12, 31))),
    ("2023年11月-2月", "target", None, window(date(2023, 11, 1), date(2024, 2, 29))),
    ("2023年6月", "target", None, window(date(2023, 6, 1), date(2023, 6, 30))),
    ("2023年6月下旬", "target", None, window(date(2023, 6, 21), date(2023, 6, 30))),
    # a bare number of years is a count, a year among other numbers is words
    ("6年", "actual", None, num(None, 6, "年")),
    ("2023年", "actual", None, num(None, 2023, "年")),
    ("较2022年提高10%", "target", None, pct(None, 10, "较2022年提高")),
    ("12月以内", "target", None, num("<=", 12, "月")),
    # operators: symbols, words, suffixes; longest match first
    ("不超过5起", "target", None, num("<=", 5, "起")),
    ("超过5起", "target", None, num(">", 5, "起")),
    ("不低于90%", "target", None, pct(">=", 90)),
    ("低于90%", "target", None, pct("<", 90)),
    ("不少于3场", "target", None, num(">=", 3, "场")),
    ("少于2起", "target", None, num("<", 2, "起")),
    ("至少3次", "target", None, num(">=", 3, "次")),
    ("大于等于95%", "target", None, pct(">=", 95)),
    ("高于80%", "target", None, pct(">", 80)),
    ("不高于100元", "target", None, yuan("<=", 100)),
    ("不多于3次", "target", None, num("<=", 3, "次")),
    ("小于5%", "target", None, pct("<", 5)),
    ("等于100%", "target", None, pct("=", 100)),
    ("=100%", "target", None, pct("=", 100)),
    ("90%以上", "target", None, pct(">=", 90)),
    ("10项及以上", "target", None, num(">=", 10, "项")),
    ("5起以下", "target", None, num("<=", 5, "起")),
    ("3天内", "target", None, num("<=", 3, "天")),
    ("控制在3000万元以内", "target", None, yuan("<=", 30000000)),
    ("满意度≥90%", "target", None, pct(">=", 90, "满意度")),
    ("≧90％", "target", None, pct(">=", 90)),
    ("≦5起", "target", None, num("<=", 5, "起")),
    ("＞＝９０％", "target", None, pct(">=", 90)),
    ("＜３５万元", "target", None, yuan("<", 350000)),
    ("100余人", "actual", None, num(">", 100, "人")),
    # numbers, units, money
    ("1,687.22万元", "actual", None, yuan(None, 16872200)),
    ("１，６８７．２２万元", "actual", None, yuan(None, 16872200)),
    ("1.5亿元", "actual", None, yuan(None, 150000000)),
    ("5千元", "actual", None, yuan(None, 5000)),
    ("2万元/人", "target", None, yuan(None, 20000, "元/人")),
    ("100元/人·次", "target", None, yuan(None, 100, "元/人.次")),
    ("2次/年", "target", None, num(None, 2, "次/年")),
    ("3万人次", "actual", None, num(None, 30000, "人次")),
    ("3个月", "actual", None, num(None, 3, "个月")),
    ("5个工作日", "target", None, num(None, 5, "个工作日")),
    ("100㎡", "actual", None, num(None, 100, "平方米")),
    ("10栋", "actual", None, num(None, 10, "栋")),  # an unlisted one-char unit
    ("90有效", "target", None, num(None, 90, "", "有效")),  # 有 starts 有效: not a unit
    ("满意为90%", "target", None, pct(None, 90, "满意")),
    ("<p>>100人次</p>", "target", None, num(">", 100, "人次")),
    ("&gt;90%", "target", None, pct(">", 90)),
    ("公众 满意 93.97 %", "actual", None, pct(None, 93.97, "公众满意")),
    # Chinese numerals for small counts, only at the start
    ("三个", "actual", None, num(None, 3, "个")),
    ("两次", "actual", None, num(None, 2, "次")),
    (">十项", "target", None, num(">", 10, "项")),
    ("不少于二十五人", "target", None, num(">=", 25, "人")),
    ("一次性发放", "target", None, qual("一次性发放")),
    ("每月一次", "target", None, qual("每月一次")),
    # qualitative actuals: negative beats partial beats positive
    ("有效落实", "actual", None, qual("有效落实", "达成")),
    ("按时完成", "actual", None, qual("按时完成", "达成")),
    ("达成", "actual", None, qual("达成", "达成")),
    ("是", "actual", None, qual("是", "达成")),
    ("不断提高", "actual", None, qual("不断提高", "达成")),
    ("基本完成", "actual", None, qual("基本完成", "部分达成")),
    ("部分达成", "actual", None, qual("部分达成", "部分达成")),
    ("大部分落实", "actual", None, qual("大部分落实", "部分达成")),
    ("未完成", "actual", None, qual("未完成", "未达成")),
    ("未达成", "actual", None, qual("未达成", "未达成")),
    ("未达到预期", "actual", None, qual("未达到预期", "未达成")),
    ("不及时", "actual", None, qual("不及时", "未达成")),
    ("不到位", "actual", None, qual("不到位", "未达成")),
    ("进度滞后", "actual", None, qual("进度滞后", "未达成")),
    ("没有落实", "actual", None, qual("没有落实", "未达成")),
    ("否", "actual", None, qual("否", "未达成")),
    # never guess
    ("未发生安全事故", "actual", None, {"kind": "unparsed", "words": "未发生安全事故"}),
    ("无", "actual", None, {"kind": "unparsed", "words": "无"}),
    ("待定", "actual", None, {"kind": "unparsed", "words": "待定"}),
    ("12月底前", "target", None, {"kind": "unparsed", "words": "12月底前"}),  # no year known
    ("2023年2月30日", "actual", None, {"kind": "unparsed", "words": "2023年2月30日"}),
    ("3-5次", "target", None, {"kind": "unparsed", "words": "3-5次"}),
    ("1,2次", "target", None, {"kind": "unparsed", "words": "1,2次"}),
    ("—", "actual", None, {"kind": "unparsed", "words": "—"}),
    ("/", "target", None, {"kind": "na"}),  # `/` for 不适用 (docs/forms.md §6, template leftovers)
    # not applicable, empty
    ("N/A", "target", None, NA),
    ("n/a", "actual", None, NA),
    (" 不适用 ", "actual", None, NA),
    ("不适用。", "target", None, NA),
    ("", "actual", None, {"kind": "empty"}),
    ("  \u3000 ", "target", None, {"kind": "empty"}),
    ("<p></p>", "target", None, {"kind": "empty"}),
]


@pytest.mark.parametrize(("text", "role", "year", "fields"), EXTRA, ids=[f"{c[0]!r}-{c[1]}" for c in EXTRA])
def test_rules(text, role, year, fields):
    assert parse(text, role, year) == expect(text, fields)


def test_text_is_kept_and_non_strings_do_not_raise():
    assert parse("＞９０％").text == "＞９０％"
    assert parse(None).kind == "empty"  # type: ignore[arg-type]
    assert parse(12.5).value == 12.5  # type: ignore[arg-type]
    assert parse("12月底前", "target", "2023").start == date(2023, 12, 31)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5", 12.5),
        (" 1,687.22 ", 1687.22),
        ("9.70", 9.7),
        ("100.0", 100.0),
        ("８", 8.0),
        ("９．７０", 9.7),
        ("-1,234.50", -1234.5),
        ("1e-05", 1e-05),
        ("<p>10</p>", 10.0),
        (7, 7.0),
        ("—", None),
        ("-", None),
        ("", None),
        ("  ", None),
        (None, None),
        ("100%", None),
        ("12,5", None),
        ("1 000", None),
        ("nan", None),
        ("abc", None),
        (float("inf"), None),
        (True, None),
    ],
)
def test_to_number(text, expected):
    assert to_number(text) == expected


# --------------------------------------------------------------------------------------------
# Properties.

OP_PREFIX = {
    ">": [">", "＞", "大于", "高于", "超过"],
    ">=": ["≥", ">=", "≧", "＞＝", "不低于", "不少于", "至少"],
    "<": ["<", "＜", "小于", "低于", "少于"],
    "<=": ["≤", "<=", "≦", "不高于", "不超过", "不多于"],
    "=": ["=", "＝", "等于"],
    None: [""],
}
OP_SUFFIX = {">=": ["以上", "及以上"], "<=": ["以内", "以下", "及以下"]}
_UNIT_LIST = (
    "人次 人 名 位 个 次 场 场次 期 批 项 台 套 份 件 起 宗 例 岗 户 家 所 座 处 间 张 本 册 篇 条 辆 棵 株 亩 "
    "公顷 平方米 米 公里 千米 吨 天 日 个月 月 年 小时 分钟 工作日 课时 学时 节 门 支 组 笔 %"
)
COUNT_UNITS = _UNIT_LIST.split()
MONEY_UNITS = {"元": 1, "千元": 1000, "万元": 10000, "亿元": 100000000}
COMPOUND_UNITS = {
    "元/人.年": ("元/人.年", 1),
    "万元/人": ("元/人", 10000),
    "元/人·次": ("元/人.次", 1),
    "次/年": ("次/年", None),
}
PREFIX_WORDS = ["", "支出", "满意", "合规", "累计", "有效落实", "实际"]
SUFFIX_WORDS = ["", "满意", "完成", "良好", "为良好", "有效落实", "及时", "到位", "合格"]
SPACE = st.sampled_from(["", "", " ", "\u3000"])


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


@st.composite
def cells(draw):
    """A cell written the way units write them, and what it must parse to."""
    op = draw(st.sampled_from([">", ">=", "<", "<=", "=", None]))
    suffix_op = op in OP_SUFFIX and draw(st.booleans())
    op_text = draw(st.sampled_from(OP_SUFFIX[op] if suffix_op else OP_PREFIX[op]))
    integer = draw(st.integers(0, 10**7))
    decimals = draw(st.sampled_from(["", "0", "5", "25", "70", "97"]))
    grouped = draw(st.booleans())
    number = (f"{integer:,}" if grouped else str(integer)) + (f".{decimals}" if decimals else "")
    kind = draw(st.sampled_from(["count", "money", "compound"]))
    if kind == "count":
        unit = draw(st.sampled_from(COUNT_UNITS))
        expected_unit, factor = unit, None
    elif kind == "money":
        unit = draw(st.sampled_from(sorted(MONEY_UNITS)))
        expected_unit, factor = "元", MONEY_UNITS[unit]
    else:
        unit = draw(st.sampled_from(sorted(COMPOUND_UNITS)))
        expected_unit, factor = COMPOUND_UNITS[unit]
    before = draw(st.sampled_from(PREFIX_WORDS))
    after = draw(st.sampled_from(SUFFIX_WORDS))
    parts = [before, "" if suffix_op else op_text, number, unit, op_text if suffix_op else "", after]
    text = "".join(p + draw(SPACE) for p in parts if p)
    if draw(st.booleans()):
        text = _full_width(text)
    value = Decimal(number.replace(",", "")) * (factor or 1)
    return text, op, float(value), expected_unit, factor is not None, before + after.removeprefix("为")


@FAST
@given(cells())
def test_parse_recovers_op_value_unit(case):
    text, op, value, unit, money, words = case
    m = parse(text, "target", 2023)
    assert (m.kind, m.op, m.unit, m.money, m.words) == ("number", op, unit, money, words), m
    assert m.value is not None and math.isclose(m.value, value, rel_tol=1e-12, abs_tol=1e-9)
    assert m.text == text


DATE_FORMATS = [
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}年{d.month:02d}月{d.day:02d}日",
    lambda d: f"{d.year}-{d.month:02d}-{d.day:02d}",
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
]


@FAST
@given(
    st.dates(date(1990, 1, 1), date(2099, 12, 31)),
    st.integers(0, 400),
    st.sampled_from(DATE_FORMATS),
    st.sampled_from(["-", "—", "~", "～", "至", "到", " - "]),
)
def test_dates_and_windows(d, days, fmt, sep):
    assert parse(fmt(d)) == Measure("date", fmt(d), start=d, end=d)
    assert parse(fmt(d) + "前完成") == Measure(
        "date", fmt(d) + "前完成", op="<=", start=d, end=d, words="完成"
    )
    e = d + timedelta(days=days)
    text = fmt(d) + sep + fmt(e)
    if e.year < 2100:
        assert parse(text, "target") == Measure("window", text, start=d, end=e)


CELL_CHARS = st.sampled_from(
    list(
        "0123456789.,%％年月日底末前后至到-—~/·<>=≥≤＞＜＝ 　元万亿千人次个项起为满意有效落实未部分基本不适用N/A"
    )
    + ["<p>", "</p>", "&gt;", "\t", "\n", "２", "截至", "以上", "以内", "控制在", "余", "多"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(max_size=40), st.lists(CELL_CHARS, max_size=15).map("".join)),
    st.sampled_from(["target", "actual"]),
    st.sampled_from([None, 2023, 1, 9999]),
)
def test_parse_never_raises(text, role, year):
    # _parse is the parser without parse()'s safety net, so a bug shows here instead of hiding
    m = values._parse(text, role, year)
    assert m.kind in values.KINDS
    assert m.text == text
    assert parse(text, role, year) == m
    if m.kind == "number":
        assert m.value is not None and math.isfinite(m.value)
    if m.kind in ("date", "window"):
        assert m.start is not None and m.end is not None and m.start <= m.end
    if m.grade is not None:
        assert m.kind == "grade" and role == "actual"


@FAST
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_to_number_round_trips(x):
    assert to_number(f"{x}") == x
    assert to_number(f" {x:,.2f} ") == float(f"{x:.2f}")
    assert to_number(_full_width(f"{x:.2f}")) == float(f"{x:.2f}")


@FAST
@given(st.text(max_size=30))
def test_to_number_never_raises(text):
    result = to_number(text)
    assert result is None or math.isfinite(result)
