"""`python -m selfeval ...`: the parser and the commands that score, import and export. A thin client of
the library; nothing imports the cli package but `selfeval/__main__.py` and the `selfeval` script."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from selfeval import fmt
from selfeval.cli import admin, files, review
from selfeval.profile import available_profiles, load_profile, profile_for


def cmd_score(args: argparse.Namespace) -> int:
    from selfeval.checks import batch_issues
    from selfeval.serialize import scorecard_to_dict

    cards, failed = files.score_paths(args.paths, profile_for(args.profile))
    for problem in batch_issues(cards):
        print(f"提示：{problem.message}", file=sys.stderr)
    if args.csv:
        from selfeval.serialize import scorecards_to_csv

        sys.stdout.flush()
        sys.stdout.buffer.write(scorecards_to_csv(cards))
    elif args.json:
        json.dump([scorecard_to_dict(c) for c in cards], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        for c in cards:
            h = c.form.header
            declared, total = fmt.points(c.form.declared_total), fmt.points(c.total)
            print(
                f"{h.project_code or '（无编码）'}\t{h.project_name}\t申报 {declared}\t计算 {total}\t"
                f"{c.grade or '—'}\t错误 {c.errors}\t警告 {c.warnings}\t{c.verification_label}\t规则 {c.profile}"
            )
    return 1 if failed else 0


def cmd_profiles(args: argparse.Namespace) -> int:
    for name in available_profiles():
        print(f"{name}\t{load_profile(name).title}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from selfeval.sample import open_seeded_store

    store = open_seeded_store(args.db, owner=admin.owner_of(args))
    print(f"数据库：{store.path}（当前 {len(store.current_submission_ids())} 个项目）")
    store.close()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import files and folders (selfeval.bulk): chunks committed whole, files stored before skipped
    unread, progress with forms/s and time left; only counts are kept, the unreadable files' problems
    go to stderr — or, past PROBLEMS_SHOWN files, to a report file the summary names."""
    import gc

    from selfeval.bulk import import_files, list_files
    from selfeval.memory import return_big_buffers
    from selfeval.sample import open_seeded_store
    from selfeval.store.duckdb import IMPORT_MEMORY_LIMIT

    return_big_buffers()
    profile = profile_for(args.profile)
    store = open_seeded_store(args.db, seed=False)
    store.limit_memory(IMPORT_MEMORY_LIMIT)  # bulk inserts and key look-ups need little cache
    store.limit_threads(1)  # … and no thread of their own: the reading workers take the cores
    paths = list_files(args.paths)  # a few bytes a file
    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1) if len(paths) >= 100 else 1
    problems = files.ProblemLog(args.report)
    progress = files.Progress(len(paths))
    # the modules' objects never die: out of the cycle collector's sight, its rescans stay small
    gc.collect()
    gc.freeze()
    try:
        totals = import_files(
            store,
            paths,
            profile,
            jobs=jobs,
            chunk=args.chunk,
            on_progress=progress.update,
            on_problem=problems.add,
            on_resume=progress.resumed,
            on_transfer=lambda path, moved: print(f"\n转移：{Path(path).name}：{moved}"),
            allow_transfer=args.allow_transfer,
        )
    finally:
        gc.unfreeze()
        problems.close()
        store.close()
    progress.finish(totals)
    problems.print_summary()
    print(files.summary(totals))
    return 1 if totals.unreadable else 0


def cmd_export(args: argparse.Namespace) -> int:
    from selfeval.template import template_filename, write_template

    review.check_export_args(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    if args.paths:
        cards, failed = files.score_paths(args.paths, profile_for(args.profile))
    else:
        from selfeval.sample import open_seeded_store

        store = open_seeded_store(args.db, seed=False)
        cards = review.stored_cards(store, args)  # current versions, or the approved ones
        store.close()
    if args.per_unit:
        review.export_per_unit(cards, out, args.one_workbook)
    elif args.one_workbook:
        target = files.new_file(out / "自评表汇总.xlsx")
        target.write_bytes(write_template(cards))
        print(f"已导出 {len(cards)} 个自评表到 {target}")
    else:
        written = 0
        for card in cards:
            files.new_file(out / template_filename(card.form)).write_bytes(write_template([card]))
            written += 1
        print(f"已导出 {written} 个导入模板到 {out}")
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from selfeval.cli.report import cmd_report as draft  # python-docx only when reports are drafted

    return draft(args)


def _positive(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("须为 1 至 100000 之间的整数")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m selfeval", description="项目支出绩效自评：评分、导入、导出"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", help="读取自评表并评分")
    p.add_argument("paths", nargs="+", metavar="PATH", help="文件或文件夹（.xlsx .xls .txt）")
    p.add_argument("--profile", default="auto", help="评分规则（默认 auto：按表内分值选用）")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="输出 JSON 数组")
    fmt.add_argument("--csv", action="store_true", help="输出 CSV（每个指标一行，防公式注入）")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("profiles", help="列出评分规则")
    p.set_defaults(func=cmd_profiles)

    db_help = admin.DB_HELP
    p = sub.add_parser("init", help="创建数据库（或升级表结构）并载入样例数据")
    p.add_argument("--db", default=None, help=db_help)
    admin.add_owner(p)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("import", help="读取文件并存入数据库")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--jobs", type=int, default=None, help="读取评分的进程数（默认：100 个文件以上用全部 CPU）"
    )
    p.add_argument("--db", default=None, help=db_help)
    p.add_argument("--profile", default="auto")
    p.add_argument(
        "--allow-transfer",
        action="store_true",
        help="允许表中的实施单位与项目现属单位不同时把项目转到表中的单位（逐一列出）；不加此项时这类表不保存",
    )
    p.add_argument(
        "--chunk",
        type=_positive,
        default=200,
        help="每个事务保存的文件数（默认 200；中断后重新运行从未保存的文件继续）",
    )
    p.add_argument(
        "--report",
        default=None,
        help=f"无法读取的文件及原因写入此文件（默认：超过 {files.PROBLEMS_SHOWN} 个时写入临时文件夹中的新文件，摘要写明路径）",
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="导出导入模板（.xlsx）")
    p.add_argument("paths", nargs="*", metavar="PATH", help="要导出的文件；省略时导出数据库中的当前版本")
    p.add_argument("--out", required=True, help="输出文件夹")
    p.add_argument("--one-workbook", action="store_true", help="所有表放进一个工作簿")
    review.add_export_arguments(p)
    p.add_argument("--db", default=None, help=db_help)
    p.add_argument("--profile", default="auto")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", help="起草项目支出绩效自评报告（.docx）")
    p.add_argument(
        "paths", nargs="*", metavar="PATH", help="自评表文件或文件夹；省略时从数据库起草，并附单位汇总"
    )
    p.add_argument("--out", required=True, help="输出文件夹（已有的文件不会被覆盖）")
    p.add_argument("--db", default=None, help=db_help)
    p.add_argument("--unit", default=None, help="实施单位（仅数据库模式；省略时每个单位各一份汇总）")
    p.add_argument("--year", default=None, help="绩效自评年度（仅数据库模式；省略时每个年度各一份汇总）")
    p.add_argument("--profile", default="auto", help="评分规则（仅文件模式，默认 auto：按表内分值选用）")
    p.set_defaults(func=cmd_report)

    review.add_status_parser(sub, db_help)

    admin.add_parsers(sub, db_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # unknown profile and the like: a usage error
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        import duckdb

        from selfeval.messages import DATABASE_FAILED, DISK_FULL_FILES
        from selfeval.store import StoreError
        from selfeval.store.errors import is_disk_full

        if isinstance(exc, StoreError):  # locked, damaged, refused, disk full: said in Chinese already
            print(exc, file=sys.stderr)
            return 1
        if is_disk_full(exc):  # an output file the disk could not take (the store says its own)
            print(DISK_FULL_FILES.format(error=exc), file=sys.stderr)
            # openpyxl's half-written workbook fails once more when it is collected: said already
            sys.unraisablehook = lambda _unraisable: None
            return 1
        if isinstance(exc, duckdb.Error):  # a database damaged past what opening it could tell
            print(DATABASE_FAILED.format(error=type(exc).__name__), file=sys.stderr)
            return 1
        raise
