"""`selfeval report`: 自评报告 drafts from files, or from the store with one summary per unit and year.

The parser lives in selfeval/cli/commands.py, which imports this module only when the command runs
(python-docx is loaded only to draft reports).

A thin client like the other commands: files are read and scored through the same loop as
`score` and `export`, the store is opened the way `export` opens it. Every report gets a name not yet
in the folder (never overwrites); the count printed is the count written. Exit 0 when every file was
read, 1 when some could not be, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from selfeval.cli.files import score_paths
from selfeval.profile import profile_for
from selfeval.report import project_report, report_filename, unit_report, unit_report_filename, write_new

USAGE_PATHS_AND_FILTER = "--unit、--year 只用于从数据库起草（不要同时给出文件）。"


def cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if args.paths and (args.unit or args.year):
        print(f"错误：{USAGE_PATHS_AND_FILTER}", file=sys.stderr)
        return 2
    if out.exists() and not out.is_dir():
        print(f"错误：{out} 不是文件夹。", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    summaries: dict[tuple[str, str], list] = {}
    if args.paths:
        cards, failed = score_paths(args.paths, profile_for(args.profile))
    else:
        from selfeval.sample import open_seeded_store

        store = open_seeded_store(args.db, seed=False)
        try:
            cards = store.current_scorecards(year=args.year, unit=args.unit)
        finally:
            store.close()
        groups: dict[tuple[str, str], list] = defaultdict(list)
        for card in cards:
            groups[(card.form.header.unit, card.form.header.year)].append(card)
        summaries = dict(sorted(groups.items()))
    written = 0
    for card in cards:
        write_new(out, report_filename(card), project_report(card))
        written += 1
    for (unit, year), group in summaries.items():
        write_new(out, unit_report_filename(unit, year), unit_report(group, unit, year))
    print(f"已起草 {written} 份项目自评报告、{len(summaries)} 份单位汇总报告，保存在 {out}")
    if not cards and not args.paths:
        print("数据库中没有符合条件的自评表。", file=sys.stderr)
    return 1 if failed else 0
