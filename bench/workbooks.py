"""Realistic 自评表 workbooks for the benchmark, built from the seed forms (never committed).

Every generated form starts from the 13 published forms in data/seed: its indicator rows are drawn
from their rows (5–30 of them, 不适用 rows included), the weights re-shared so that the levels sum to
50/30/10, the actual values varied (most targets met, some exceeded, some missed, with a reason), the
header and the funds changed. The form is then scored by the rules and written either

- by our template writer (`selfeval.template.write_template`: styles, merges, protection), or
- as a plain openpyxl sheet: the seed's nine columns, no styles, no merges, with layout variations
  people produce by hand: a leading blank column or blank rows, no title, 万元 amounts, a first-level
  name without its points, indicator rows shifted one column left, a second sheet of notes.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from openpyxl import Workbook

from selfeval import values
from selfeval.model import Form, Funds, FundsLine, Header, Indicator, Scorecard
from selfeval.profile import Profile, load_profile
from selfeval.rules import score
from selfeval.sample import SEED_DIR

LEVELS = ("产出指标", "效益指标", "满意度指标")
LEVEL_SHARE = {"产出指标": 0.5, "效益指标": 0.3, "满意度指标": 0.2}  # share of the rows, not points
YEARS = ("2021", "2022", "2023", "2024")
UNITS = tuple(f"深圳市福田区第{i + 1}单位" for i in range(20))
NUMBER = re.compile(r"\d+(?:\.\d+)?")
LAYOUTS = ("template", "plain")


@dataclass(frozen=True)
class GeneratedWorkbook:
    name: str
    layout: str  # template | plain
    data: bytes
    forms: int  # forms in the workbook
    indicators: int  # indicator rows of its form(s)


@lru_cache(maxsize=1)
def seed_forms() -> tuple[Form, ...]:
    from selfeval.readers import read_path

    result = read_path(SEED_DIR / "futian-2023.txt")
    if not result.forms:
        raise RuntimeError(f"the seed forms could not be read: {result.problems}")
    return result.forms


@lru_cache(maxsize=1)
def _pool() -> dict[str, tuple[Indicator, ...]]:
    """Seed indicator rows by first-level name (applicable and 不适用 rows alike)."""
    pool: dict[str, list[Indicator]] = {level: [] for level in LEVELS}
    for form in seed_forms():
        for ind in form.indicators:
            if ind.level1 in pool:
                pool[ind.level1].append(replace(ind, loc=None, cells={}))
    return {k: tuple(v) for k, v in pool.items()}


def _vary_actual(ind: Indicator, rnd: random.Random, year: int) -> tuple[str, str]:
    """(actual, reason): the seed's actual, or the same number scaled (met, exceeded or missed)."""
    if ind.not_applicable:
        return ind.actual, ind.reason
    measure = values.parse(ind.actual, "actual", year)
    numbers = NUMBER.findall(ind.actual)
    if measure.kind != "number" or len(numbers) != 1 or measure.value is None:
        return ind.actual, ind.reason
    factor = rnd.choices(
        (1.0, rnd.uniform(1.05, 1.4), rnd.uniform(1.6, 2.5), rnd.uniform(0.5, 0.95)), (70, 15, 5, 10)
    )[0]
    if factor == 1.0:
        return ind.actual, ind.reason
    old = numbers[0]
    decimals = len(old.split(".")[1]) if "." in old else 0
    new = f"{float(old) * factor:.{decimals}f}"
    if measure.unit == "%" and float(new) > 100:
        new = "100"  # a rate never exceeds 100 %
    reason = "受疫情及场地影响，部分活动延期，下一年度将提前谋划。" if factor < 1 else ind.reason
    return ind.actual.replace(old, new, 1), reason


def _indicators(rnd: random.Random, n: int, year: int, profile: Profile) -> tuple[Indicator, ...]:
    """n rows grouped by level (产出, 效益, 满意度), weights summing to the profile's level weights."""
    counts = {level: max(1, round(n * share)) for level, share in LEVEL_SHARE.items()}
    counts["产出指标"] = max(1, n - counts["效益指标"] - counts["满意度指标"])
    rows: list[Indicator] = []
    names: dict[str, int] = {}
    for level in LEVELS:
        pool = _pool()[level]
        applicable = [i for i in pool if not i.not_applicable]
        picked = [rnd.choice(applicable)]  # every level has at least one scored row
        picked += [rnd.choice(pool if rnd.random() < 0.15 else applicable) for _ in range(counts[level] - 1)]
        picked.sort(key=lambda i: (i.not_applicable, i.level2))  # second-level names form runs
        scored = [i for i in picked if not i.not_applicable]
        weight = round(profile.level_weights[level] / len(scored), 2)
        last = round(profile.level_weights[level] - weight * (len(scored) - 1), 2)
        k = 0
        for ind in picked:
            if ind.not_applicable:
                rows.append(replace(ind, weight=0.0, declared_score=0.0))
                continue
            k += 1
            times = names[ind.name] = names.get(ind.name, 0) + 1
            actual, reason = _vary_actual(ind, rnd, year)
            w = last if k == len(scored) else weight
            rows.append(
                replace(
                    ind,
                    name=ind.name if times == 1 else f"{ind.name}（{times}）",
                    actual=actual,
                    reason=reason,
                    weight=w,
                    declared_score=w,
                )
            )
    return tuple(rows)


def make_form(i: int, n_indicators: int, rnd: random.Random, profile: Profile) -> Form:
    """The i-th generated form: distinct project code, varied header, funds and indicator rows."""
    base = seed_forms()[i % len(seed_forms())]
    year = YEARS[i % len(YEARS)]
    unit = UNITS[(i // len(YEARS)) % len(UNITS)]
    budget = round(rnd.uniform(10_000, 5_000_000), 2)
    executed = round(budget * rnd.choice((1.0, rnd.uniform(0.9, 1.0), rnd.uniform(0.5, 0.9))), 2)
    carried = round(budget * rnd.choice((0.0, 0.0, 0.1)), 2)
    funds = Funds(
        total=FundsLine("年度资金总额", budget, budget, executed),
        parts=(
            FundsLine("当年财政拨款", budget - carried, budget - carried, executed - min(carried, executed)),
            FundsLine("上年结转资金", carried, carried, min(carried, executed)),
            FundsLine("其他资金", 0.0, 0.0, 0.0),
        ),
        declared_weight=profile.budget_weight,
    )
    header = Header(
        project_code=f"4403042260115{i:08d}",
        project_name=f"{base.header.project_name}（第{i + 1}期）",
        year=year,
        unit=unit,
        budget_unit="深圳市福田区总工会（本级）",
    )
    return replace(
        base,
        source=f"bench{i:05d}.xlsx",
        sheet="Sheet1",
        header=header,
        funds=funds,
        indicators=_indicators(rnd, n_indicators, int(year), profile),
        level1_weights=dict(profile.level_weights),
        declared_total_weight=100.0,
        declared_total=None,
        issues=(),
        loc=None,
        locs={},
    )


def make_scorecards(n: int, seed: int = 2023, profile: Profile | None = None) -> list[Scorecard]:
    """n scored forms with 5–30 indicator rows each (deterministic for a seed)."""
    profile = profile or load_profile()
    rnd = random.Random(seed)
    return [score(make_form(i, rnd.randint(5, 30), rnd, profile), profile) for i in range(n)]


# ---------------------------------------------------------------------------------------- writers


def _fmt_number(x: float | None) -> float | str:
    return "" if x is None else x


def write_plain(card: Scorecard, rnd: random.Random) -> bytes:
    """The seed's nine-column layout, written cell by cell with openpyxl: no styles, no merges."""
    form = card.form
    h, f = form.header, form.funds
    wan = rnd.random() < 0.2
    col0 = 1 + (rnd.random() < 0.25)  # a leading blank column
    points_in_level = rnd.random() < 0.7
    wb = Workbook()
    ws = wb.active
    ws.title = "自评表"
    rows: list[list[object]] = [[] for _ in range(rnd.choice((0, 0, 1, 2)))]
    if rnd.random() < 0.85:
        rows.append(["项目支出绩效自评表"])
    rows.append(["项目编码:", h.project_code, "项目名称:", h.project_name, "绩效自评年度:", int(h.year)])
    rows.append(["实施单位:", h.unit, "一级预算单位:", h.budget_unit])
    rows.append(["资金使用情况"])
    rows.append(["", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率（%）", "得分"])
    scale = 10000.0 if wan else 1.0
    for k, line in enumerate((f.total, *f.parts)):
        label = (
            ("其中：当年财政拨款" if line.label == "当年财政拨款" else line.label) if k else "年度资金总额"
        )
        amounts = [
            round(a / scale, 6) if a is not None else ""
            for a in (line.initial_budget, line.annual_budget, line.executed)
        ]
        tail = [card.budget_weight, card.rate, card.budget_score] if k == 0 else ["—", "—", "—"]
        rows.append(
            [("项目资金（万元）" if wan else "项目资金（元）") if k == 0 else "", label, *amounts, *tail]
        )
    rows.append(["项目目标完成情况"])
    rows.append(["年度总体目标", "预期目标", "", "", "", "* 实际完成情况"])
    rows.append(["", form.goals.expected, "", "", "", form.goals.achieved])
    rows.append(
        [
            "年度绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "* 实际完成值",
            "* 分值",
            "* 得分",
            "偏差原因分析及改进措施",
        ]
    )
    level1 = level2 = None
    for s in card.indicators:
        ind = s.indicator
        first_of_level = ind.level1 != level1
        l1 = ""
        if first_of_level:
            weight = form.level1_weights.get(ind.level1)
            l1 = f"{ind.level1} ({weight:g}分)" if points_in_level and weight is not None else ind.level1
        l2 = ind.level2 if (first_of_level or ind.level2 != level2) else ""
        level1, level2 = ind.level1, ind.level2
        row: list[object] = [
            "",
            l1,
            l2,
            ind.name,
            ind.target,
            ind.actual,
            ind.weight,
            s.score if s.score is not None else ind.declared_score,
            ind.reason or "无",
        ]
        if not l1 and not l2 and rnd.random() < 0.15:
            row = row[2:]  # a row shifted left where merged cells were dropped (the recogniser re-aligns it)
            row.insert(0, "")
        rows.append(row)
    rows.append(["总分", "", "", "", "", "", 100, card.total, "—"])
    rows.append(["备注：", "作为导入模板，置灰信息无需录入且不可修改。"])
    for r, values_ in enumerate(rows, start=1):
        for c, value in enumerate(values_, start=col0):
            if value != "" and value is not None:
                ws.cell(row=r, column=c, value=value)
    if rnd.random() < 0.1:
        notes = wb.create_sheet("填表说明")
        notes["A1"] = "填表说明：白色单元格由项目单位填写，置灰单元格由系统带出。"
        notes["A2"] = "金额单位以表内标注为准。"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def generate(n: int, seed: int = 2023) -> list[GeneratedWorkbook]:
    """n one-form workbooks, alternating template and plain layouts, every project code distinct."""
    from selfeval.template import write_template

    profile = load_profile()
    rnd = random.Random(seed + 1)
    out = []
    for i, card in enumerate(make_scorecards(n, seed, profile)):
        layout = LAYOUTS[i % len(LAYOUTS)]
        data = write_template([card]) if layout == "template" else write_plain(card, rnd)
        out.append(GeneratedWorkbook(f"bench{i:05d}_{layout}.xlsx", layout, data, 1, len(card.indicators)))
    return out


_CODE = re.compile(rb"4403042260115\d{8}")


def clone(book: GeneratedWorkbook, i: int) -> bytes:
    """The workbook with its project code replaced by the i-th distinct code (`CLONE_PREFIX` then i):
    one generated form becomes many distinct projects at the cost of re-zipping it (a millisecond or
    two), which is how a batch of 100,000 files is made in minutes, not the half hour that generating
    each one takes."""
    import zipfile

    code = f"{CLONE_PREFIX}{i:09d}".encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in _members(book.data):
            if info.filename.startswith("xl/worksheets/"):
                data = _CODE.sub(code, data)
            dst.writestr(info, data, compresslevel=1)
    return out.getvalue()


@lru_cache(maxsize=512)
def _members(data: bytes) -> tuple:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return tuple((info, src.read(info)) for info in src.infolist())


CLONE_PREFIX = "440304226012"  # 12 digits + 9: 21, never a code generate() gives


def write_batch(folder, n: int, *, distinct: int = 200, seed: int = 2023) -> int:
    """n one-form workbooks in `folder` (created), made from `distinct` generated ones by clone():
    every file a distinct project. Returns the bytes written."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    books = generate(min(n, distinct), seed)
    written = 0
    for i in range(n):
        data = clone(books[i % len(books)], i)
        (folder / f"b{i:07d}.xlsx").write_bytes(data)
        written += len(data)
    return written
