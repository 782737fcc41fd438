"""Typed values of the target (年度指标值) and actual (实际完成值) cells of a 自评表.

A cell is free text: an operator, a number, a unit and words in any order (`支出<3000万元`,
`满意 93.97%`, `>90%为良好`), a date or a window (`2023年12月底前`, `2023年6月1日-2023年12月31日`),
or words only (`有效落实`). `parse` turns it into a frozen `Measure` so the scoring rules compare
numbers, never strings (docs/forms.md §2). It never raises and never guesses: what it cannot read is
kind "unparsed" and the rules report it.

Only the standard library is used.
"""

from __future__ import annotations

import calendar
import html
import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

__all__ = ["Grade", "Kind", "Measure", "Op", "grade_words", "parse", "to_number"]

Op = Literal[">", ">=", "=", "<=", "<"]
Kind = Literal["number", "date", "window", "grade", "na", "empty", "unparsed"]
Grade = Literal["达成", "部分达成", "未达成"]

KINDS: tuple[str, ...] = ("number", "date", "window", "grade", "na", "empty", "unparsed")


@dataclass(frozen=True)
class Measure:
    """One parsed cell. `text` is the cell as written; the other fields are what it means."""

    kind: Kind
    text: str  # the original string, unchanged
    op: Op | None = None  # the operator written, None when none was written
    value: float | None = None  # base units: money in 元, percent as 93.97 for "93.97%"
    unit: str = ""  # normalised unit: "%", "人次", "元", "元/人.年", "台" ("" when none)
    money: bool = False  # unit is of the 元 family (also compounds such as 元/人.年)
    start: date | None = None  # kind date: the date; kind window: window start
    end: date | None = None  # kind window: window end; kind date: same as start
    grade: Grade | None = None  # kind grade for actuals: how the words grade; None for a target
    words: str = ""  # what is left after removing operator, number and unit


# --------------------------------------------------------------------------------------------
# Normalisation: full-width forms, HTML remnants, whitespace (docs/forms.md §5 "what real files look
# like"). `Measure.text` keeps the original; everything below works on the normalised string.

_CHAR_MAP: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}  # ！..～ -> !..~
_CHAR_MAP.update(
    {
        0x3000: " ",  # ideographic space
        0x00A0: " ",
        0x200B: "",  # zero-width space
        0xFEFF: "",
        0x2267: "≥",  # ≧
        0x2266: "≤",  # ≦
        0x2A7E: "≥",  # ⩾
        0x2A7D: "≤",  # ⩽
        0xFE65: ">",  # small form ﹥
        0xFE64: "<",  # ﹤
        0xFE66: "=",  # ﹦
        0xFE6A: "%",  # ﹪
        0x33A1: "平方米",  # ㎡
        0x301C: "~",  # 〜
        0x2212: "-",  # minus sign
        0x00B7: "·",
        0x30FB: "·",  # katakana middle dot
        0x2022: "·",
        0x2027: "·",
        0x2219: "·",
    }
)
for _cp in range(0x2000, 0x200B):  # en quad .. hair space
    _CHAR_MAP[_cp] = " "

_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?\s*>")
# a space survives only between two ASCII letters/digits ("1 000" stays two numbers)
_SPACE_RE = re.compile(r"(?<![A-Za-z0-9]) | (?![A-Za-z0-9])")
_SPACES_RE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    s = _TAG_RE.sub(" ", text)
    if "&" in s:
        s = html.unescape(s)
    s = s.translate(_CHAR_MAP)
    s = _SPACES_RE.sub(" ", s).strip()
    return _SPACE_RE.sub("", s)


# --------------------------------------------------------------------------------------------
# Vocabularies.

# Operators written before a number (docs/forms.md §2; 财预〔2020〕10号 附件 指标值 conventions).
# Longest form first so that 不超过 is "<=", not the ">" of 超过.
_OP_FORMS: dict[str, tuple[str, ...]] = {
    ">=": ("≥", ">=", "=>", "大于等于", "大于或等于", "不低于", "不少于", "不小于", "至少", "最少"),
    "<=": (
        "≤",
        "<=",
        "=<",
        "小于等于",
        "小于或等于",
        "不高于",
        "不超过",
        "不多于",
        "不大于",
        "不超出",
        "至多",
        "最多",
    ),
    ">": (">", "大于", "高于", "超过", "多于"),
    "<": ("<", "小于", "低于", "少于"),
    "=": ("=", "等于"),
}
_OP_OF: dict[str, str] = {form: op for op, forms in _OP_FORMS.items() for form in forms}
_OP_RE = re.compile("|".join(re.escape(f) for f in sorted(_OP_OF, key=len, reverse=True)))

# Operators written after the number and unit: 90%以上, 3000万元以内, 3天内.
_SUFFIX_OP_RE = re.compile(r"及以上|以上|及以下|以下|以内|之内|内(?![部容在涵外地])")
_SUFFIX_OP = {"及以上": ">=", "以上": ">="}  # everything else is "<="


def _words(s: str) -> tuple[str, ...]:
    """A vocabulary written as space-separated words."""
    return tuple(s.split())


_UNITS = _words(
    # counts
    "人次 人天 人日 户次 台次 车次 架次 班次 批次 场次 课次 篇次 册次 个百分点 百分点 "
    "人 名 位 个 次 场 期 批 项 台 套 份 件 起 宗 例 岗 户 家 所 座 处 间 张 本 册 篇 条 辆 "
    "棵 株 只 头 盏 块 部 栋 幢 届 堂 轮 种 类 首 幅 集 卷 盒 箱 包 袋 瓶 双 副 对 片 根 把 门 支 组 笔 节 "
    # measures
    "亩 公顷 平方公里 平方米 立方米 米 公里 千米 吨 千克 公斤 克 升 倍 分 "
    # time
    "个工作日 工作日 个月 月 年 周 天 日 小时 分钟 秒 课时 学时 "
    # money (converted to 元, see _MONEY)
    "元 千元 万元 百万元 千万元 亿元 "
    "% ‰"
)
_MONEY: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "百万元": Decimal(1000000),
    "千万元": Decimal(10000000),
    "亿元": Decimal(100000000),
}
_UNIT_RE = re.compile("|".join(re.escape(u) for u in sorted(set(_UNITS), key=len, reverse=True)))
_MULTIPLIER = {"万": Decimal(10000), "亿": Decimal(100000000), "千": Decimal(1000)}  # 3万人次

# Grading words for qualitative actuals (docs/forms.md §3 "Qualitative"). Negative beats partial beats
# positive, so 未完成 (which contains 完成) is 未达成 and 基本完成 is 部分达成.
_POSITIVE = _words(
    "达成 完成 达到 落实 有效 及时 按时 提高 提升 保障 满意 合格 良好 持续 正常 合规 到位 已 显著 明显 "
    "改善 增强 稳定 规范 准确 符合 开展 发放 实现 优秀 顺利 圆满"
)
_POSITIVE_WHOLE = ("是", "是的")  # 是 only as the whole answer: it is in too many sentences
_PARTIAL = _words("部分 基本 大部分 部分完成 基本完成 基本达成")
_NEGATIVE = _words("未 没有 不及时 滞后 延迟 逾期 不满意 不合格 未完成 未达到 未落实 无效 失败 较差")
_NEGATIVE_WHOLE = ("否", "差")
# 不 + a positive word is negative (不到位, 不规范); 不断提高 is not (断 is not a positive word)
_NOT_POSITIVE_RE = re.compile("不(?:" + "|".join(sorted(_POSITIVE, key=len, reverse=True)) + ")")
# 未发生安全事故 / 没有出现投诉 read as good or bad depending on the indicator: never guess.
_UNDECIDABLE_RE = re.compile(r"(?:未|没有)(?:发生|出现|收到|接到|造成|引发)")

# a CJK char right after a number is taken as its unit only when it does not start a word
_WORD_STARTS = set("".join(w[0] for w in (*_POSITIVE, *_PARTIAL, *_NEGATIVE)))
_WORD_STARTS |= set("为以及之约余多共累全每较比超高低和或与且的至到即等内前后上下中左右占达得有不没无")

_NA = {"不适用", "N/A", "NA", "N.A", "#N/A", "/"}
_STRIP = " ,.;:、，。；：!！?？'\"“”‘’()（）[]【】"

_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def grade_words(words: str) -> Grade | None:
    """How qualitative words grade an actual: 达成 / 部分达成 / 未达成, or None when unknown."""
    s = _normalise(words or "").strip(_STRIP)
    if not s:
        return None
    if _UNDECIDABLE_RE.search(s):
        return None
    if "未达成" in s:
        return "未达成"
    if "部分达成" in s:
        return "部分达成"
    t = s.replace("未来", "")  # 未来 (future) is not a negation
    if s in _NEGATIVE_WHOLE or any(w in t for w in _NEGATIVE) or _NOT_POSITIVE_RE.search(t):
        return "未达成"
    if any(w in s for w in _PARTIAL):
        return "部分达成"
    if s in _POSITIVE_WHOLE or any(w in s for w in _POSITIVE):
        return "达成"
    return None


# --------------------------------------------------------------------------------------------
# Numbers.

# digits with optional valid-or-not thousands commas (validated later) and decimals
_NUM_RE = re.compile(r"(?<![0-9])(?:[0-9](?:[0-9]|,(?=[0-9]))*(?:\.[0-9]+)?|\.[0-9]+)")
_GROUPED_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_YEAR_WORD_RE = re.compile(r"(?:19|20)[0-9]{2}(?=年(?!\d))")  # 2022年 in 较2022年提高10%
_PLAIN_RE = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")

_CN_DIGIT = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_RE = re.compile(r"[零〇一二两三四五六七八九十百千]+")


def to_number(text: object) -> float | None:
    """A plain numeric cell ("12.5", " 1,687.22 ", "９", "1e-05") as a float; None otherwise.

    Used for weights, scores and amounts, which print inconsistently (9.7 / 9.70, 100 / 100.0,
    docs/forms.md §2). A unit or percent sign makes it not plain: None. Never raises.
    """
    if type(text) is str:
        return _str_number(text)
    try:
        if text is None or isinstance(text, bool):
            return None
        if isinstance(text, int | float | Decimal):
            f = float(text)
            return f if math.isfinite(f) else None
        return _str_number(str(text))
    except Exception:
        return None


_DIGIT_RE = re.compile(r"[0-9]")


# Memoised: the recogniser asks about the same cells several times, and weights, scores and amounts
# ("12.5", "0", "—") recur across forms.
@lru_cache(maxsize=16384)
def _str_number(text: str) -> float | None:
    try:
        s = _normalise(text)
        if not _PLAIN_RE.fullmatch(s) or not _DIGIT_RE.search(s.split("e")[0].split("E")[0]):
            return None
        f = float(s.replace(",", ""))
        return f if math.isfinite(f) else None
    except Exception:
        return None


def _cn_int(s: str) -> int | None:
    """三 -> 3, 十五 -> 15, 二十 -> 20, 一百零五 -> 105; None for anything else."""
    total, digit, last_unit = 0, None, 10**9
    for ch in s:
        if ch in _CN_DIGIT:
            if digit is not None and digit != 0:
                return None
            digit = _CN_DIGIT[ch]
        else:
            unit = _CN_UNIT[ch]
            if unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)


def _read_unit(s: str, pos: int) -> tuple[str, Decimal, bool, int]:
    """The unit starting at s[pos]: (normalised unit, money factor, money?, end)."""
    m = _UNIT_RE.match(s, pos)
    if m:
        base = m.group()
        end = m.end()
    elif pos < len(s) and _CJK_RE.match(s[pos]) and s[pos] not in _WORD_STARTS:
        base, end = s[pos], pos + 1  # an unlisted one-char unit: 3栋, 5辆
    else:
        return "", Decimal(1), False, pos
    money = base in _MONEY
    factor = _MONEY.get(base, Decimal(1))
    unit = "元" if money else base
    # compounds: 元/人.年, 万元/人 (-> 元/人, ×10000), 元/人·次 (-> 元/人.次), 次/年
    seen_slash = False
    while end < len(s) and (s[end] == "/" or (seen_slash and s[end] in ".·")):
        part = _UNIT_RE.match(s, end + 1)
        if part:
            tail = part.group()
        elif end + 1 < len(s) and _CJK_RE.match(s[end + 1]):
            tail = s[end + 1]
        else:
            break
        unit += ("/" if s[end] == "/" else ".") + ("元" if tail in _MONEY else tail)
        seen_slash = True
        end += 1 + len(tail)
    return unit, factor, money, end


def _trim(words: str) -> str:
    return words.strip(_STRIP)


def _number(text: str, s: str) -> Measure | None:
    """An operator, one number, a unit and words; None when s holds no number."""
    found = list(_NUM_RE.finditer(s))
    if len(found) > 1:  # 较2022年提高10%: a year among other numbers is words
        found = [m for m in found if not (len(m.group()) == 4 and _YEAR_WORD_RE.match(s, m.start()))] or found
    if len(found) > 1:
        return Measure("unparsed", text, words=s)
    if found:
        num = found[0]
        raw = num.group()
        if "," in raw and not _GROUPED_RE.fullmatch(raw):
            return Measure("unparsed", text, words=s)
        try:
            amount = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            return Measure("unparsed", text, words=s)
        start, pos = num.start(), num.end()
    else:  # 三个, 两次, >十项 — only at the start (after an operator): 每月一次 stays words
        op_m = _OP_RE.match(s)
        cn = _CN_RE.match(s, op_m.end() if op_m else 0)
        if not cn or not _UNIT_RE.match(s, cn.end()):
            return None
        n = _cn_int(cn.group())
        unit_m = _UNIT_RE.match(s, cn.end())
        if n is None or s.startswith("性", unit_m.end()):  # 一次性 is not a count
            return None
        amount, start, pos = Decimal(n), cn.start(), cn.end()

    # multiplier (3万人次) and 余/多 (100余人 = more than 100), then the unit
    factor = Decimal(1)
    approx_more = False
    if pos < len(s) and s[pos] in _MULTIPLIER and not _UNIT_RE.match(s, pos):
        factor, pos = _MULTIPLIER[s[pos]], pos + 1
    if pos < len(s) and s[pos] in "余多" and _UNIT_RE.match(s, pos + 1):
        approx_more, pos = True, pos + 1
    unit, money_factor, money, pos = _read_unit(s, pos)
    value = amount * factor * money_factor

    prefix, rest = s[:start], s[pos:]
    op: str | None = None
    ops = list(_OP_RE.finditer(prefix))
    if ops:  # the operator nearest the number
        last = ops[-1]
        op = _OP_OF[last.group()]
        prefix = prefix[: last.start()] + prefix[last.end() :]
    suffix = _SUFFIX_OP_RE.match(rest)
    if suffix:
        op = op or _SUFFIX_OP.get(suffix.group(), "<=")
        rest = rest[suffix.end() :]
    if op is None and approx_more:
        op = ">"
    if prefix.endswith("控制在"):  # 控制在3000万元以内
        prefix = prefix[: -len("控制在")]
    prefix = _trim(prefix)
    rest = _trim(rest)
    prefix = prefix.removesuffix("为")  # 满意为90%
    rest = rest.removeprefix("为")  # >90%为良好 (docs/forms.md §2)
    f = float(value)
    if not math.isfinite(f):
        return Measure("unparsed", text, words=s)
    return Measure("number", text, op=op, value=f, unit=unit, money=money, words=_trim(prefix + rest))  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Dates and windows (docs/forms.md §2 "Dates"), checked before plain numbers.

_Y = r"(?<![0-9])(?:19|20)[0-9]{2}"
_DATE_RE = re.compile(
    rf"(?P<ymd>(?P<y1>{_Y})年(?P<m1>[0-9]{{1,2}})月(?P<d1>[0-9]{{1,2}})[日号]?(?![0-9]))"
    rf"|(?P<iso>(?P<y2>{_Y})(?P<sep>[-/.])(?P<m2>[0-9]{{1,2}})(?P=sep)(?P<d2>[0-9]{{1,2}})(?![0-9]))"
    rf"|(?P<ym>(?P<y3>{_Y})年(?P<m3>[0-9]{{1,2}})月份?(?P<q3>底|末|上旬|中旬|下旬)?)"
    rf"|(?P<yend>(?P<y4>{_Y})年度?(?P<q4>底|末|内))"
    r"|(?P<md>(?<![0-9.年])(?P<m5>[0-9]{1,2})月(?P<d5>[0-9]{1,2})[日号])"
    r"|(?P<mq>(?<![0-9.年])(?P<m6>[0-9]{1,2})月(?P<f6>份)?(?P<q6>底|末|上旬|中旬|下旬)?)"
    r"|(?P<bend>(?<![0-9])年度?(?:底|末))"
)
_WINDOW_SEP_RE = re.compile(r"(?:[-~—–―─]+|至|到)")
_BARE_MONTH_RE = re.compile(r"(?P<m>[0-9]{1,2})月份?")
_BEFORE_RE = re.compile(r"之前|以前|前|以内|之内|内")  # 2023年12月21日前完成
_MONTH_BEFORE_RE = re.compile(r"之前|以前|前")  # 12月前 is a date; 12月以内 stays a count of months
_AFTER_RE = re.compile(r"之后|以后|后|起|开始")
_DEADLINE_WORDS_RE = re.compile(r"(?:截至|截止到|截止至|截止|不晚于)$")
_FROM_WORDS_RE = re.compile(r"(?:不早于|自|从)$")


@dataclass(frozen=True)
class _Tok:
    """A date mention: its span, explicit year (None: take it from context) and fields."""

    start: int
    end: int
    year: int | None
    month: int
    day: int | None = None
    qual: str = ""  # 底 末 上旬 中旬 下旬 内
    yearly: bool = False  # 2023年底: the year as a whole

    def span(self, default_year: int | None) -> tuple[date, date, bool] | None:
        """(first day, last day, point?) or None when no year is known. Raises on a bad date."""
        y = self.year if self.year is not None else default_year
        if y is None:
            return None
        if self.yearly:
            return date(y, 12, 31), date(y, 12, 31), True
        last = calendar.monthrange(y, self.month)[1]
        if self.day is not None:
            d = date(y, self.month, self.day)
            return d, d, True
        if self.qual in ("底", "末"):
            return date(y, self.month, last), date(y, self.month, last), True
        lo, hi = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, last)}.get(self.qual, (1, last))
        return date(y, self.month, lo), date(y, self.month, hi), False


def _tokens(s: str) -> list[_Tok]:
    toks = []
    for m in _DATE_RE.finditer(s):
        g = m.groupdict()
        if g["ymd"]:
            toks.append(_Tok(m.start(), m.end(), int(g["y1"]), int(g["m1"]), int(g["d1"])))
        elif g["iso"]:
            toks.append(_Tok(m.start(), m.end(), int(g["y2"]), int(g["m2"]), int(g["d2"])))
        elif g["ym"]:
            toks.append(_Tok(m.start(), m.end(), int(g["y3"]), int(g["m3"]), qual=g["q3"] or ""))
        elif g["yend"]:
            toks.append(_Tok(m.start(), m.end(), int(g["y4"]), 12, qual=g["q4"], yearly=True))
        elif g["md"]:
            toks.append(_Tok(m.start(), m.end(), None, int(g["m5"]), int(g["d5"])))
        elif g["mq"]:
            # a bare "12月" is a count of months; 12月份 / 12月底 / 12月前 is a date
            if g["f6"] or g["q6"] or _MONTH_BEFORE_RE.match(s, m.end()):
                toks.append(_Tok(m.start(), m.end(), None, int(g["m6"]), qual=g["q6"] or ""))
        elif g["bend"]:
            toks.append(_Tok(m.start(), m.end(), None, 12, qual="底", yearly=True))
    return toks


def _date(text: str, s: str, year: int | None) -> Measure | None:
    """A date or a window; None when s mentions no date."""
    toks = _tokens(s)
    if not toks:
        return None
    first = toks[0]
    second: _Tok | None = None
    if len(toks) == 2:
        gap = s[first.end : toks[1].start]
        if not _WINDOW_SEP_RE.fullmatch(gap):
            return Measure("unparsed", text, words=s)
        second = toks[1]
    elif len(toks) == 1:  # 2023年6月-12月: a bare month after a separator
        sep = _WINDOW_SEP_RE.match(s, first.end)
        bare = _BARE_MONTH_RE.match(s, sep.end()) if sep else None
        if bare and not first.yearly:
            second = _Tok(bare.start(), bare.end(), None, int(bare.group("m")))
    else:
        return Measure("unparsed", text, words=s)

    try:
        one = first.span(year)
        if one is None:
            return Measure("unparsed", text, words=s)  # 12月底前 with no year known
        if second is not None:
            two = second.span(one[0].year)
            assert two is not None
            if two[1] < one[0] and second.year is None:  # 2023年11月-2月 crosses the new year
                two = second.span(one[0].year + 1)
                assert two is not None
            if two[1] < one[0]:
                return Measure("unparsed", text, words=s)
            words = _trim(s[: first.start] + s[second.end :])
            return Measure("window", text, start=one[0], end=two[1], words=words)
    except (ValueError, OverflowError):  # 2023年2月30日
        return Measure("unparsed", text, words=s)

    lo, hi, point = one
    prefix, rest = s[: first.start], s[first.end :]
    op: str | None = None
    ops = list(_OP_RE.finditer(prefix))
    if ops:
        op = _OP_OF[ops[-1].group()]
        prefix = prefix[: ops[-1].start()] + prefix[ops[-1].end() :]
    elif dl := _DEADLINE_WORDS_RE.search(prefix):  # 截至2023年底
        op, prefix = "<=", prefix[: dl.start()]
    elif fr := _FROM_WORDS_RE.search(prefix):
        op, prefix = ">=", prefix[: fr.start()]
    if before := _BEFORE_RE.match(rest):  # 2023年12月21日前完成, 2023年12月前
        op, rest = op or "<=", rest[before.end() :]
        lo, point = hi, True
    elif after := _AFTER_RE.match(rest):  # 2023年6月1日起
        op, rest = op or ">=", rest[after.end() :]
        hi, point = lo, True
    if first.qual in ("底", "末", "内"):  # 2023年12月末, 2023年底, 2023年内 (docs/forms.md §2)
        op = op or "<="
    words = _trim(_trim(prefix) + _trim(rest)).removeprefix("于")
    if not point and op in ("<=", "<"):  # ≤2023年12月: by the end of the month
        lo, point = hi, True
    elif not point and op in (">=", ">"):
        hi, point = lo, True
    if point:
        return Measure("date", text, op=op, start=lo, end=lo, words=words)  # type: ignore[arg-type]
    return Measure("window", text, op=op, start=lo, end=hi, words=words)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------


def parse(text: str, role: Literal["target", "actual"] = "actual", year: int | None = None) -> Measure:
    """Read one target (role "target") or actual (role "actual") cell.

    `year` is the form's 绩效自评年度, used for dates written without a year (12月底前).
    A qualitative target is kind "grade" with grade None (it states what to achieve); a qualitative
    actual is graded from its words, or "unparsed" when the words do not say. Never raises.
    """
    original = text if isinstance(text, str) else ("" if text is None else str(text))
    if year is None or type(year) is int:
        return _parse_cached(original, role, year)
    return _parse_safely(original, role, year)


def _parse_safely(text: str, role: str, year: object) -> Measure:
    try:
        return _parse(text, role, year)
    except Exception:  # a bug must not stop the reading of a whole form; the rules report it
        return Measure("unparsed", text, words=text.strip())


# Memoised (Measure is frozen): the rules and the checks parse the same cells, and targets such as
# ">90%" or "100%" recur in every form.
_parse_cached = lru_cache(maxsize=16384)(_parse_safely)


def _parse(text: str, role: str, year: object) -> Measure:
    s = _normalise(text)
    if not s:
        return Measure("empty", text)
    if s.strip(_STRIP).upper() in _NA:
        return Measure("na", text)
    try:
        y = int(year) if year is not None and not isinstance(year, bool) else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        y = None
    if y is not None and not 1 <= y <= 9998:
        y = None
    found = _date(text, s, y)
    if found is None:
        found = _number(text, s)
    if found is not None:
        return found
    words = _trim(s)
    if role == "target":
        if _CJK_RE.search(words) or re.search(r"[A-Za-z]", words):
            return Measure("grade", text, words=words)
        return Measure("unparsed", text, words=s)
    grade = grade_words(words)
    if grade is None:
        return Measure("unparsed", text, words=s)
    return Measure("grade", text, grade=grade, words=words)
