"""Rebuild table rows from a stream of cells whose row structure was lost.

One-cell-per-line dumps (web pages, PDF-to-text) and pipe tables whose merged cells were flattened
out of order give cells in reading order but not their rows. The form's fixed vocabulary says where
a structure starts (header labels, funds row labels, level names, 总分); inside a structure each
cell goes where text_place finds exactly one placement for it, or the form is refused.
"""

from __future__ import annotations

from selfeval.model import Cell
from selfeval.readers import vocab
from selfeval.readers.text_grid import indicator_table
from selfeval.readers.text_place import (
    AMOUNTS,
    Row,
    StreamRefused,
    is_level,
    is_placeholder,
    key_of,
    points,
    resolve_funds,
    snippet,
    without_empties,
)
from selfeval.readers.text_rows import Builder
from selfeval.values import to_number

_FUNDS_COL0 = 3  # funds header fields start here: col 1 holds 项目资金（元）, col 2 the row label


# ---------------------------------------------------------------------------------------------
# the whole form


def regroup(cells: list[Cell], by_line: bool = False) -> list[Row]:
    """Rows of one form rebuilt from its cells in reading order. Raises StreamRefused.

    by_line: the text kept its rows outside the tables (a pipe table), so the header block and the
    goals keep their lines as rows; only the funds and indicator tables are rebuilt."""
    b = Builder()
    b.by_line = by_line
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
                elif j < n and _is_funds_title(key_of(cells[j])):
                    title, j = cells[j], j + 1  # the label printed after the column words
                b.flush()
                # the label column's header goes on its own row above: it names no figure, and its
                # 万元 stays beside the table where the unit is looked for
                b.emit([Cell(c.text, c.row, 2) for c, f, _ in run if f == "label"])
                b.emit(
                    ([Cell(title.text, title.row, 1)] if title is not None else [])
                    + [Cell(c.text, c.row, _FUNDS_COL0 + k) for c, f, k in run if f not in ("label", "other")]
                )
                b.funds_fields = fields
                b.funds_header_at = len(b.rows) - 1
                b.phase = "funds"
                i = j
                continue
        if b.phase == "funds" and "万元" in key and len(key) <= 20 and vocab.funds_row_label(key) is None:
            # a unit said inside the funds table (单位：万元 under the header): kept with the header,
            # where the unit is read, never lost into a row of its own
            header = b.rows[b.funds_header_at]
            if not key.startswith("项目资金") and all(c.col != 2 for c in header):
                b.rows[b.funds_header_at] = sorted(
                    [*header, Cell(cell.text, cell.row, 2)], key=lambda c: c.col
                )
                i += 1
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
            while (
                j < n
                and not _ends_funds_row(key_of(cells[j]))
                and not (b.by_line and cells[j].row != cell.row)
            ):
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
            i = indicator_table(b, cells, i)
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


def _goals(b: Builder, cells: list[Cell], i: int) -> int:
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


def _unlabelled_funds_row(b: Builder, cells: list[Cell], i: int) -> int:
    """Figures in the funds table that follow no row label. Right under the header, with no label
    after them, they are the table's one row (云南's 预算执行情况 tables print no 年度资金总额);
    anywhere else, or followed by a label they may belong to, the order of the cells was lost."""
    n = len(cells)
    j = i
    while (
        j < n and not _ends_funds_row(key_of(cells[j])) and not (b.by_line and cells[j].row != cells[i].row)
    ):
        j += 1
    values = cells[i:j]
    first_row = b.rows and b.rows[-1] and b.rows[-1][0].col >= _FUNDS_COL0 and b.total_like is None
    followed = _total_label_ahead(cells, j)
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


def _total_label_ahead(cells: list[Cell], j: int) -> bool:
    """A 年度资金总额 label further on in the funds table: the figures before it lost their place."""
    for cell in cells[j:]:
        key = key_of(cell)
        if vocab.is_goal_label(key) or key in vocab.INDICATOR_HEADER_FIRST or vocab.is_title(key):
            return False
        if len(key) <= 20 and vocab.funds_row_label(key) == "total":
            return True
    return False


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
    if not _canonical_funds_order(fields):
        why = "资金表头各列的顺序不合常规（预算数、执行数在前，执行率、分值其次，得分在后）"
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, snippet([c for c, _ in found]), why)
    run, k = [], 0
    for c, f in found:
        run.append((c, f, k))
        k += f != "label"
    return run, fields, j


_FUNDS_RANK = {
    "initial_budget": 0,
    "annual_budget": 1,
    "executed": 2,
    "weight": 3,
    "rate": 3,
    "score": 4,
    "other": 5,
}


def _canonical_funds_order(fields: list[str]) -> bool:
    """年初预算数, 全年预算数, 全年执行数, then 执行率 and 分值 (either first), then 得分, as every
    template prints them: a funds header in another order was flattened out of order."""
    ranks = [_FUNDS_RANK.get(f, 5) for f in fields]
    return ranks == sorted(ranks)


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
