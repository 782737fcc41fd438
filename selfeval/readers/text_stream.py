"""Rebuild table rows from a stream of cells whose row structure was lost.

One-cell-per-line dumps (web pages, PDF-to-text) and pipe tables whose merged cells were flattened
out of order give cells in reading order but not their rows. The form's fixed vocabulary says where
a structure starts (header labels, funds row labels, level names, 总分); inside a structure each
cell goes where text_place finds exactly one placement for it, or the form is refused.
"""

from __future__ import annotations

from itertools import combinations

from selfeval.model import Cell
from selfeval.readers import vocab
from selfeval.readers.text_place import (
    AMOUNTS,
    LEFTOVER,
    Row,
    StreamRefused,
    is_level,
    is_placeholder,
    key_of,
    points,
    printed,
    resolve_funds,
    snippet,
    split_records,
    without_empties,
)
from selfeval.values import to_number

_FUNDS_COL0 = 3  # funds header fields start here: col 1 holds 项目资金（元）, col 2 the row label
_GRID_COL0 = 2  # indicator header fields start here: col 1 holds 年度绩效指标


# ---------------------------------------------------------------------------------------------
# the whole form


class _Builder:
    """Walks one form's cells in order and emits rows with header-aligned columns."""

    def __init__(self) -> None:
        self.rows: list[list[Cell]] = []
        self.current: list[Cell] = []
        self.funds_fields: list[str] = []
        self.total_like: frozenset[str] | None = None
        self.phase = "top"  # top -> funds -> goals -> grid
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


def regroup(cells: list[Cell], by_line: bool = False) -> list[Row]:
    """Rows of one form rebuilt from its cells in reading order. Raises StreamRefused.

    by_line: the text kept its rows outside the tables (a pipe table), so the header block and the
    goals keep their lines as rows; only the funds and indicator tables are rebuilt."""
    b = _Builder()
    i, n = 0, len(cells)
    while i < n:
        cell = cells[i]
        key = key_of(cell)
        if by_line and b.current and cell.row != b.current[-1].row and b.phase in ("top", "goals"):
            b.flush()
        if key == "其中":  # `其中：` printed in a cell of its own before the sub-rows
            i += 1
            continue
        if not cell.text.strip():
            i += 1  # an empty cell outside a table row: a blank of a merged title or label
            continue
        if b.phase == "top" and _is_figure(cell.text) and _beside_funds_header(cells, i):
            why = "数值夹在资金表头之间"
            raise StreamRefused("TEXT_ORDER_LOST", cell.row, snippet(cells[max(0, i - 2) : i + 3]), why)
        # the funds header: a run of funds column words
        if b.phase in ("top", "goals") and _funds_header_word(key) and not b.funds_fields:
            header = _funds_header(cells, i)
            if header is not None:
                run, fields, j = header
                title = b.current[-1] if b.current and _is_funds_title(key_of(b.current[-1])) else None
                if title is not None:
                    b.current.pop()  # the table's label goes into the header row, where its (10分) is read
                b.flush()
                # the label column's header goes on its own row above: it names no figure, and its
                # 万元 stays beside the table where the unit is looked for
                b.emit([Cell(c.text, c.row, 2) for c, f, _ in run if f == "label"])
                b.emit(
                    ([Cell(title.text, title.row, 1)] if title is not None else [])
                    + [Cell(c.text, c.row, _FUNDS_COL0 + k) for c, f, k in run if f not in ("label", "other")]
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
            while j < n and not _ends_funds_row(key_of(cells[j])):
                j += 1
            values = cells[i + 1 : j]
            if label == "unknown":  # a sub-row we have no name for (财政专户管理资金): kept as printed
                b.emit(
                    [Cell(c.text, c.row, k) for k, c in enumerate([cell, *without_empties(values)], start=1)]
                )
                i = j
                continue
            mapping = resolve_funds(
                b.funds_fields, values, cell.row, None if label == "total" else b.total_like
            )
            if label == "total":
                b.total_like = frozenset(
                    f for f, c in mapping.items() if f in AMOUNTS and not is_placeholder(c.text)
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
        if b.phase == "funds" and _is_figure(cell.text):
            i = _unlabelled_funds_row(b, cells, i)
            continue
        if b.phase == "funds" and (vocab.is_goal_label(key) or vocab.starts_row(key)):
            b.phase = "goals"
        if vocab.is_goal_label(key) in ("expected", "achieved") and b.phase != "grid":
            i = _goals(b, cells, i)
            continue
        if is_level(key) or vocab.indicator_header_field(key) in ("level1", "level2"):
            raise StreamRefused("TEXT_ORDER_LOST", cell.row, cell.text, "指标名称出现在指标表头之前")
        if vocab.starts_row(key) or vocab.is_goal_label(key) == "label":
            b.flush()
        b.current.append(cell)
        i += 1
    b.flush()
    return [tuple(_numbered(r)) for r in b.rows]


def _goals(b: _Builder, cells: list[Cell], i: int) -> int:
    """年度总体目标: its labels in one row, and under 预期目标 and 实际完成情况 the two texts that follow
    them, in the labels' order. Other than exactly two texts, they stay in a row of their own, in
    order, for the recogniser to say what it can."""
    n = len(cells)
    j = i
    while j < n and not _ends_goals(key_of(cells[j])):
        j += 1
    region = [c for c in cells[i:j] if c.text.strip()]
    labels = [c for c in region if vocab.is_goal_label(key_of(c))]
    texts = [c for c in region if not vocab.is_goal_label(key_of(c))]
    if b.current and vocab.is_goal_label(key_of(b.current[-1])) == "label":
        labels.insert(0, b.current.pop())  # 年度总体目标 printed before 预期目标
    b.flush()
    b.emit([Cell(c.text, c.row, k) for k, c in enumerate(labels, start=1)])
    cols = {vocab.is_goal_label(key_of(c)): k for k, c in enumerate(labels, start=1)}
    if len(texts) == 2 and {"expected", "achieved"} <= cols.keys():
        order = sorted(("expected", "achieved"), key=lambda kind: cols[kind])
        b.emit([Cell(t.text, t.row, cols[kind]) for kind, t in zip(order, texts, strict=True)])
    elif texts:
        b.emit([Cell(t.text, t.row, len(labels) + k) for k, t in enumerate(texts, start=1)])
    b.phase = "goals"
    return j


def _ends_goals(key: str) -> bool:
    if len(key) > 20:  # goal texts are long; the marks that end them are short labels
        return False
    return bool(
        key in vocab.INDICATOR_HEADER_FIRST
        or vocab.indicator_header_field(key) == "level1"
        or _funds_header_word(key)
        or vocab.funds_row_label(key)
        or vocab.is_title(key)
        or key in vocab.HEADER_LABELS
        or key.startswith(("年度绩效", "绩效指标", "绩效目标", "项目资金"))
    )


def _beside_funds_header(cells: list[Cell], i: int) -> bool:
    """A figure right before or after a funds column word, before the funds table began."""
    near = [cells[k] for k in (i - 1, i + 1) if 0 <= k < len(cells)]
    return any(_funds_header_word(key_of(c)) for c in near)


def _is_figure(text: str) -> bool:
    t = text.strip()
    return points(t) is not None or (t.endswith(("%", "％")) and points(t[:-1]) is not None)


def _unlabelled_funds_row(b: _Builder, cells: list[Cell], i: int) -> int:
    """Figures in the funds table that follow no row label. Right under the header, with no label
    after them, they are the table's one row (云南's 预算执行情况 tables print no 年度资金总额);
    anywhere else, or followed by a label they may belong to, the order of the cells was lost."""
    n = len(cells)
    j = i
    while j < n and not _ends_funds_row(key_of(cells[j])):
        j += 1
    values = cells[i:j]
    first_row = b.rows and b.rows[-1] and b.rows[-1][0].col >= _FUNDS_COL0 and b.total_like is None
    followed = j < n and len(key_of(cells[j])) <= 20 and vocab.funds_row_label(key_of(cells[j]))
    if not first_row or followed:
        why = "资金表的数值不在任何资金行名称之后"
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, snippet(values), why)
    mapping = resolve_funds(b.funds_fields, values, cells[i].row, None)
    b.total_like = frozenset(f for f, c in mapping.items() if f in AMOUNTS and not is_placeholder(c.text))
    b.total_funds = mapping
    cols = {f: _FUNDS_COL0 + k for k, f in enumerate(b.funds_fields)}
    b.emit(
        sorted(
            (Cell(c.text, c.row, cols[f]) for f, c in mapping.items() if f != "other"), key=lambda c: c.col
        )
    )
    return j


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
        key = key_of(cells[j])
        if not cells[j].text.strip():
            j += 1
            continue
        f = vocab.funds_header_field(key) if len(key) <= 20 else None
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


def _is_funds_title(key: str) -> bool:
    """The label heading a funds table: 预算执行情况（万元）（20分）, 资金使用情况（万元）, 项目资金（元）."""
    return len(key) <= 30 and key.startswith(("预算执行情况", "资金使用情况", "项目资金", "资金情况"))


def _unknown_funds_label(key: str) -> bool:
    """A funds sub-row label the vocabulary does not name: 其中:财政资金, 单位资金, 财政专户管理资金."""
    return 2 <= len(key) <= 12 and (key.endswith("资金") or key.startswith("其中")) and to_number(key) is None


def _funds_header_word(key: str) -> bool:
    return len(key) <= 20 and vocab.funds_header_field(key) in ("initial_budget", "annual_budget", "executed")


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
    if vocab.indicator_header_field(key_of(cells[i])) == "level1":
        head, j = [], i
    while j < n:
        if not cells[j].text.strip():
            j += 1
            continue
        f = vocab.indicator_header_field(key_of(cells[j]))
        if f is None:
            break
        if f == "reason" and "reason" in [g for _, g in run]:
            f = "measures"
        if f in [g for _, g in run]:
            break
        run.append((cells[j], f))
        j += 1
    fields = [f for _, f in run]
    if "name" in fields and any(f in fields[fields.index("name") :] for f in ("level1", "level2")):
        why = "指标表头中一级、二级指标排在三级指标之后"
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, snippet([c for c, _ in run]), why)
    if head and not fields:  # 年度绩效指标 as a section title, the header further on
        b.flush()
        b.current.append(cells[i])
        return i + 1
    if not ({"name", "target"} <= set(fields) and {"weight", "score"} & set(fields)):
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, snippet(cells[i : j + 1]), "指标表头不完整")
    cols = {f: _GRID_COL0 + k for k, f in enumerate(fields)}
    b.flush()
    b.emit([Cell(c.text, c.row, 1) for c in head] + [Cell(c.text, c.row, cols[f]) for c, f in run])
    b.phase = "grid"
    data_fields = [f for f in fields if f not in ("level1", "level2")]
    # groups: level cells, then the data cells up to the next level name
    end = j
    while end < n and not _ends_grid(key_of(cells[end])):
        end += 1
    groups: list[tuple[list[Cell], list[Cell]]] = []
    header_texts = [c.text for c in head] + [c.text for c, _ in run]
    k = j
    while k < end:
        cell = cells[k]
        key = key_of(cell)
        field = vocab.indicator_header_field(key)
        header_word = field in ("level1", "level2", "name") or key in ("分值", "得分", "年度绩效指标")
        if header_word and not is_level(key):
            repeat = _repeated(cells, k, end, header_texts)
            if repeat:  # the header printed again on the next page of a PDF
                k = repeat
                continue
            raise StreamRefused("TEXT_ORDER_LOST", cell.row, cell.text, "表头出现在指标行之间")
        k += 1
        if LEFTOVER.match(key):
            groups.append(([], [cell]))  # its own row, never glued to a neighbour
            groups.append(([], []))
            continue
        if is_level(key):
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
        if not without_empties(data):
            data = []
        if all(LEFTOVER.match(key_of(c)) for c in data) and data:
            leftover = [Cell(c.text, c.row, cols.get("name", 1) + k) for k, c in enumerate(data)]
            b.emit(leftover)
            continue
        # a row may lack its name only under a satisfaction level (a 满意度 row whose name disappears,
        # domain.md §6); elsewhere a missing name means the cells moved
        nameless = any("满意度" in key_of(lv) for lv in levels)
        records = split_records(data_fields, data, name_optional=nameless) if data else []
        all_records += records
        first = True
        for record in records or [{}]:
            row = []
            if first:
                for lv in levels:
                    f = "level2" if vocab.level2_family(key_of(lv)) else "level1"
                    row.append(Cell(lv.text, lv.row, cols.get(f, 1)))
                first = False
            row += [Cell(c.text, c.row, cols[f]) for f, c in record.items() if c.text.strip()]
            if row:
                b.emit(sorted(row, key=lambda c: c.col))
    if end < n and vocab.is_total_label(key_of(cells[end])):
        end = _total(b, cells, end, cols, all_records)
    return end


def _repeated(cells: list[Cell], k: int, end: int, header: list[str]) -> int:
    """Where a repeat of the indicator header starting at cells[k] ends (0 when it is not one)."""
    texts = [c.text for c in cells[k:end] if c.text.strip()][: len(header)]
    wanted = [t for t in header if vocab.indicator_header_field(vocab.norm(t))]
    got = [t for t in texts if vocab.indicator_header_field(vocab.norm(t))]
    if len(wanted) < 3 or got[: len(wanted)] != wanted:
        return 0
    seen = 0
    while k < end and seen < len(wanted):
        seen += bool(cells[k].text.strip() and vocab.indicator_header_field(key_of(cells[k])))
        k += 1
    return k


def _level_order_ok(previous: list[Cell], key: str) -> bool:
    """A level-2 name may follow its level-1 name in one group; two level-1 names may not."""
    return bool(vocab.level2_family(key)) and not any(vocab.level2_family(key_of(c)) for c in previous)


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
        and not _ends_grid(key_of(cells[j]))
        and (is_placeholder(cells[j].text) or points(cells[j].text) is not None)
    ):
        j += 1
    fields = [f for f in ("weight", "score", "reason") if f in cols]
    options = _total_options(fields, cells[i + 1 : j])
    if not options:
        options = _total_options(fields, without_empties(cells[i + 1 : j]))
    if len(options) > 1:
        sums = _sums(b, records)
        options = [
            m
            for m in options
            if all(
                f == "reason" or is_placeholder(c.text) or _near(points(c.text), sums.get(f))
                for f, c in m.items()
            )
        ]
    if len(options) != 1:
        why = "总分行的数值无法确定是分值还是得分"
        raise StreamRefused("TEXT_AMBIGUOUS", cells[i].row, snippet(cells[i:j]), why)
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
                options.setdefault(printed(mapping), mapping)
    return list(options.values())


def _total_fits(field: str, text: str) -> bool:
    if field == "reason":
        return to_number(text) is None
    return points(text) is not None or is_placeholder(text)


def _near(value: float | None, expected: float | None) -> bool:
    return value is not None and expected is not None and abs(value - expected) <= 0.05


def _sums(b: _Builder, records: list[dict[str, Cell]]) -> dict[str, float]:
    """Weights and scores the form itself adds up to (rows plus the funds row), where all are printed."""
    sums: dict[str, float] = {}
    for field in ("weight", "score"):
        funds = points(b.total_funds[field].text) if field in b.total_funds else None
        rows = [points(r[field].text) if field in r else 0.0 for r in records]
        if funds is not None and all(v is not None for v in rows):
            sums[field] = funds + sum(v for v in rows if v is not None)
    return sums
