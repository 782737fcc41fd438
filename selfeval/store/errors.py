"""What can go wrong in the store, as exceptions that carry a Chinese message for the user."""

from __future__ import annotations

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
