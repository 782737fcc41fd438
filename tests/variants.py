"""Noisy variants of the published forms, made by the tests themselves (real files are messier)."""

from __future__ import annotations

import random
import re

from selfeval.model import Form
from tests.conftest import SEED

TITLE = "## 项目支出绩效自评表"


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def split_forms(text: str) -> list[str]:
    parts = text.split(TITLE)
    return [TITLE + p for p in parts[1:]]


def reorder(text: str, seed: int = 7) -> str:
    forms = split_forms(text)
    random.Random(seed).shuffle(forms)
    return "\n".join(forms)


def _grid_lines(lines: list[str]):
    """Indices of the indicator rows (between the 一级指标 header and 总分)."""
    inside = False
    for i, line in enumerate(lines):
        if "一级指标" in line:
            inside = True
            continue
        if re.search(r"总分", line):
            inside = False
        if inside and line.strip():
            yield i


def shift_rows(text: str, delta: int, every: int = 1) -> str:
    """Shift indicator rows right (delta > 0: extra empty cells) or left (drop leading empty cells)."""
    lines = text.split("\n")
    for n, i in enumerate(_grid_lines(lines)):
        if n % every:
            continue
        if delta > 0:
            lines[i] = "\t" * delta + lines[i]
        else:
            for _ in range(-delta):
                if lines[i].startswith("\t"):
                    lines[i] = lines[i][1:]
    return "\n".join(lines)


def punctuation_swap(text: str) -> str:
    """Full-width <-> half-width, extra spaces around cells, `*` marks dropped."""
    table = str.maketrans({"：": ":", ":": "：", "（": "(", "(": "（", ")": "）", "）": ")"})
    text = text.translate(table).replace("* ", "").replace("*", "")
    return "\n".join("\t".join(f" {c} " if c else c for c in line.split("\t")) for line in text.split("\n"))


def to_pipes(text: str) -> str:
    out = []
    for line in text.split("\n"):
        if "\t" in line:
            cells = line.split("\t")
            out.append("| " + " | ".join(cells) + " |")
            if "年初预算数" in line or "一级指标" in line:
                out.append("|" + "---|" * len(cells))
        else:
            out.append(line)
    return "\n".join(out)


def to_csv(text: str) -> str:
    """Excel's 另存为 CSV: commas, quotes where a cell holds a comma, quote or line break."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    broke = False
    for line in text.split("\n"):
        cells = line.split("\t")
        if not broke and any("。" in c for c in cells):  # one cell with a line break inside its quotes
            cells = [c.replace("。", "。\n", 1) if "。" in c else c for c in cells]
            broke = True
        writer.writerow(cells)
    return out.getvalue()


def to_dump(text: str) -> str:
    """One cell per line, empty cells dropped (what copying a table out of a PDF gives)."""
    out = []
    for line in text.split("\n"):
        out.extend(c.strip() for c in line.split("\t") if c.strip())
    return "\n".join(out)


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}" if x == int(x) else f"{x}"


def render(
    form: Form,
    *,
    weight_first: bool = False,
    nature: bool = False,
    wan: bool = False,
    leading_cols: int = 0,
    title_rows: int = 0,
    nature_words: bool = False,
    split_reason: bool = False,
) -> str:
    """A clean text table of a form in another region's layout.

    weight_first: 分值 before 年度指标值; nature: a 指标性质 column (≥ ≤ =) split off the target;
    wan: amounts in 万元; leading_cols: blank columns before everything; title_rows: extra rows on top;
    nature_words: the 指标性质 column says 正向指标/反向指标 instead of a symbol;
    split_reason: 偏差原因 and 改进措施 in two columns.
    """
    pad = "\t" * leading_cols
    h, f = form.header, form.funds
    factor = 10000 if wan else 1
    lines = [f"{pad}说明 {i}" for i in range(title_rows)]
    lines += [
        f"{pad}{h.project_name}项目支出绩效自评表",
        f"{pad}项目编号：\t{h.project_code}\t项目名称：\t{h.project_name}",
        f"{pad}自评年度：\t{h.year}\t实施单位：\t{h.unit}\t主管部门：\t{h.budget_unit}",
        f"{pad}资金使用情况（{'万元' if wan else '元'}）",
        f"{pad}\t\t年初预算数\t全年预算数\t全年执行数\t分值\t执行率（%）\t得分",
    ]
    for line in (f.total, *f.parts):
        amounts = "\t".join(
            f"{(v or 0) / factor:.6f}" if wan else f"{v or 0:.2f}"
            for v in (line.initial_budget, line.annual_budget, line.executed)
        )
        tail = (
            f"{_num(f.declared_weight)}\t{_num(f.declared_rate)}\t{_num(f.declared_score)}"
            if line is f.total
            else "—\t—\t—"
        )
        lines.append(f"{pad}\t{line.label}\t{amounts}\t{tail}")
    lines += [
        f"{pad}项目目标完成情况",
        f"{pad}年度总体目标\t预期目标\t实际完成情况",
        f"{pad}\t{form.goals.expected}\t{form.goals.achieved}",
    ]
    columns = ["一级指标", "二级指标", "三级指标"]
    columns += ["指标性质"] if nature else []
    columns += ["分值", "年度指标值"] if weight_first else ["年度指标值", "分值"]
    columns += ["实际完成值", "得分"] + (
        ["偏差原因", "改进措施"] if split_reason else ["偏差原因分析及改进措施"]
    )
    lines.append(pad + "\t".join(columns))
    last1 = last2 = None
    for ind in form.indicators:
        target, op = ind.target, ""
        if nature:
            m = re.match(r"^\s*(≥|≤|>=|<=|>|<|=)\s*(.*)$", target)
            if m:
                op, target = m.group(1), m.group(2)
                if nature_words:
                    op = (
                        "正向指标" if op in (">", ">=", "≥") else "反向指标" if op in ("<", "<=", "≤") else op
                    )
        values = {
            "一级指标": ind.level1 if ind.level1 != last1 else "",
            "二级指标": ind.level2 if (ind.level1, ind.level2) != (last1, last2) else "",
            "三级指标": ind.name,
            "指标性质": op,
            "分值": _num(ind.weight),
            "年度指标值": target,
            "实际完成值": ind.actual,
            "得分": _num(ind.declared_score),
            "偏差原因分析及改进措施": ind.reason,
            "偏差原因": ind.reason.split("2.")[0].strip() if "2." in ind.reason else ind.reason,
            "改进措施": "2." + ind.reason.split("2.", 1)[1] if "2." in ind.reason else ind.reason,
        }
        last1, last2 = ind.level1, ind.level2
        lines.append(pad + "\t".join(values[c] for c in columns))
    lines.append(f"{pad}总分\t\t\t\t{_num(form.declared_total_weight)}\t{_num(form.declared_total)}")
    lines.append(f"{pad}备注：作为导入模板，置灰信息无需录入且不可修改。")
    return "\n".join(lines) + "\n"
