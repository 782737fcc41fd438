"""What can go wrong in the store, as exceptions that carry a Chinese message for the user."""

from __future__ import annotations

import contextlib
import errno
import re
from collections.abc import Iterator
from pathlib import Path

LOCKED_MESSAGE = (
    "数据库文件正被另一个进程（通常是正在运行的应用）占用：{path}。请先关闭应用，或用 --db 指定另一个文件。"
)


class StoreError(RuntimeError):
    """A store problem worth showing to the user as it is (Chinese message)."""


class StoreLocked(StoreError):
    """The DuckDB file is held by another process (usually the running app)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        super().__init__(LOCKED_MESSAGE.format(path=self.path))


class AccessDenied(StoreError):
    """The acting principal may not do this (another unit's project, a viewer writing, ...)."""


class NotFound(StoreError, KeyError):
    """No submission with this id that the acting principal may see (absent and hidden look the
    same, so ids of other units' forms reveal nothing). A KeyError too, for `except KeyError`."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


NEEDS_OWNER = (
    "数据库 {path} 的表结构需要建立或升级，而应用的账号无权修改表结构（{error}）。请用表的所有者账号运行 "
    "python -m selfeval init --db 应用地址 --owner 所有者地址（或设置 SELFEVAL_OWNER_DB），见 docs/deploy.md。"
)
RESTORE_NEEDS_OWNER = (
    "恢复要重建全部表，须以表的所有者账号执行（{error}）：请加 --owner 所有者地址（或设置 SELFEVAL_OWNER_DB）。"
    "未恢复任何数据，原数据库未改动。"
)
DISK_FULL = (
    "磁盘空间不足，未能写入（{error}）：这次写入已整体撤销，数据库保持一致（此前已完成的保存不受影响）。"
    "请清理磁盘空间后重试。"
)

# Messages of unit isolation (kept with the store that enforces it). {owner} is always named.
NOT_YOUR_UNIT = (
    "实施单位“{unit}”不在您负责的单位（{units}）之内，不能保存：请核对表中的实施单位；"
    "如确属“{unit}”，请交由该单位的填报人上传，或请管理员为您开通该单位。"
)
NOT_YOUR_UNIT_LOOKALIKE = (
    "（表中的“{unit}”与您负责的“{mine}”只在全角/半角、括号、空格或大小写上不同，系统按两个不同的单位处理："
    "请管理员把角色文件中的单位改为与表中完全一致的写法。）"
)
OWNED_BY_OTHER = (
    "项目 {code}（{year} 年度）属于“{owner}”，不能以“{unit}”的名义提交新版本；"
    "如项目确需转到其他单位，请联系管理员办理转移。"
)
TRANSFER_NOT_ASKED = (
    "项目 {code}（{year} 年度）属于“{owner}”，表中的实施单位是“{unit}”：未保存。"
    "如确需把项目转到“{unit}”，请确认后再保存（命令行：--allow-transfer；或 selfeval transfer）。"
)
CLAIMED_TWICE = (
    "同一批文件中，项目 {code}（{year} 年度）出现在 {units} 名下，无法确定属于哪个单位：这份表未保存，"
    "请核实后单独提交。"
)
ROLE_CANNOT = "您的角色（{role}）无权{what}。"
TRANSFERRED = "项目 {code}（{year} 年度）由“{old}”转到“{new}”（已记录）。"


# the OS's words, PostgreSQL's, and lxml's (openpyxl serialises through it: IO_EFBIG, IO_ENOSPC)
_DISK_FULL = re.compile(
    r"No space left on device|File too large|Disk quota exceeded|disk full|could not extend file|IO_E(FBIG|NOSPC)",
    re.IGNORECASE,
)


def is_disk_full(exc: BaseException) -> bool:
    """A write the disk (or a file-size limit) refused: ENOSPC, EFBIG, EDQUOT, PostgreSQL's disk_full
    (53100), or DuckDB's "Could not write file …: No space left on device / File too large"."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    return getattr(exc, "sqlstate", None) == "53100" or bool(_DISK_FULL.search(str(exc)))


@contextlib.contextmanager
def said_when_disk_full() -> Iterator[None]:
    """A write that fails for want of disk space says so (StoreError, DISK_FULL), never that the
    database may be damaged: the transaction was rolled back and the store is as it was."""
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if is_disk_full(exc):
            raise StoreError(DISK_FULL.format(error=(str(exc).splitlines() or [""])[0][:200])) from exc
        raise
