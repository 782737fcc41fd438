"""Where the cells of a rebuilt row go: each on a header column by what it holds.

Used by text_stream for text that lost its rows. A cell fits a column by its content (an amount, a
percentage, a weight that fits, a score not above its weight, a name that is not a value, a unit, an
operator); every placement of a run of cells (and every way to cut it into indicator rows) is
counted. One is evidence; none or two are refused (`StreamRefused`) with the line concerned.
"""

from __future__ import annotations

import re
from itertools import combinations

from selfeval.model import Cell
from selfeval.readers import vocab
from selfeval.values import to_number

Row = tuple[Cell, ...]
PLACEHOLDERS = {"—", "-", "–", "/", "／", "——", "－"}
# a value, not a name: starts with an operator, or with a number that is not a list number (`1、服务人次`)
_VALUE_START = re.compile(r"^\s*([<>=≤≥＜＞＝≧≦═]|\d+(?:\.\d+)?(?![、.．)）]\D))")


class StreamRefused(Exception):
    """The cells cannot be put back in rows with confidence. code: an Issue code; line: where."""

    def __init__(self, code: str, line: int, text: str, why: str = ""):
        super().__init__(f"{code} line {line}: {why} {text}")
        self.code, self.line, self.text, self.why = code, line, text, why


def key_of(cell: Cell) -> str:
    return vocab.norm(cell.text)


def points(text: str) -> float | None:
    value = to_number(text)
    if value is None and text.rstrip().endswith(("分", "元")):
        value = to_number(text.rstrip()[:-1])
    return value


def _percent(text: str) -> float | None:
    t = text.strip()
    return to_number(t[:-1]) if t.endswith(("%", "％")) else to_number(t)


def is_placeholder(text: str) -> bool:
    return text.strip() in PLACEHOLDERS or not text.strip()


def without_empties(cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if c.text.strip()]


def _without_trailing_empties(cells: list[Cell]) -> list[Cell]:
    """Blank cells after a row's last printed one: the rest of a merged or unused region, not a
    column of their own."""
    end = len(cells)
    while end and not cells[end - 1].text.strip():
        end -= 1
    return cells[:end]


# `(50分)`: a level-1 cell whose name was not printed
_BARE_LEVEL1 = re.compile(r"^[(（]\d+(?:\.\d+)?分[)）]$")
# an empty `指标2：` row and its `……` (template leftovers)
LEFTOVER = re.compile(r"^(指标\d+[:：]?|[….·。]+)$")


def is_level(key: str) -> bool:
    return bool(vocab.level1_of(key) or vocab.level2_family(key) or _BARE_LEVEL1.match(key))


def snippet(cells: list[Cell], limit: int = 60) -> str:
    return " | ".join(c.text for c in cells)[:limit]


# ---------------------------------------------------------------------------------------------
# 资金使用情况: values of one funds row onto the header's fields


def _funds_fits(field: str, text: str, placed: dict[str, str]) -> bool:
    if is_placeholder(text):
        return True
    if field == "other":
        return True  # a column the funds table has beyond ours (原因): any text
    if field in ("initial_budget", "annual_budget", "executed"):
        value = points(text)
        return value is not None and value >= 0
    if field == "weight":  # the budget block's weight: 10 or 20 (docs/forms.md §6), a whole number
        value = points(text)
        return value is not None and 0 < value <= 30 and value == int(value)
    if field == "rate":
        return _percent(text) is not None
    if field == "score":  # at most the budget block's weight, itself at most 30
        value = points(text)
        weight = points(placed.get("weight", "")) if "weight" in placed else None
        return value is not None and 0 <= value <= 30 and (weight is None or value <= weight + 1e-9)
    return False


def _rate_verified(mapping: dict[str, str]) -> bool:
    """The printed 执行率 equals 全年执行数 / 全年预算数 (the document checking itself)."""
    budget, executed = points(mapping.get("annual_budget", "")), points(mapping.get("executed", ""))
    return _rate_is(_percent(mapping.get("rate", "")), executed, budget)


def _rate_is(rate: float | None, executed: float | None, budget: float | None) -> bool:
    if budget is None or executed is None or rate is None or budget <= 0:
        return False
    computed = executed / budget * 100
    return abs(computed - rate) <= 0.011 or abs(computed / 100 - rate) <= 0.00011


def _rate_far_off(mapping: dict[str, Cell]) -> bool:
    """The printed 执行率 is more than half a point from 执行数 / 预算数. Published forms round and
    err, but in a text that lost its rows this more likely means an amount moved: not read."""
    texts = {f: c.text for f, c in mapping.items()}
    budget, executed = points(texts.get("annual_budget", "")), points(texts.get("executed", ""))
    rate = _percent(texts.get("rate", ""))
    if budget is None or executed is None or rate is None or budget <= 0:
        return False
    computed = executed / budget * 100
    return abs(computed - rate) > 0.5 and abs(computed / 100 - rate) > 0.005


def _amounts_out_of_order(mapping: dict[str, Cell]) -> bool:
    """The printed 执行率 does not come from the amounts where they were placed, but does from the
    same amounts in other columns: the order of the columns was lost (a flattened header)."""
    texts = {f: c.text for f, c in mapping.items()}
    rate = _percent(texts.get("rate", ""))
    amounts = [points(texts[f]) for f in ("initial_budget", "annual_budget", "executed") if f in texts]
    if rate is None or len(amounts) < 2 or _rate_verified(texts):
        return False
    return any(_rate_is(rate, a, b) for a in amounts for b in amounts if a is not b)


def funds_mappings(fields: list[str], values: list[Cell]) -> list[dict[str, Cell]]:
    """Every order-preserving placement of a funds row's values on the header fields that fits."""
    if len(values) > len(fields):
        return []
    found = []
    for chosen in combinations(fields, len(values)):
        if _fits_in_order(chosen, values, _funds_fits):
            found.append(dict(zip(chosen, values, strict=True)))
    return found


def _fits_in_order(chosen, cells: list[Cell], fits) -> bool:
    """Each cell fits its field given the ones placed before it, and 得分 ≤ 分值 in the end."""
    placed: dict[str, str] = {}
    for field, cell in zip(chosen, cells, strict=True):
        if not fits(field, cell.text, placed):
            return False
        placed[field] = cell.text
    return _score_within_weight(placed)


def _score_within_weight(placed: dict[str, str]) -> bool:
    """0 ≤ 得分 ≤ 分值, whichever of the two the header prints first."""
    weight, score = points(placed.get("weight", "")), points(placed.get("score", ""))
    return weight is None or score is None or score <= weight + 1e-9


AMOUNTS = frozenset({"initial_budget", "annual_budget", "executed"})


def resolve_funds(
    fields: list[str], values: list[Cell], line: int, like: frozenset[str] | None
) -> dict[str, Cell]:
    """Where a funds row's cells go. Empty cells the text kept are tried first, then left out."""
    if all(is_placeholder(c.text) for c in values):
        return {}  # nothing printed but dashes and blanks
    try:
        return _resolve_funds(fields, values, line, like)
    except StreamRefused as refused:
        if refused.code != "TEXT_ORDER_LOST":
            raise
        for fewer in (_without_trailing_empties(values), without_empties(values)):
            if len(fewer) < len(values):
                try:
                    return _resolve_funds(fields, fewer, line, like)
                except StreamRefused as again:
                    if again.code != "TEXT_ORDER_LOST":
                        raise
        raise


def printed(mapping: dict[str, Cell]) -> frozenset[tuple[str, str, int]]:
    return frozenset((f, c.text, c.row) for f, c in mapping.items() if not is_placeholder(c.text))


def _resolve_funds(
    fields: list[str], values: list[Cell], line: int, like: frozenset[str] | None
) -> dict[str, Cell]:
    """The one placement the cells allow (placements differing only in where a dash or a blank goes
    are one); else the one the printed 执行率 confirms; else, for a sub-row (`like`: the amount columns
    the total row filled), the one that fills the same amount columns and nothing else; else refused."""
    options = list({printed(m): m for m in funds_mappings(fields, values)}.values())
    if len(options) == 1:
        if _amounts_out_of_order(options[0]) or _rate_far_off(options[0]):
            why = "执行率与所在列的预算数、执行数对不上"
            raise StreamRefused("TEXT_ORDER_LOST", line, snippet(values), why)
        return options[0]
    if not options:
        raise StreamRefused("TEXT_ORDER_LOST", line, snippet(values), "资金表数值与表头各列对不上")
    verified = [m for m in options if _rate_verified({k: c.text for k, c in m.items()})]
    if len(verified) == 1:
        return verified[0]
    if like is not None:
        same = [
            m
            for m in options
            if frozenset(f for f, c in m.items() if not is_placeholder(c.text) and f in AMOUNTS) == like
            and all(f in AMOUNTS or f == "rate" or is_placeholder(c.text) for f, c in m.items())
        ]
        if len(same) == 1:
            return same[0]
    raise StreamRefused("TEXT_AMBIGUOUS", line, snippet(values), "资金表缺少单元格，无法确定缺的是哪一列")


# ---------------------------------------------------------------------------------------------
# 年度绩效指标: a run of cells split into indicator rows, each cell on a header field


# units a 度量单位 column holds (docs/forms.md §2, and other regions' forms): never a name or a reason
UNITS = frozenset(
    [
        "人次",
        "人",
        "名",
        "个",
        "次",
        "项",
        "台",
        "份",
        "件",
        "起",
        "岗",
        "年",
        "月",
        "日",
        "天",
        "%",
        "％",
        "元",
        "万元",
        "亿元",
        "元/人",
        "处",
        "户",
        "所",
        "家",
        "公里",
        "千米",
        "米",
        "平方米",
        "亩",
        "吨",
        "辆",
        "套",
        "场",
        "期",
        "批",
        "篇",
        "本",
        "册",
        "课时",
        "小时",
    ]
)


def _is_unit(text: str) -> bool:
    return vocab.norm(text) in UNITS


def _is_operator(text: str) -> bool:
    op = vocab.nature_operator(text)
    return op is not None and op != ""


def _name_fits(text: str) -> bool:
    t = text.strip()
    if t in ("/", "／", "不适用"):
        return True
    return (
        len(t) >= 2
        and t not in ("无", "—", "-")
        and not _is_unit(t)
        and not _is_operator(t)
        and not _VALUE_START.match(vocab.norm(t) or t)
    )


def _indicator_fits(field: str, text: str, placed: dict[str, str]) -> bool:
    if not text.strip():
        return True  # an empty cell the text kept (a lone `|` line): this field is blank
    if field == "name":
        return _name_fits(text)
    if field == "weight":
        if is_placeholder(text):
            return True
        value = points(text)
        return value is not None and 0 <= value <= 100
    if field == "score":
        if is_placeholder(text):
            return True
        value = points(text)
        weight = points(placed["weight"]) if "weight" in placed else None
        return value is not None and 0 <= value <= (weight if weight is not None else 100) + 1e-9
    if field in ("reason", "measures"):
        return to_number(text) is None and not _is_unit(text) and not _is_operator(text)
    if field in ("target", "actual"):
        return not _is_operator(text) and not _is_unit(text)
    if field == "nature":
        return vocab.nature_operator(text) is not None
    if field == "unit":
        t = vocab.norm(text)
        return 0 < len(t) <= 6 and not re.search(r"\d", t)
    return True  # target, actual and unknown fields hold any text


def _records(fields: list[str], cells: list[Cell], name_optional: bool) -> list[dict[str, Cell]]:
    """Every way to read `cells` as one indicator row."""
    if not cells or len(cells) > len(fields):
        return []
    scored = {"weight", "score"} & set(fields)
    found = []
    for chosen in combinations(fields, len(cells)):
        if "name" not in chosen and not name_optional:
            continue
        texts = {f: c.text.strip() for f, c in zip(chosen, cells, strict=True)}
        if texts.get("name") in ("不适用", "/", "／") and any(
            points(texts.get(f, "")) not in (None, 0) for f in ("weight", "score")
        ):
            continue  # a 不适用 row weighs 0 and scores 0 (docs/forms.md §3)
        named = any(f == "name" and c.text.strip() for f, c in zip(chosen, cells, strict=True))
        if not named and not name_optional:
            continue  # a blank in the name column is no name
        if not named and not any(
            f in ("target", "actual") and c.text.strip() for f, c in zip(chosen, cells, strict=True)
        ):
            continue  # a row without its name still says what it measures
        if scored and not any(
            f in scored and not is_placeholder(c.text) for f, c in zip(chosen, cells, strict=True)
        ):
            continue
        if _fits_in_order(chosen, cells, _indicator_fits):
            found.append(dict(zip(chosen, cells, strict=True)))
    return found


def split_records(
    fields: list[str], cells: list[Cell], name_optional: bool, one_line: bool = False
) -> list[dict[str, Cell]]:
    """The one way to cut `cells` into indicator rows; refused when there is none or more than one.

    Empty cells the text kept are evidence of position and are tried first; when they do not fit
    (blank merged cells also leave them), the reading is made from the non-empty cells alone."""
    try:
        return _split_records(fields, cells, name_optional, one_line)
    except StreamRefused as refused:
        if refused.code != "TEXT_ORDER_LOST":
            raise
        for fewer in (_without_trailing_empties(cells), without_empties(cells)):
            if fewer and len(fewer) < len(cells):
                try:
                    return _split_records(fields, fewer, name_optional, one_line)
                except StreamRefused as again:
                    if again.code != "TEXT_ORDER_LOST":
                        raise
        raise


def _split_records(
    fields: list[str], cells: list[Cell], name_optional: bool, one_line: bool
) -> list[dict[str, Cell]]:
    n = len(cells)
    # parses[i]: up to two readings of cells[i:], each a list of rows
    parses: list[list[list[dict[str, Cell]]]] = [[] for _ in range(n + 1)]
    parses[n] = [[]]
    for i in range(n - 1, -1, -1):
        for length in range(1, min(len(fields), n - i) + 1):
            if not parses[i + length]:
                continue
            piece = cells[i : i + length]
            if one_line and piece[0].row != piece[-1].row:
                break  # a table row of a pipe table is one line of the text
            for record in _records(fields, piece, name_optional and i == 0):
                for rest in parses[i + length]:
                    parses[i].append([record, *rest])
                    if len(parses[i]) > 1:
                        break
                if len(parses[i]) > 1:
                    break
            if len(parses[i]) > 1:
                break
    if not parses[0]:
        raise StreamRefused("TEXT_ORDER_LOST", cells[0].row, snippet(cells), "指标行单元格与表头各列对不上")
    if len(parses[0]) > 1:
        line = _first_difference(parses[0][0], parses[0][1], cells[0].row)
        raise StreamRefused("TEXT_AMBIGUOUS", line, snippet(cells), "指标行可以有多种分法")
    return parses[0][0]


def _first_difference(a: list[dict[str, Cell]], b: list[dict[str, Cell]], default: int) -> int:
    def flat(parse):
        return [(f, c.row, c.text) for r in parse for f, c in sorted(r.items(), key=lambda x: x[1].row)]

    for x, y in zip(flat(a), flat(b), strict=False):
        if x != y:
            return min(x[1], y[1])
    return default
