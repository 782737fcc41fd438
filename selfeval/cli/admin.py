"""The CLI's store commands: backup, restore and migrate (a whole store between DuckDB and
PostgreSQL). The CLI acts as the local administrator: it may read and write every unit."""

from __future__ import annotations

import argparse

DB_HELP = "DuckDB 文件路径或 PostgreSQL 地址 postgresql://用户@主机:端口/库（默认环境变量 SELFEVAL_DB 或 data/selfeval.duckdb）"


def cmd_backup(args: argparse.Namespace) -> int:
    from selfeval.store import open_store

    with open_store(args.db, seed_if_empty=False) as store:
        counts = store.export_database(args.dir)
    print(f"已备份到 {args.dir}（{counts.get('submissions', 0)} 个提交版本，{len(counts)} 张表）")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from selfeval.store import restore

    restore(args.dir, args.db)
    print(f"已从 {args.dir} 恢复")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from selfeval.store.transfer import copy_store

    counts = copy_store(args.source, args.target, replace=args.replace)
    print(
        f"已复制 {counts.get('submissions', 0)} 个提交版本（{len(counts)} 张表，行数已逐表核对）："
        f"{args.source} → {args.target}"
    )
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    from selfeval.store import open_store

    with open_store(args.db, seed_if_empty=False) as store:
        new_id = store.transfer_project(args.code, args.year, args.unit, submitted_by="命令行")
    print(f"项目 {args.code}（{args.year} 年度）已转到“{args.unit}”（新版本编号 {new_id}，已记录）。")
    return 0


def add_parsers(sub: argparse._SubParsersAction, db_help: str = DB_HELP) -> None:
    p = sub.add_parser("backup", help="备份数据库（每张表一个 Parquet 文件，另附清单）")
    p.add_argument("dir", help="备份目录（新建或空目录）")
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="从备份恢复数据库（只读取备份中的数据文件，不执行任何 SQL）")
    p.add_argument("dir")
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("migrate", help="把整个数据库复制到另一个后端（DuckDB ⇄ PostgreSQL），并核对行数")
    p.add_argument("--from", dest="source", required=True, help="源：DuckDB 文件或 postgresql:// 地址")
    p.add_argument("--to", dest="target", required=True, help="目标：DuckDB 文件或 postgresql:// 地址")
    p.add_argument("--replace", action="store_true", help="目标已有数据时覆盖")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("transfer", help="把一个项目转到另一个实施单位（管理员操作，记入转移记录与审计记录）")
    p.add_argument("code", help="项目编码")
    p.add_argument("year", help="年度")
    p.add_argument("unit", help="新的实施单位")
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_transfer)
