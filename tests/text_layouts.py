"""Text layouts of published forms, made from a tab-separated form by the tests themselves.

Each mimics what copying a published form out of a web page or a PDF gives: one cell per line with
`|` after each cell and `||||` lines for merged rows, a whitespace-aligned layout (pdftotext -layout)
with wrapped cells, a pipe table whose merged cells were flattened into one line, and a text that
lost every separator.
"""

from __future__ import annotations

import re


def _sections(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(kind, lines) runs: funds, goals, grid, or plain."""
    out: list[tuple[str, list[str]]] = []
    kind = "plain"
    for line in lines:
        cells = [c.strip() for c in line.split("\t")]
        short = [c for c in cells if len(c) <= 12]
        if any(re.search(r"预算数|执行数", c) for c in short) and not any("资金总额" in c for c in cells):
            kind = "funds"
        elif any(c in ("年度总体目标", "项目目标完成情况") or "预期目标" in c for c in cells):
            if not (kind == "goals" and "年度总体目标" in cells):
                kind = "goals" if any("预期目标" in c for c in cells) else "plain"
        elif any(c in ("一级指标", "三级指标") for c in cells):
            kind = "grid"
        elif kind == "grid" and any(c in ("总分", "合计") for c in cells):
            out[-1][1].append(line)
            kind = "plain"
            continue
        elif any(c.startswith(("**备注", "备注")) for c in cells):
            kind = "plain"
        if out and out[-1][0] == kind:
            out[-1][1].append(line)
        else:
            out.append((kind, [line]))
    return out


def _wrap(text: str, width: int) -> list[str]:
    if width <= 0 or len(text) <= width:
        return [text]
    return [text[i : i + width] for i in range(0, len(text), width)]


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_layout(
    text: str,
    name_width: int = 9,
    goal_width: int = 22,
    header_width: int = 6,
    gap: int = 3,
    wide: bool = False,
) -> str:
    """pdftotext -layout: cells padded to columns per table, long cells wrapped onto further lines
    with the other columns empty, the indicator header wrapped too (偏差原因分析 / 及改进措施).
    wide: columns aligned for a display where a Chinese character is two columns wide."""
    size = _display_width if wide else len
    lines = [line.replace("<b>", "").replace("</b>", "") for line in text.split("\n")]
    out: list[str] = []
    for kind, block in _sections(lines):
        if kind == "plain":
            for line in block:
                cells = [c.strip() for c in line.split("\t") if c.strip()]
                out.append("    ".join(cells) if cells else "")
            continue
        table = [[c.strip() for c in line.split("\t")] for line in block if line.strip()]
        ncols = max(len(r) for r in table)
        name_col = next((i for i, c in enumerate(table[0]) if c == "三级指标"), None)
        wrapped = []
        for r, row in enumerate(table):
            cells = row + [""] * (ncols - len(row))
            chunks = []
            for i, cell in enumerate(cells):
                width = 0
                if kind == "goals" and r > 0:
                    width = goal_width
                elif kind == "grid" and r == 0 and len(cell) > 8:
                    width = header_width
                elif kind == "grid" and i == name_col:
                    width = name_width
                chunks.append(_wrap(cell, width) if cell else [""])
            wrapped.append(chunks)
        widths = [max(size(part) for row in wrapped for part in row[i]) for i in range(ncols)]
        starts = [0]
        for w in widths[:-1]:
            starts.append(starts[-1] + w + gap)
        for row in wrapped:
            for k in range(max(len(c) for c in row)):
                line = ""
                for i, chunks in enumerate(row):
                    part = chunks[k] if k < len(chunks) else ""
                    if part:
                        line = line + " " * max(0, starts[i] - size(line)) + part
                out.append(line.rstrip())
    return "\n".join(out) + "\n"


def to_bar_dump(text: str, drop_reasons: bool = False, drop_initial: bool = False) -> str:
    """A web page copied cell by cell: `cell|` per line, a `||||` line after each table row, merged
    title rows as `title||||||||`; empty cells leave no line. drop_reasons: the 无 reasons are blank;
    drop_initial: the 年初预算数 of the funds rows is blank."""
    out: list[str] = []
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("\t")]
        if drop_initial and any(
            "资金总额" in c or "财政拨款" in c or "结转" in c or "其他资金" in c for c in cells
        ):
            at = next(i for i, c in enumerate(cells) if re.search(r"资金总额|财政拨款|结转|其他资金", c))
            if at + 1 < len(cells):
                cells[at + 1] = ""
        if drop_reasons and len([c for c in cells if c]) >= 6 and cells[-1] == "无":
            cells[-1] = ""
        content = [c for c in cells if c]
        if not content:
            continue
        if len(content) == 1 and len(cells) > 3:
            out.append(content[0] + "|" * 8)
            continue
        out.extend(c + "|" for c in content)
        out.append("||||")
    return "\n".join(out) + "\n"


def to_flattened_pipes(text: str) -> str:
    """A pipe table whose merged cells were flattened: the funds header and the funds total on one
    line, the indicator header and the first indicator on one line, other rows as their own lines."""
    out: list[str] = []
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        cells = [c.strip() for c in lines[k].split("\t") if c.strip()]
        joins_next = any("年初预算数" in c or c == "预算数(A)" for c in cells) or "一级指标" in cells
        if joins_next and k + 1 < len(lines):
            cells += [c.strip() for c in lines[k + 1].split("\t") if c.strip()]
            k += 1
        if cells:
            out.append("| " + " | ".join(cells) + " |")
        k += 1
    return "\n".join(out) + "\n"


def to_glued(text: str) -> str:
    """Every separator lost: the cells of a row run together, a colon after the first."""
    out = []
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("\t") if c.strip()]
        if cells:
            out.append(cells[0] + (":" + "".join(cells[1:]) if len(cells) > 1 else ""))
    return "\n".join(out) + "\n"


def to_cell_bars(text: str) -> str:
    """A web table copied cell by cell as some government sites publish it: `cell |` per line, an
    empty cell as a lone `|`, no mark between rows; a cell merged down from the row above is absent
    from the rows below (leading blanks dropped); empty cells at the end of a row stay."""
    out: list[str] = []
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("\t")]
        start = next((k for k, c in enumerate(cells) if c), len(cells))
        out.extend(f"{c} |" if c else "|" for c in cells[start:])
    return "\n".join(out) + "\n"


def to_row_pipes(text: str) -> str:
    """A web table saved as text one row per line, `a | b | c |`, without a leading pipe: a cell merged
    down from the row above is absent from the rows below (so they start one cell further left)."""
    out: list[str] = []
    for line in text.split("\n"):
        cells = [c.strip() for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        start = next((k for k, c in enumerate(cells) if c), len(cells))
        if cells[start:]:
            out.append(" | ".join(cells[start:]) + " |")
    return "\n".join(out) + "\n"
