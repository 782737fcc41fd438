"""The CLI's store commands: backup, restore, migrate (a whole store between DuckDB and
PostgreSQL), transfer and rebuild-aggregates. The CLI acts as the local administrator: it may read and write every unit."""

from __future__ import annotations

import argparse
import os
import sys

DB_HELP = "DuckDB 文件路径或 PostgreSQL 地址 postgresql://用户@主机:端口/库（默认环境变量 SELFEVAL_DB 或 data/selfeval.duckdb）"
OWNER_HELP = (
    "PostgreSQL 表的所有者账号地址（默认环境变量 SELFEVAL_OWNER_DB）：建表、升级与恢复以它执行，"
    "--db 的应用账号只获得追加与读取审核记录等应用所需的权限（见 docs/deploy.md）"
)


def owner_of(args: argparse.Namespace) -> str | None:
    """--owner, else SELFEVAL_OWNER_DB (read by these commands only, never by the app)."""
    return getattr(args, "owner", None) or os.environ.get("SELFEVAL_OWNER_DB") or None


def add_owner(p: argparse.ArgumentParser) -> None:
    p.add_argument("--owner", default=None, help=OWNER_HELP)


def cmd_backup(args: argparse.Namespace) -> int:
    from selfeval.store import open_store

    with open_store(args.db, seed_if_empty=False) as store:
        counts = store.export_database(args.dir)
    print(f"已备份到 {args.dir}（{counts.get('submissions', 0)} 个提交版本，{len(counts)} 张表）")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from selfeval.store import restore

    counts = restore(
        args.dir,
        args.db,
        owner=owner_of(args),
        discard_history=args.discard_history,
        accept_unsigned=args.accept_unsigned,
    )
    print(
        f"已从 {args.dir} 恢复（{counts.get('submissions', 0)} 个提交版本；审核记录已核对，恢复已记入审核记录）"
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """The audit trail link by link and the review states against it; on PostgreSQL also what the
    login may do to the trail. Exit 1 naming the first thing wrong."""
    from selfeval.messages import AUDIT
    from selfeval.store import open_store

    with open_store(args.db, seed_if_empty=False) as store:
        report = store.verify_trail()
        excess = store.audit_privileges()
        role = getattr(store, "app_role", "")
    failed = False
    if report.ok:
        print(AUDIT["OK"].format(events=report.events, id=report.head[0], hash=report.head[1][:16] or "—"))
    else:
        failed = True
        print(AUDIT["BROKEN"].format(events=report.events, first=report.first()), file=sys.stderr)
        rest = ([report.broken] if report.broken else []) + report.problems
        if len(rest) > 1:
            print(AUDIT["MORE"].format(n=len(rest) - 1), file=sys.stderr)
            for line in rest[1:21]:
                print(f"  {line}", file=sys.stderr)
    if excess:
        failed = True
        print(AUDIT["PRIVILEGE"].format(role=role, what="、".join(excess)), file=sys.stderr)
    return 1 if failed else 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from selfeval.store.transfer import copy_store

    counts = copy_store(args.source, args.target, replace=args.replace, owner=owner_of(args))
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


def cmd_roles(args: argparse.Namespace) -> int:
    """Check a role file the way the app reads it and list who may see what; exit 1 naming the
    line when the app would refuse it."""
    from selfeval.access import RolesError, describe_roles, load_roles

    try:
        roles = load_roles(args.file)
    except RolesError as exc:
        print(exc, file=sys.stderr)
        return 1
    for line in describe_roles(roles):
        print(line)
    print(f"共 {len(roles)} 个账号；未列出的账号登录后看不到任何单位。")
    return 0


def cmd_rebuild_aggregates(args: argparse.Namespace) -> int:
    from selfeval.store import open_store

    with open_store(args.db, seed_if_empty=False) as store:
        projects, groups = store.rebuild_aggregates()
    print(f"已按现行版本重算总览汇总数据（{projects} 个项目，{groups} 个年度与单位组合）。")
    return 0


def add_parsers(sub: argparse._SubParsersAction, db_help: str = DB_HELP) -> None:
    p = sub.add_parser("backup", help="备份数据库（每张表一个 Parquet 文件，另附清单）")
    p.add_argument("dir", help="备份目录（新建或空目录）")
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="从备份恢复数据库（只读取备份中的数据文件，不执行任何 SQL；审核记录不完整或不一致的备份不予恢复）",
    )
    p.add_argument("dir")
    p.add_argument("--db", default=None, help=db_help)
    p.add_argument(
        "--discard-history",
        action="store_true",
        help="备份与本数据库的审核记录是两段不同的历史时，仍用备份替换（舍弃的历史记入恢复记录）",
    )
    p.add_argument(
        "--accept-unsigned",
        action="store_true",
        help="本机配置了备份签名密钥（SELFEVAL_BACKUP_KEY_FILE）时，仍恢复一份没有签名的备份（记入恢复记录）",
    )
    add_owner(p)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("verify", help="核对审核记录：逐条检查哈希链，并按审核流程核对各版本的审核状态")
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("migrate", help="把整个数据库复制到另一个后端（DuckDB ⇄ PostgreSQL），并核对行数")
    p.add_argument("--from", dest="source", required=True, help="源：DuckDB 文件或 postgresql:// 地址")
    p.add_argument("--to", dest="target", required=True, help="目标：DuckDB 文件或 postgresql:// 地址")
    p.add_argument("--replace", action="store_true", help="目标已有数据时覆盖")
    add_owner(p)
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "rebuild-aggregates", help="按现行版本重算总览的汇总数据（保存时已随数据一并更新；存疑时使用）"
    )
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_rebuild_aggregates)

    p = sub.add_parser("transfer", help="把一个项目转到另一个实施单位（管理员操作，记入转移记录与审计记录）")
    p.add_argument("code", help="项目编码")
    p.add_argument("year", help="年度")
    p.add_argument("unit", help="新的实施单位")
    p.add_argument("--db", default=None, help=db_help)
    p.set_defaults(func=cmd_transfer)

    p = sub.add_parser("roles", help="检查角色文件（与应用读取方式相同），列出各账号的角色与负责单位")
    p.add_argument("file", nargs="?", default=None, help="角色文件（默认 SELFEVAL_ROLES 或 data/roles.toml）")
    p.set_defaults(func=cmd_roles)
