"""The review loop on the command line: `selfeval status` (counts per state and unit) and the parts
of `selfeval export` that follow the states (approved forms only, one workbook or a zip per unit).
A thin client of selfeval.store.review and selfeval.bundles."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from selfeval.bundles import by_unit, unit_folder_name, unit_zip
from selfeval.cli.files import new_file
from selfeval.names import file_name, visible
from selfeval.workflow import STATES, state_label

STATE_CHOICES = ("all", "approved")
COLUMNS = (("projects", "项目数"), *((s, "未提交" if s == "draft" else state_label(s)) for s in STATES))


def add_status_parser(sub: argparse._SubParsersAction, db_help: str) -> None:
    p = sub.add_parser("status", help="各单位自评表的审核状态（未提交/已送审/已通过/已退回）")
    p.add_argument("--year", default=None, help="绩效自评年度（省略时按年度分别统计）")
    p.add_argument("--unit", default=None, help="实施单位（省略时列出全部单位）")
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_status)


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--state",
        choices=STATE_CHOICES,
        default="all",
        help="数据库模式：all 导出各项目最新版本（默认），approved 只导出审核通过的版本",
    )
    p.add_argument(
        "--approved-only", dest="state", action="store_const", const="approved", help="同 --state approved"
    )
    p.add_argument(
        "--per-unit",
        action="store_true",
        help="按实施单位分别导出：每个单位一个 .zip（含各项目的导入模板），与 --one-workbook 同用时每个单位一个工作簿",
    )


def stored_cards(store, args: argparse.Namespace) -> list:
    """The scorecards `export` writes from the store: the current versions, or the approved ones."""
    if getattr(args, "state", "all") == "approved":
        return store.approved_scorecards()
    return store.current_scorecards()


def check_export_args(args: argparse.Namespace) -> None:
    """--state approved reads review states, which only the store has."""
    if args.paths and getattr(args, "state", "all") != "all":
        raise ValueError("--approved-only / --state 只用于从数据库导出（不要同时给出文件）。")


def export_per_unit(cards: Sequence, out: Path, one_workbook: bool) -> int:
    """One zip (or one workbook) per 实施单位; never overwrites a file. Returns the forms written."""
    from selfeval.template import write_template

    groups = by_unit(cards)
    written = 0
    for unit, group in groups.items():
        name = unit_folder_name(unit)
        if one_workbook:
            target = new_file(out / file_name([name, "自评表"], ".xlsx", fallback="自评表"))
            target.write_bytes(write_template(group))
        else:
            target = new_file(out / file_name([name, "导入模板"], ".zip", fallback="导入模板"))
            target.write_bytes(unit_zip(group))
        written += len(group)
        print(f"{visible(unit) or '（未填单位）'}：{len(group)} 个自评表 → {target}")
    print(f"已按单位导出 {written} 个自评表（{len(groups)} 个单位）到 {out}")
    return written


def cmd_status(args: argparse.Namespace) -> int:
    """Print projects per year and unit by state, totals, and the deadline of each year."""
    from selfeval.sample import open_seeded_store

    store = open_seeded_store(args.db, seed=False)
    try:
        counts = store.state_counts(args.year, args.unit)
        deadlines = (
            {year: store.deadline(year) for year in counts["year"].unique()} if not counts.empty else {}
        )
    finally:
        store.close()
    if counts.empty:
        print("没有符合条件的自评表。")
        return 0
    header = ["年度", "实施单位", *(label for _, label in COLUMNS)]
    rows = [[r["year"], r["unit"], *(str(int(r[c])) for c, _ in COLUMNS)] for _, r in counts.iterrows()]
    for year, group in counts.groupby("year", sort=True):
        if len(group) > 1:
            rows.append([year, "合计", *(str(int(group[c].sum())) for c, _ in COLUMNS)])
    rows.sort(key=lambda r: (r[0], r[1] == "合计"))
    _print_table(header, rows)
    today = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).date()
    for year, deadline in sorted(deadlines.items()):
        if deadline is not None:
            days = (deadline - today).days
            left = f"还有 {days} 天" if days >= 0 else f"已逾期 {-days} 天"
            print(f"{year} 年度审核截止日期：{deadline:%Y-%m-%d}（{left}）")
    return 0


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(_width(str(x)) for x in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        out = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - _width(str(cell)))
            out.append(f"{cell}{pad}" if i < 2 else f"{pad}{cell}")
        return "  ".join(out).rstrip()

    print(line(header))
    for r in rows:
        print(line(r))
