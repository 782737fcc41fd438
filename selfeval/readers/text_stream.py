"""Rebuild table rows from a stream of cells whose row structure was lost.

One-cell-per-line dumps (web pages, PDF-to-text) and pipe tables whose merged cells were flattened
out of order give cells in reading order but not their rows. The form's fixed vocabulary says where
a structure starts (header labels, funds row labels, level names, 总分); inside a structure each cell
is placed on a header column by what it holds (an amount, a percentage, a weight that fits, a score
not above its weight, a name that is not a value). Every way of doing that is counted: one way is
evidence, two ways are a guess, and a guess is refused (`StreamRefused`) with the line it concerns.
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
_FUNDS_COL0 = 3  # funds header fields start here: col 1 holds 项目资金（元）, col 2 the row label
_GRID_COL0 = 2  # indicator header fields start here: col 1 holds 年度绩效指标


class StreamRefused(Exception):
    """The cells cannot be put back in rows with confidence. code: an Issue code; line: where."""

    def __init__(self, code: str, line: int, text: str, why: str = ""):
        super().__init__(f"{code} line {line}: {why} {text}")
        self.code, self.line, self.text, self.why = code, line, text, why


def _key(cell: Cell) -> str:
    return vocab.norm(cell.text)


def _points(text: str) -> float | None:
    value = to_number(text)
    if value is None and text.rstrip().endswith(("分", "元")):
        value = to_number(text.rstrip()[:-1])
    return value


def _percent(text: str) -> float | None:
    t = text.strip()
    return to_number(t[:-1]) if t.endswith(("%", "％")) else to_number(t)


def _is_placeholder(text: str) -> bool:
    return text.strip() in PLACEHOLDERS or not text.strip()


def _without_empties(cells: list[Cell]) -> list[Cell]:
    return [c for c in cells if c.text.strip()]


_BARE_LEVEL1 = re.compile(
    r"^[(（]\d+(?:\.\d+)?分[)）]$"
)  # `(50分)`: a level-1 cell whose name was not printed
_LEFTOVER = re.compile(
    r"^(指标\d+[:：]?|[….·。]+)$"
)  # an empty `指标2：` row and its `……` (template leftovers)


def _is_level(key: str) -> bool:
    return bool(vocab.level1_of(key) or vocab.level2_family(key) or _BARE_LEVEL1.match(key))


def _snippet(cells: list[Cell], limit: int = 60) -> str:
    return " | ".join(c.text for c in cells)[:limit]


# ---------------------------------------------------------------------------------------------
# 资金使用情况: values of one funds row onto the header's fields


def _funds_fits(field: str, text: str, placed: dict[str, str]) -> bool:
    if _is_placeholder(text):
        return True
    if field == "other":
        return True  # a column the funds table has beyond ours (原因): any text
    if field in ("initial_budget", "annual_budget", "executed"):
        value = _points(text)
        return value is not None and value >= 0
    if field == "weight":
        value = _points(text)
        return value is not None and 0 < value <= 100
    if field == "rate":
        return _percent(text) is not None
    if field == "score":
        value = _points(text)
        weight = _points(placed.get("weight", "")) if "weight" in placed else None
        return value is not None and value >= 0 and (weight is None or value <= weight + 1e-9)
    return False


def _rate_verified(mapping: dict[str, str]) -> bool:
    """The printed 执行率 equals 全年执行数 / 全年预算数 (the document checking itself)."""
    budget, executed = _points(mapping.get("annual_budget", "")), _points(mapping.get("executed", ""))
    rate = _percent(mapping.get("rate", ""))
    if budget is None or executed is None or rate is None or budget <= 0:
        return False
    computed = executed / budget * 100
    return abs(computed - rate) <= 0.011 or abs(computed / 100 - rate) <= 0.00011


def funds_mappings(fields: list[str], values: list[Cell]) -> list[dict[str, Cell]]:
    """Every order-preserving placement of a funds row's values on the header fields that fits."""
    if len(values) > len(fields):
        return []
    found = []
    for chosen in combinations(fields, len(values)):
        placed: dict[str, str] = {}
        ok = True
        for field, cell in zip(chosen, values, strict=True):
            if not _funds_fits(field, cell.text, placed):
                ok = False
                break
            placed[field] = cell.text
        if ok:
            found.append(dict(zip(chosen, values, strict=True)))
    return found


AMOUNTS = frozenset({"initial_budget", "annual_budget", "executed"})


def resolve_funds(
    fields: list[str], values: list[Cell], line: int, like: frozenset[str] | None
) -> dict[str, Cell]:
    """Where a funds row's cells go. Empty cells the text kept are tried first, then left out."""
    if all(_is_placeholder(c.text) for c in values):
        return {}  # nothing printed but dashes and blanks
    try:
        return _resolve_funds(fields, values, line, like)
    except StreamRefused as refused:
        solid = _without_empties(values)
        if refused.code != "TEXT_ORDER_LOST" or len(solid) == len(values):
            raise
        return _resolve_funds(fields, solid, line, like)


def _printed(mapping: dict[str, Cell]) -> frozenset[tuple[str, str, int]]:
    return frozenset((f, c.text, c.row) for f, c in mapping.items() if not _is_placeholder(c.text))


def _resolve_funds(
    fields: list[str], values: list[Cell], line: int, like: frozenset[str] | None
) -> dict[str, Cell]:
    """The one placement the cells allow (placements differing only in where a dash or a blank goes
    are one); else the one the printed 执行率 confirms; else, for a sub-row (`like`: the amount columns
    the total row filled), the one that fills the same amount columns and nothing else; else refused."""
    options = list({_printed(m): m for m in funds_mappings(fields, values)}.values())
    if len(options) == 1:
        return options[0]
    if not options:
        raise StreamRefused("TEXT_ORDER_LOST", line, _snippet(values), "资金表数值与表头各列对不上")
    verified = [m for m in options if _rate_verified({k: c.text for k, c in m.items()})]
    if len(verified) == 1:
        return verified[0]
    if like is not None:
        same = [
            m
            for m in options
            if frozenset(f for f, c in m.items() if not _is_placeholder(c.text) and f in AMOUNTS) == like
            and all(f in AMOUNTS or f == "rate" or _is_placeholder(c.text) for f, c in m.items())
        ]
        if len(same) == 1:
            return same[0]
    raise StreamRefused("TEXT_AMBIGUOUS", line, _snippet(values), "资金表缺少单元格，无法确定缺的是哪一列")


# ---------------------------------------------------------------------------------------------
# 年度绩效指标: a run of cells split into indicator rows, each cell on a header field


# units a 度量单位 column holds (domain.md §2, and other regions' forms): never a name or a reason
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
        if _is_placeholder(text):
            return True
        value = _points(text)
        return value is not None and 0 <= value <= 100
    if field == "score":
        if _is_placeholder(text):
            return True
        value = _points(text)
        weight = _points(placed["weight"]) if "weight" in placed else None
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
        if scored and not any(
            f in scored and not _is_placeholder(c.text) for f, c in zip(chosen, cells, strict=True)
        ):
            continue
        placed: dict[str, str] = {}
        ok = True
        for field, cell in zip(chosen, cells, strict=True):
            if not _indicator_fits(field, cell.text, placed):
                ok = False
                break
            placed[field] = cell.text
        if ok:
            found.append(dict(zip(chosen, cells, strict=True)))
    return found


def split_records(fields: list[str], cells: list[Cell], name_optional: bool) -> list[dict[str, Cell]]:
    """The one way to cut `cells` into indicator rows; refused when there is none or more than one.

    Empty cells the text kept are evidence of position and are tried first; when they do not fit
    (blank merged cells also leave them), the reading is made from the non-empty cells alone."""
    try:
        return _split_records(fields, cells, name_optional)
    except StreamRefused as refused:
        solid = _without_empties(cells)
        if refused.code != "TEXT_ORDER_LOST" or len(solid) == len(cells) or not solid:
            raise
        return _split_records(fields, solid, name_optional)


def _split_records(fields: list[str], cells: list[Cell], name_optional: bool) -> list[dict[str, Cell]]:
    n = len(cells)
    # parses[i]: up to two readings of cells[i:], each a list of rows
    parses: list[list[list[dict[str, Cell]]]] = [[] for _ in range(n + 1)]
    parses[n] = [[]]
    for i in range(n - 1, -1, -1):
        for length in range(1, min(len(fields), n - i) + 1):
            if not parses[i + length]:
                continue
            for record in _records(fields, cells[i : i + length], name_optional and i == 0):
                for rest in parses[i + length]:
                    parses[i].append([record, *rest])
                    if len(parses[i]) > 1:
                        break
                if len(parses[i]) > 1:
                    break
            if len(parses[i]) > 1:
                break
    if not parses[0]:
        raise StreamRefused("TEXT_ORDER_LOST", cells[0].row, _snippet(cells), "指标行单元格与表头各列对不上")
    if len(parses[0]) > 1:
        line = _first_difference(parses[0][0], parses[0][1], cells[0].row)
        raise StreamRefused("TEXT_AMBIGUOUS", line, _snippet(cells), "指标行可以有多种分法")
    return parses[0][0]


def _first_difference(a: list[dict[str, Cell]], b: list[dict[str, Cell]], default: int) -> int:
    def flat(parse):
        return [(f, c.row, c.text) for r in parse for f, c in sorted(r.items(), key=lambda x: x[1].row)]

    for x, y in zip(flat(a), flat(b), strict=False):
        if x != y:
            return min(x[1], y[1])
    return default


# ---------------------------------------------------------------------------------------------
# the whole form


class _Builder:
    """Walks one form's cells in order and emits rows with header-aligned columns."""

    def __init__(self) -> None:
        self.rows: list[list[Cell]] = []
        self.current: list[Cell] = []
        self.funds_fields: list[str] = []
        self.total_like: frozenset[str] | None = None
        self.grid_fields: list[str] = []
        self.grid_cols: dict[str, int] = {}
        self.phase = "top"  # top -> funds -> goals -> grid -> after
        self.funds_prefix: Cell | None = None
        self.total_funds: dict[str, Cell] = {}

    def flush(self) -> None:
        if self.current:
            self.rows.append(self.current)
        self.current = []

    def emit(self, cells: list[Cell]) -> None:
        self.flush()
        cells = [c for c in cells if c.text.strip()]
        if cells:
            self.rows.append(cells)


def regroup(cells: list[Cell]) -> list[Row]:
    """Rows of one form rebuilt from its cells in reading order. Raises StreamRefused."""
    b = _Builder()
    i, n = 0, len(cells)
    while i < n:
        cell = cells[i]
        key = _key(cell)
        if key in ("其中", "其中:"):
            i += 1
            continue
        if not cell.text.strip():
            i += 1  # an empty cell outside a table row: a blank of a merged title or label
            continue
        # the funds header: a run of funds column words
        if b.phase in ("top", "goals") and _funds_header_word(key) and not b.funds_fields:
            header = _funds_header(cells, i)
            if header is not None:
                run, fields, j = header
                b.flush()
                # the label column's header goes on its own row above: it names no figure, and its
                # 万元 stays beside the table where the unit is looked for
                b.emit([Cell(c.text, c.row, 2) for c, f, _ in run if f == "label"])
                b.emit(
                    [Cell(c.text, c.row, _FUNDS_COL0 + k) for c, f, k in run if f not in ("label", "other")]
                )
                b.funds_fields = fields
                b.phase = "funds"
                i = j
                continue
        if key.startswith("项目资金") and vocab.funds_row_label(key) is None and b.phase in ("top", "funds"):
            b.flush()
            b.funds_prefix = cell
            i += 1
            continue
        label = vocab.funds_row_label(key) if len(key) <= 20 else None
        if label is None and b.phase == "funds" and _unknown_funds_label(key):
            label = "unknown"
        if label is not None and b.phase != "grid":
            if b.phase != "funds":
                raise StreamRefused("TEXT_ORDER_LOST", cell.row, cell.text, "资金行出现在资金表头之前")
            j = i + 1
            while j < n and not _ends_funds_row(_key(cells[j])):
                j += 1
            values = cells[i + 1 : j]
            if label == "unknown":  # a sub-row we have no name for (财政专户管理资金): kept as printed
                b.emit(
                    [Cell(c.text, c.row, k) for k, c in enumerate([cell, *_without_empties(values)], start=1)]
                )
                i = j
                continue
            mapping = resolve_funds(
                b.funds_fields, values, cell.row, None if label == "total" else b.total_like
            )
            if label == "total":
                b.total_like = frozenset(
                    f for f, c in mapping.items() if f in AMOUNTS and not _is_placeholder(c.text)
                )
                b.total_funds = mapping
            row = [Cell(cell.text, cell.row, 2)]
            if b.funds_prefix is not None:
                row.insert(0, Cell(b.funds_prefix.text, b.funds_prefix.row, 1))
                b.funds_prefix = None
            cols = {f: _FUNDS_COL0 + k for k, f in enumerate(b.funds_fields)}
            # a column of words beside the figures (原因) has no place in the Form: left out
            placed = (Cell(c.text, c.row, cols[f]) for f, c in mapping.items() if f != "other")
            row += sorted(placed, key=lambda c: c.col)
            b.emit(row)
            i = j
            continue
        if key in vocab.INDICATOR_HEADER_FIRST and b.phase != "grid":
            i = _grid(b, cells, i)
            continue
        if b.phase == "funds" and (vocab.is_goal_label(key) or vocab.starts_row(key)):
            b.phase = "goals"
        if _is_level(key) or vocab.indicator_header_field(key) in ("level1", "level2"):
            raise StreamRefused("TEXT_ORDER_LOST", cell.row, cell.text, "指标名称出现在指标表头之前")
        if vocab.starts_row(key) or vocab.is_goal_label(key) == "label":
            b.flush()
        b.current.append(cell)
        i += 1
    b.flush()
    return [tuple(_numbered(r)) for r in b.rows]


def _numbered(row: list[Cell]):
    """Cells keep header-aligned columns where they have them; others are numbered in order."""
    if all(c.col > 0 for c in row) and len({c.col for c in row}) == len(row):
        return row
    return [Cell(c.text, c.row, k) for k, c in enumerate(row, start=1)]


def _funds_header(cells: list[Cell], i: int):
    """The funds header starting at cells[i]: (cells with their field and column index, fields, end).

    Blank cells inside it are skipped; a first word that a later one repeats (四川's 年度预算数(万元)
    over the row-label column, before 年初预算 / 调整后预算数 / 预算执行数) heads the label column;
    a 原因 column after the figures is kept as a text column."""
    n = len(cells)
    found: list[tuple[Cell, str]] = []
    j = i
    while j < n:
        key = _key(cells[j])
        if not cells[j].text.strip():
            j += 1
            continue
        f = vocab.funds_header_field(key)
        if f is None and found and ("原因" in key or key in ("备注", "说明")):
            f = "other"
        if f is None or (f in [g for _, g in found[1:]] and f != "other"):
            break
        found.append((cells[j], f))
        j += 1
    if len(found) > 1 and found[0][1] in [f for _, f in found[1:]]:
        found[0] = (found[0][0], "label")
    fields = [f for _, f in found if f != "label"]
    if not {"annual_budget", "executed"} <= set(fields) or len(set(fields)) != len(fields):
        return None
    run, k = [], 0
    for c, f in found:
        run.append((c, f, k))
        k += f != "label"
    return run, fields, j


def _unknown_funds_label(key: str) -> bool:
    """A funds sub-row label the vocabulary does not name: 其中:财政资金, 单位资金, 财政专户管理资金."""
    return 2 <= len(key) <= 12 and (key.endswith("资金") or key.startswith("其中")) and to_number(key) is None


def _funds_header_word(key: str) -> bool:
    return vocab.funds_header_field(key) in ("initial_budget", "annual_budget", "executed")


def _ends_funds_row(key: str) -> bool:
    return bool(
        (len(key) <= 20 and vocab.funds_row_label(key))
        or _unknown_funds_label(key)
        or (len(key) <= 20 and vocab.indicator_header_field(key) is not None and not key.startswith("原因"))
        or key.startswith(("年度绩效", "绩效指标", "绩效目标"))
        or key.startswith("项目资金")
        or vocab.is_goal_label(key)
        or key in vocab.INDICATOR_HEADER_FIRST
        or vocab.starts_row(key)
        or vocab.is_title(key)
    )


def _grid(b: _Builder, cells: list[Cell], i: int) -> int:
    """The indicator header at cells[i], its rows and the 总分 row; returns where the grid ends."""
    n = len(cells)
    head = [cells[i]]
    j = i + 1
    run: list[tuple[Cell, str]] = []
    if vocab.indicator_header_field(_key(cells[i])) == "level1":
        head, j = [], i
    while j < n:
        if not cells[j].text.strip():
            j += 1
            continue
        f = vocab.indicator_header_field(_key(cells[j]))
        if f is None:
            break
        if f == "reason" and "reason" in [g for _, g in run]:
            f = "measures"
        if f in [g for _, g in run]:
            break
        run.append((cells[j], f))
        j += 1
    fields = [f for _, f in run]
    if head and not fields:  # 年度绩效指标 as a section title, the header further on
        b.flush()
        b.current.append(cells[i])
        return i + 1
    if not ({"name", "target"} <= set(fields) and {"weight", "score"} & set(fields)):
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, _snippet(cells[i : j + 1]), "指标表头不完整")
    cols = {f: _GRID_COL0 + k for k, f in enumerate(fields)}
    b.flush()
    b.emit([Cell(c.text, c.row, 1) for c in head] + [Cell(c.text, c.row, cols[f]) for c, f in run])
    b.phase = "grid"
    data_fields = [f for f in fields if f not in ("level1", "level2")]
    # groups: level cells, then the data cells up to the next level name
    end = j
    while end < n and not _ends_grid(_key(cells[end])):
        end += 1
    groups: list[tuple[list[Cell], list[Cell]]] = []
    for cell in cells[j:end]:
        key = _key(cell)
        field = vocab.indicator_header_field(key)
        if not _is_level(key) and (field in ("level1", "level2", "name") or key in ("分值", "得分")):
            raise StreamRefused("TEXT_ORDER_LOST", cell.row, cell.text, "表头出现在指标行之间")
        if _LEFTOVER.match(key):
            groups.append(([], [cell]))  # its own row, never glued to a neighbour
            groups.append(([], []))
            continue
        if _is_level(key):
            if groups and not groups[-1][1] and _level_order_ok(groups[-1][0], key):
                groups[-1][0].append(cell)
            else:
                groups.append(([cell], []))
        else:
            if not groups:
                groups.append(([], []))
            groups[-1][1].append(cell)
    all_records: list[dict[str, Cell]] = []
    for levels, data in groups:
        if not _without_empties(data):
            data = []
        if all(_LEFTOVER.match(_key(c)) for c in data) and data:
            leftover = [Cell(c.text, c.row, cols.get("name", 1) + k) for k, c in enumerate(data)]
            b.emit(leftover)
            continue
        records = split_records(data_fields, data, name_optional=bool(levels)) if data else []
        all_records += records
        first = True
        for record in records or [{}]:
            row = []
            if first:
                for lv in levels:
                    f = "level2" if vocab.level2_family(_key(lv)) else "level1"
                    row.append(Cell(lv.text, lv.row, cols.get(f, 1)))
                first = False
            row += [Cell(c.text, c.row, cols[f]) for f, c in record.items() if c.text.strip()]
            if row:
                b.emit(sorted(row, key=lambda c: c.col))
    if end < n and vocab.is_total_label(_key(cells[end])):
        end = _total(b, cells, end, cols, all_records)
    return end


def _level_order_ok(previous: list[Cell], key: str) -> bool:
    """A level-2 name may follow its level-1 name in one group; two level-1 names may not."""
    return bool(vocab.level2_family(key)) and not any(vocab.level2_family(_key(c)) for c in previous)


def _ends_grid(key: str) -> bool:
    return vocab.is_total_label(key) or vocab.is_remark_label(key) or vocab.is_form_start(key)


def _total(
    b: _Builder, cells: list[Cell], i: int, cols: dict[str, int], records: list[dict[str, Cell]]
) -> int:
    """The 总分 row: its cells on 分值/得分/偏差原因 by what they hold; when that leaves a choice, the
    one whose numbers equal the form's own sums (weights or scores of the rows plus the funds')."""
    n = len(cells)
    j = i + 1
    while (
        j < n
        and not _ends_grid(_key(cells[j]))
        and (_is_placeholder(cells[j].text) or _points(cells[j].text) is not None)
    ):
        j += 1
    fields = [f for f in ("weight", "score", "reason") if f in cols]
    options = _total_options(fields, cells[i + 1 : j])
    if not options:
        options = _total_options(fields, _without_empties(cells[i + 1 : j]))
    if len(options) > 1:
        sums = _sums(b, records)
        options = [
            m
            for m in options
            if all(
                f == "reason" or _is_placeholder(c.text) or _near(_points(c.text), sums.get(f))
                for f, c in m.items()
            )
        ]
    if len(options) != 1:
        why = "总分行的数值无法确定是分值还是得分"
        raise StreamRefused("TEXT_AMBIGUOUS", cells[i].row, _snippet(cells[i:j]), why)
    placed = [Cell(c.text, c.row, cols[f]) for f, c in options[0].items() if c.text.strip()]
    b.emit([Cell(cells[i].text, cells[i].row, 1), *sorted(placed, key=lambda c: c.col)])
    return j


def _total_options(fields: list[str], values: list[Cell]) -> list[dict[str, Cell]]:
    """Placements of the 总分 row's cells; those differing only in where a blank or dash goes are one."""
    options: dict[frozenset, dict[str, Cell]] = {}
    if len(values) <= len(fields):
        for chosen in combinations(fields, len(values)):
            mapping = dict(zip(chosen, values, strict=True))
            if all(_total_fits(f, c.text) for f, c in mapping.items()):
                options.setdefault(_printed(mapping), mapping)
    return list(options.values())


def _total_fits(field: str, text: str) -> bool:
    if field == "reason":
        return to_number(text) is None
    return _points(text) is not None or _is_placeholder(text)


def _near(value: float | None, expected: float | None) -> bool:
    return value is not None and expected is not None and abs(value - expected) <= 0.05


def _sums(b: _Builder, records: list[dict[str, Cell]]) -> dict[str, float]:
    """Weights and scores the form itself adds up to (rows plus the funds row), where all are printed."""
    sums: dict[str, float] = {}
    for field in ("weight", "score"):
        funds = _points(b.total_funds[field].text) if field in b.total_funds else None
        rows = [_points(r[field].text) if field in r else 0.0 for r in records]
        if funds is not None and all(v is not None for v in rows):
            sums[field] = funds + sum(v for v in rows if v is not None)
    return sums
