"""The 资金使用情况 table of one form: 年度资金总额 and its parts, 分值 / 执行率 / 得分, 万元 or 元.

Each line is found by its label (年度资金总额, 当年财政拨款, 上年结转资金, 其他资金) and its cells are placed
on the header's columns by evidence (align.py); a row that cannot be placed is reported and not used.
recognize.py reads the rest of the form.
"""

from __future__ import annotations

import math
import re

from selfeval.bounds import MAX_AMOUNT  # issue 11: every number bounded where it is read
from selfeval.messages import issue
from selfeval.model import Cell, Funds, FundsLine, Loc
from selfeval.readers import vocab
from selfeval.readers.align import Aligned, align, bands, number, percent, placeholder
from selfeval.readers.form_rows import FormRows, Row, funds_header

FUNDS_KINDS = {
    "initial_budget": "amount",
    "annual_budget": "amount",
    "executed": "amount",
    "weight": "budget_weight",
    "rate": "rate",
    "score": "score",
}
FUNDS_FIELD_LABELS = {
    "initial_budget": "年初预算数",
    "annual_budget": "全年预算数",
    "executed": "全年执行数",
    "weight": "分值",
    "rate": "执行率",
    "score": "得分",
}
_POINTS_IN_LABEL = re.compile(r"[(（]\s*(\d{1,3}(?:\.\d+)?)\s*分")


def _rate_fits(placed: dict[str, Cell]) -> int:
    """Evidence for placing a funds row by content: 2 when a printed 执行率 equals 执行数 / 预算数, 0 when it
    contradicts them, 1 when it cannot be checked."""
    cells = [placed.get(n) for n in ("annual_budget", "executed", "rate")]
    bare = cells[2] is not None and not placeholder(cells[2].text) and percent(cells[2].text) is None
    if any(c is None or placeholder(c.text) for c in cells):
        return 0 if bare else 1  # a bare number is a rate only when the amounts confirm it
    budget, executed = number(cells[0].text), number(cells[1].text)  # type: ignore[union-attr]
    rate = percent(cells[2].text)  # type: ignore[union-attr]
    rate = rate if rate is not None else number(cells[2].text)  # type: ignore[union-attr]
    if budget is None or executed is None or rate is None or budget <= 0:
        return 0 if bare else 1
    computed = executed / budget * 100
    # as printed: half a unit of its last decimal (98.63 ± 0.005; 98.6 ± 0.05; 0.9863 as a fraction)
    m = re.search(r"\.(\d+)", cells[2].text)  # type: ignore[union-attr]
    half = 0.5 * 10 ** -(len(m.group(1)) if m else 0) + 1e-9
    return 2 if abs(rate - computed) <= half or abs(rate * 100 - computed) <= half * 100 else 0


def read_funds(reader: FormRows, start: int, stop: int | None) -> Funds | None:
    """The funds lines under the header at rows[start] (up to the goals, or rows[stop]); None without
    a 年度资金总额 line."""
    header_row = reader.rows[start]
    cols = funds_header(header_row)
    assert cols is not None
    layout = bands(cols, FUNDS_KINDS, [c.col for c in header_row])
    first_band = min(cols.values())
    end = stop if stop is not None else len(reader.rows)
    rows: list[tuple[Row, Cell | None]] = []  # the funds lines and their label cells
    for row in reader.rows[start + 1 : end]:
        label_cell = next((c for c in row if len(c.text) <= 20 and vocab.funds_row_label_of(c.text)), None)
        if label_cell is not None:
            rows.append((row, label_cell))
        elif any(vocab.goal_label_of(c.text) for c in row):
            break
        elif not rows and sum(1 for c in row if c.col >= first_band and number(c.text) is not None) >= 2:
            rows.append((row, None))  # `预算执行情况（20分）` tables: one unlabelled row of amounts
            break
    # 万元 is said by the unit labels: 项目资金（万元）, 全年预算数（万元）, a 单位：万元 line above the table
    labels = [c for r in reader.rows[max(0, start - 2) : start + 1] for c in r] + [r[0] for r, _ in rows]
    wan = any(len(c.text) <= 20 and "万元" in vocab.norm(c.text) for c in labels)
    factor = 10000.0 if wan else 1.0
    lines: dict[str, FundsLine] = {}
    declared: dict[str, float | None] = {}
    locs: dict[str, Loc] = {}
    for row, label_cell in rows:
        label = vocab.funds_row_label_of(label_cell.text) if label_cell else "total"
        if label in lines:
            continue
        if label_cell is not None:
            values = [c for c in row if c.col > label_cell.col]
        else:
            values = [c for c in row if c.col >= first_band or number(c.text) is not None]
        if label != "total":  # sub-rows: only amounts count; their 分值/执行率/得分 are "—"
            values = [c for c in values if not placeholder(c.text)]
        placed = align(values, layout, _rate_fits, exact=reader.grid.exact_columns)
        if not _placed_ok(reader, placed, row, values):
            if label == "total":
                lines[label] = FundsLine("年度资金总额", None, None, None, reader.row_loc(row))
            continue
        amounts = {}
        for name in ("initial_budget", "annual_budget", "executed"):
            cell = placed.first(name)
            amounts[name] = reader.bounded(cell, FUNDS_FIELD_LABELS[name], -MAX_AMOUNT, MAX_AMOUNT, factor)
            if cell is not None:
                locs[f"{label}.{name}"] = reader.loc(cell)
        lines[label] = FundsLine(
            "年度资金总额" if label == "total" else label,
            amounts["initial_budget"],
            amounts["annual_budget"],
            amounts["executed"],
            reader.row_loc(row),
        )
        if label == "total":
            for name, high in (("weight", 30.0), ("rate", 1000.0), ("score", 30.0)):
                cell = placed.first(name)
                if cell is not None and name == "rate" and percent(cell.text) is not None:
                    cell = cell._replace(text=cell.text.strip()[:-1])
                declared[name] = reader.bounded(cell, FUNDS_FIELD_LABELS[name], 0.0, high)
                if cell is not None:
                    locs[name] = reader.loc(cell)
    if "total" not in lines:
        return None
    if declared.get("weight") is None:  # `预算执行情况（万元）（20分）`, `得分(20分*执行率)`
        for cell in (*header_row, *(c for r, _ in rows[:1] for c in r if c.col < first_band)):
            m = _POINTS_IN_LABEL.search(vocab.norm(cell.text))
            if m and float(m.group(1)) <= 100:
                declared["weight"] = float(m.group(1))
                locs.setdefault("weight", reader.loc(cell))
                break
    total = _total_from_parts(reader, lines, locs)
    return Funds(
        total=total,
        parts=tuple(lines.values()),
        money_unit="万元" if wan else "元",
        declared_weight=declared.get("weight"),
        declared_rate=declared.get("rate"),
        declared_score=declared.get("score"),
        locs=locs,
    )


def _placed_ok(reader: FormRows, placed: Aligned, row: Row, values: list[Cell]) -> bool:
    """Report how a row was placed; False when it could not be (reported at the row, not used)."""
    if placed.how == "ambiguous":
        reader.trouble_rows.add(row[0].row)
        text = " | ".join(c.text for c in values)[:80]
        reader.issues.append(
            issue("ROW_AMBIGUOUS", reader.loc(values[0]) if values else reader.row_loc(row), text=text)
        )
        return False
    for cell in placed.unplaced:
        reader.trouble_rows.add(cell.row)
        reader.issues.append(issue("CELL_UNPLACED", reader.loc(cell), text=cell.text[:40]))
    if placed.noteworthy:
        fields = "、".join(f"{FUNDS_FIELD_LABELS.get(f, f)}={c[0].text}" for f, c in placed.cells.items())
        reader.issues.append(issue("ROW_ALIGNED", reader.row_loc(row), fields=fields[:120]))
    return True


def _total_from_parts(reader: FormRows, lines: dict[str, FundsLine], locs: dict[str, Loc]) -> FundsLine:
    """The 年度资金总额 line; when it is all zero (or empty) while sub-rows carry the amounts, their sum,
    said so (published forms do this: the amounts sit on 当年财政拨款)."""
    total = lines.pop("total")
    amounts = (total.annual_budget, total.executed)
    if total.loc is not None and total.loc.row in reader.trouble_rows:
        return total  # the total row could not be read: never replaced by the sub-rows
    parts = [p for p in lines.values() if (p.annual_budget or 0) > 0]
    if any(a not in (None, 0) for a in amounts) or not parts:
        return total
    if any(p.annual_budget is None or p.executed is None for p in parts):
        return total
    annual = round(math.fsum(p.annual_budget for p in parts), 2)  # type: ignore[misc]
    executed = round(math.fsum(p.executed for p in parts), 2)  # type: ignore[misc]
    initial = None
    if all(p.initial_budget is not None for p in parts):
        initial = round(math.fsum(p.initial_budget for p in parts), 2)  # type: ignore[misc]
    why = "为空" if amounts == (None, None) else "全为 0"
    reader.issues.append(
        issue(
            "FUNDS_FROM_PART",
            total.loc or reader.row_loc(reader.rows[0]),
            why=why,
            part="、".join(p.label for p in parts),
            amounts=f"全年预算数 {annual:,.2f} 元，全年执行数 {executed:,.2f} 元",
        )
    )
    for name in ("annual_budget", "executed", "initial_budget"):
        locs.pop(f"total.{name}", None)
        if len(parts) == 1 and f"{parts[0].label}.{name}" in locs:
            locs[f"total.{name}"] = locs[f"{parts[0].label}.{name}"]
    return FundsLine("年度资金总额", initial, annual, executed, total.loc)
