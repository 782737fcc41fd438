"""The 年度绩效指标 table of one form: level names, third-level rows, the 总分 row.

Rows are placed on the header's columns by evidence (align.py). The template families of docs/forms.md §6
are read here: weights per row, or only in the 一级 header (`产出指标(60分)`), or as 权重; 指标性质 /
指标值 / 度量单位 joined into one target; rows with only 分值 and 得分; 一级 names missing (only `(50分)`
printed) inferred from the 二级 vocabulary; template leftovers (`指标1:` prefixes, empty `指标2:` rows,
`……`) ignored and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import attrgetter

from selfeval.bounds import MAX_WEIGHT
from selfeval.messages import issue
from selfeval.model import NOT_APPLICABLE, NOT_APPLICABLE_NAMES, Cell, Indicator, Loc
from selfeval.readers import vocab
from selfeval.readers.align import (
    Aligned,
    Layout,
    _columns,
    align,
    bands,
    in_own_columns,
    number,
    placeholder,
)
from selfeval.readers.form_rows import FormRows, indicator_header, new_loc

KINDS = {
    "name": "name",
    "target": "text",
    "actual": "text",
    "weight": "weight",
    "score": "score",
    "reason": "reason",
    "measures": "reason",
    "nature": "nature",
    "unit": "unit",
}
FIELD_LABELS = {
    "name": "三级指标",
    "target": "指标值",
    "actual": "实际完成值",
    "weight": "分值",
    "score": "得分",
    "reason": "偏差原因",
    "measures": "改进措施",
    "nature": "指标性质",
    "unit": "度量单位",
}
_LEFTOVER_PREFIX = re.compile(r"^\s*指标\s*\d+\s*[:：．.、]\s*")
_ELLIPSIS = re.compile(r"^[.。…·\s]*$")
_OPERATOR_START = re.compile(r"^\s*[<>=≤≥＜＞≦≧]")
_STOP = attrgetter("stop")
_SEPARATORS = {"name": "", "reason": "；", "measures": "；"}  # between a field's cells (else a space)


@dataclass
class Table:
    indicators: list[Indicator] = field(default_factory=list)
    level1_weights: dict[str, float] = field(default_factory=dict)
    total_weight: float | None = None
    total: float | None = None


def read_indicators(reader: FormRows, start: int) -> Table:
    """Every third-level row under the header at rows[start], up to the 总分 row or the 备注."""
    header_row = reader.rows[start]
    header = _header_of(header_row)
    fields = {k: v for k, v in header.items() if k not in ("level1", "level2")}
    layout = bands(fields, KINDS, [c.col for c in header_row])
    name_start = fields.get("name", min(fields.values()))
    level1_col = header.get("level1")
    level2_col = header.get("level2")
    table = Table()
    level1 = level2 = ""
    unnamed: tuple[str, float | None] | None = None  # `(50分)` printed where the 一级 name belongs
    no_target_column = "target" not in fields
    last_points: tuple[int, str] | None = None
    example = ""
    table_key = vocab.table_key
    for row in reader.rows[start + 1 :]:
        roles = list(map(table_key, [c.text for c in row]))
        if any(map(_STOP, roles)):  # the 总分 row, or 备注 / a title: the table is over
            if any(r.stop == "total" for r in roles):
                table.total_weight, table.total = _total(reader, row, [r.key for r in roles], layout)
            break
        data: list[Cell] = []
        row_level1: tuple[str, float | None] | None = None
        row_level2: vocab.TableKey | None = None  # the row's 二级 name cell, as the table sees it
        points_cell = None
        slipped = False  # a level name away from its own column: the row's cells moved with it
        for i, (cell, role) in enumerate(zip(row, roles, strict=True)):
            if role.skip:
                continue
            if role.level1:
                row_level1 = role.level1
                slipped |= level1_col is not None and cell.col != level1_col
            elif role.level2 and not _named_like_category(cell, role.key, row_level2, level2_col, name_start):
                row_level2 = role
                slipped |= level2_col is not None and cell.col != level2_col
            elif (
                role.points is not None
                and cell.col < name_start
                and (level1_col is None or cell.col <= level1_col + 1)
            ):
                if (cell.col, cell.text) != last_points:  # a merged `(50分)` is seen on every row it spans
                    points_cell, unnamed = cell, (cell.text, role.points)
                    last_points = (cell.col, cell.text)
            else:  # the row's content from here on: every cell but block and level header labels
                data = [c for c, r in zip(row[i:], roles[i:], strict=True) if not r.skip]
                break
        if row_level1:
            if row_level1[0] != level1:
                level2 = ""  # a merged 一级 cell repeats on every row: only a new one ends the 二级 slot
                _level_weight(reader, table, row_level1[0], row_level1[1], row)
            level1, unnamed, last_points = row_level1[0], None, None
        elif points_cell is not None:
            level1, level2 = "", ""
        if row_level2:
            family = row_level2.level2
            if unnamed is not None and not row_level1 and family:
                level1 = family
                reader.issues.append(
                    issue(
                        "LEVEL1_NAME_INFERRED",
                        reader.row_loc(row),
                        printed=unnamed[0],
                        level2=row_level2.key,
                        level1=family,
                    )
                )
                _level_weight(reader, table, family, unnamed[1], row)
                unnamed = None
            elif not row_level1 and not vocab.compatible_levels(level1, family):
                reader.issues.append(
                    issue("LEVEL1_INFERRED", reader.row_loc(row), level2=row_level2.key, level1=family)
                )
                level1 = family or level1
            level2 = row_level2.level2_name
        if not data:
            continue
        if _leftover(reader, row, data):
            continue
        indicator = _indicator(reader, row, data, layout, level1, level2, slipped)
        if indicator is not None:
            table.indicators.append(indicator)
            if no_target_column and not example and re.search(r"\d", indicator.name):
                example = indicator.name
    if no_target_column and table.indicators:
        reader.issues.append(issue("TARGET_IN_NAME", reader.row_loc(header_row), target=example or "—"))
    return table


def _named_like_category(
    cell: Cell, key: str, row_level2: vocab.TableKey | None, level2_col: int | None, name_start: int
) -> bool:
    """A 三级指标 named like a 二级 category without 指标 (服务对象满意度 under 服务对象满意度指标): after the
    row's category, or in the 三级指标 column right of the 二级 column, it is the row's name. A full
    category name (质量指标) there is a row shifted left, as before."""
    if key.endswith("指标"):
        return False
    return row_level2 is not None or (level2_col is not None and level2_col < name_start <= cell.col)


def _header_of(row) -> dict[str, int]:
    found = indicator_header(row)
    assert found is not None
    return found


def _level_weight(reader: FormRows, table: Table, level1: str, points: float | None, row) -> None:
    if points is None:
        return
    if not 0 <= points <= 100:
        reader.issues.append(
            issue("VALUE_RANGE", reader.row_loc(row), field=level1, text=f"{points:g}分", bounds="0 至 100")
        )
        return
    table.level1_weights.setdefault(level1, points)
    reader.locs.setdefault(level1, reader.row_loc(row))


def _leftover(reader: FormRows, row, data: list[Cell]) -> bool:
    """An unfilled template line (`指标2：` with nothing else, `……`): ignored, and said so."""
    texts = [c.text for c in data]
    # a `指标n：` prefix needs 指标 in some cell: the common row is looked at once, not cell by cell
    had_prefix = "指标" in "".join(texts) and any(_LEFTOVER_PREFIX.match(t) for t in texts)
    if had_prefix:
        texts = [_LEFTOVER_PREFIX.sub("", t).strip() for t in texts]
        filled = [t for t in texts if t and not _ELLIPSIS.match(t) and not placeholder(t)]
        leftover = not filled or all(number(t) == 0 for t in filled)
    else:  # the common row: nothing to strip, a leftover only when it holds nothing but dots (and
        # spaces, which also join the cells: every cell is dots exactly when the joined row is)
        leftover = _ELLIPSIS.match(" ".join(texts)) is not None
    if leftover:
        shown = " ".join(c.text for c in data)[:40]
        reader.issues.append(issue("TEMPLATE_LEFTOVER", reader.row_loc(row), text=shown))
        return True
    return False


def _indicator(
    reader: FormRows, row, data: list[Cell], layout, level1: str, level2: str, slipped: bool = False
) -> Indicator | None:
    sheet = reader.grid.sheet
    fields = in_own_columns(data, layout) if reader.grid.exact_columns else None
    if fields is not None:  # the header's own shape: one cell a field, each under its label
        at = dict(zip(fields, data, strict=True))
        texts = {f: c.text for f, c in at.items()}
        locs = {f: new_loc(Loc, (sheet, c.row, c.col)) for f, c in at.items()}
        weight_cell, score_cell = at.get("weight"), at.get("score")
    else:
        placed = _placed(reader, row, data, layout, slipped)
        if placed is None:
            return None
        texts, locs = {}, {}
        for f, cs in placed.cells.items():  # each field's text (its cells joined) and where it starts
            first = cs[0]
            locs[f] = new_loc(Loc, (sheet, first.row, first.col))
            texts[f] = first.text if len(cs) == 1 else _SEPARATORS.get(f, " ").join(c.text for c in cs)
        weight_cell, score_cell = placed.first("weight"), placed.first("score")
    weight = reader.bounded(weight_cell, "分值", 0.0, MAX_WEIGHT)
    score = reader.bounded(score_cell, "得分", 0.0, MAX_WEIGHT)
    name = texts.get("name", "")
    if "指标" in name:  # the prefix's own word: the regex only where it can match
        name = _LEFTOVER_PREFIX.sub("", name)
    name = name.strip()
    not_applicable = name.replace(" ", "") in NOT_APPLICABLE_NAMES and all(
        placeholder(c.text) or c.text.strip() == NOT_APPLICABLE for c in data
    )  # `/ / /` or 不适用 in every cell: a slot left unused, nothing to read (issue 21)
    if weight_cell is None and score_cell is None and not not_applicable:
        if len(data) < 3:
            return None  # a stray note in the table, not a row
        reader.issues.append(
            issue("ROW_UNREADABLE", reader.row_loc(row), text=" | ".join(c.text for c in data)[:80])
        )
    if not level2:
        reader.issues.append(issue("LEVEL2_UNKNOWN", reader.row_loc(row)))
    target, actual = texts.get("target", ""), texts.get("actual", "")
    nature = texts.get("nature", "")
    unit = texts.get("unit", "")
    if unit:
        target = _with_unit(target, unit)
        actual = _with_unit(actual, unit)
    operator = vocab.nature_operator(nature) if nature else None
    if operator and target and not _OPERATOR_START.match(target):
        target = operator + target
    return Indicator(
        level1=level1,
        level2=level2,
        name=name,
        target=target,
        actual=actual,
        weight=weight,
        declared_score=score,
        reason=_joined_reason(texts.get("reason", ""), texts.get("measures", "")),
        loc=reader.row_loc(row),
        cells=locs,
    )


def _placed(reader: FormRows, row, data: list[Cell], layout: Layout, slipped: bool) -> Aligned | None:
    """A row not in its header's shape, placed by evidence (align.py) and said so; None: ambiguous."""
    placed = align(data, layout, exact=reader.grid.exact_columns, slipped=slipped)
    if placed.how == "ambiguous":
        if len(data) >= 2 or any(number(c.text) is not None for c in data):
            text = " | ".join(c.text for c in data)[:80]
            reader.issues.append(issue("ROW_AMBIGUOUS", reader.loc(data[0]), text=text))
        return None
    for cell in placed.unplaced:
        reader.issues.append(issue("CELL_UNPLACED", reader.loc(cell), text=cell.text[:40]))
    if placed.noteworthy:
        shown = "、".join(f"{FIELD_LABELS.get(f, f)}={c[0].text[:12]}" for f, c in placed.cells.items())
        reader.issues.append(issue("ROW_ALIGNED", reader.row_loc(row), fields=shown[:120]))
    return placed


def _total(reader: FormRows, row, keys: list[str], layout) -> tuple[float | None, float | None]:
    """The 总分 row's 分值 and 得分, by the indicator header's columns (either may be blank)."""
    cells = [
        c for c, k in zip(row, keys, strict=True) if not vocab.is_total_label(k) and not placeholder(c.text)
    ]
    numbers = [c for c in cells if number(c.text) is not None]
    wanted = layout.only(("weight", "score"))
    # no content placement here: a lone 100 could be the 分值 or the 得分 total, nothing in it says which
    # (the seed's 总分 rows sit a column left of 分值/得分: two numbers for two fields are read in order)
    placed: dict[str, list[Cell]] | None = None
    found = _columns(numbers, wanted) if numbers and wanted and reader.grid.exact_columns else None
    if found is not None and not found.left and not found.unplaced:
        placed = found.placed  # a 1000 under 分值 is kept, and reported as out of range
    elif len(numbers) == len(wanted) == 2:  # 分值 then 得分, whatever their columns
        placed = {b.field: [c] for b, c in zip(wanted, numbers, strict=True)}
    found: list[float | None] = []
    for name, key in (("weight", "total_weight"), ("score", "total")):
        cell = placed[name][0] if placed and name in placed else None
        found.append(reader.bounded(cell, "总分", 0.0, 1000.0) if cell else None)
        if cell:
            reader.locs[key] = reader.loc(cell)
    return found[0], found[1]


def _joined_reason(reason: str, measures: str) -> str:
    """偏差原因 and 改进措施 from two columns as one text; placeholders like 无 only when both are."""
    if not measures:  # one column (the common template): its text as printed
        return reason
    parts = [t for t in (reason, measures) if t and t not in ("无", "—", "-", "/")]
    return "；".join(parts) if parts else reason or measures


def _with_unit(value: str, unit: str) -> str:
    """Append a 度量单位 column's unit to a bare number."""
    return value + unit if number(value) is not None and not value.strip().endswith(unit) else value
