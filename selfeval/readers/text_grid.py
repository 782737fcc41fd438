"""The indicator table of a form whose rows were lost: header, rows, 总分.

Called by text_stream when it meets the indicator header. Level names (一级/二级) start a group;
the cells of a group are cut into indicator rows and placed on the header's columns by text_place,
which refuses when the cells allow no reading or more than one. The 总分 row's numbers go on 分值
and 得分 by what they hold, or by the form's own sums when that leaves a choice.
"""

from __future__ import annotations

from itertools import combinations

from selfeval.model import Cell
from selfeval.readers import vocab
from selfeval.readers.text_place import (
    LEFTOVER,
    StreamRefused,
    is_level,
    is_placeholder,
    key_of,
    points,
    printed,
    snippet,
    split_records,
    without_empties,
)
from selfeval.readers.text_rows import Builder
from selfeval.values import to_number

_GRID_COL0 = 2  # indicator header fields start here: col 1 holds 年度绩效指标


def indicator_table(b: Builder, cells: list[Cell], i: int) -> int:
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
        # docs/forms.md §6); elsewhere a missing name means the cells moved
        nameless = any("满意度" in key_of(lv) for lv in levels)
        records = split_records(data_fields, data, nameless, one_line=b.by_line) if data else []
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
    b: Builder, cells: list[Cell], i: int, cols: dict[str, int], records: list[dict[str, Cell]]
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
    if not options:
        why = "总分行的数值与分值、得分两列对不上"
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, snippet(cells[i:j]), why)
    sums = _sums(b, records)
    if len(options) > 1:
        options = [m for m in options if _agrees(m, sums)]
    elif not _agrees(options[0], sums) and _swapped_agrees(options[0], sums):
        why = "总分行的分值与得分对调后才与各行合计相符"
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, snippet(cells[i:j]), why)
    if len(options) != 1:
        why = "总分行的数值无法确定是分值还是得分"
        raise StreamRefused("TEXT_AMBIGUOUS", cells[i].row, snippet(cells[i:j]), why)
    declared = points(options[0]["weight"].text) if "weight" in options[0] else None
    if declared is not None and "weight" in sums and abs(sums["weight"] - declared) > 20:
        # published forms miss by a few points (weights summing to 110); this far off, a weight
        # and another number of some row changed places
        why = f"各行分值合计 {sums['weight']:g} 与总分行分值 {declared:g} 相差过大，单元格可能错位"
        raise StreamRefused("TEXT_ORDER_LOST", cells[i].row, snippet(cells[i:j]), why)
    placed = [Cell(c.text, c.row, cols[f]) for f, c in options[0].items() if c.text.strip()]
    b.emit([Cell(cells[i].text, cells[i].row, 1), *sorted(placed, key=lambda c: c.col)])
    return j


def _agrees(mapping: dict[str, Cell], sums: dict[str, float]) -> bool:
    """Every number of the 总分 row equals the sum the form gives for its column."""
    return all(
        f == "reason" or is_placeholder(c.text) or _near(points(c.text), sums.get(f))
        for f, c in mapping.items()
    )


def _swapped_agrees(mapping: dict[str, Cell], sums: dict[str, float]) -> bool:
    if "weight" not in mapping or "score" not in mapping:
        return False
    swapped = {**mapping, "weight": mapping["score"], "score": mapping["weight"]}
    return all(f in sums for f in ("weight", "score")) and _agrees(swapped, sums)


def _total_options(fields: list[str], values: list[Cell]) -> list[dict[str, Cell]]:
    """Placements of the 总分 row's cells; those differing only in where a blank or dash goes are one."""
    options: dict[frozenset, dict[str, Cell]] = {}
    if len(values) <= len(fields):
        for chosen in combinations(fields, len(values)):
            mapping = dict(zip(chosen, values, strict=True))
            weight = points(mapping["weight"].text) if "weight" in mapping else None
            score = points(mapping["score"].text) if "score" in mapping else None
            if weight is not None and score is not None and score > weight + 1e-9:
                continue  # a total above its weight: not this placement
            if all(_total_fits(f, c.text) for f, c in mapping.items()):
                options.setdefault(printed(mapping), mapping)
    return list(options.values())


def _total_fits(field: str, text: str) -> bool:
    if field == "reason":
        return to_number(text) is None
    return points(text) is not None or is_placeholder(text)


def _near(value: float | None, expected: float | None) -> bool:
    return value is not None and expected is not None and abs(value - expected) <= 0.05


def _sums(b: Builder, records: list[dict[str, Cell]]) -> dict[str, float]:
    """Weights and scores the form itself adds up to (rows plus the funds row), where all are printed."""
    sums: dict[str, float] = {}
    for field in ("weight", "score"):
        funds = points(b.total_funds[field].text) if field in b.total_funds else None
        rows = [points(r[field].text) if field in r else 0.0 for r in records]
        if funds is not None and all(v is not None for v in rows):
            sums[field] = funds + sum(v for v in rows if v is not None)
    return sums
