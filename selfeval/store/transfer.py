"""Copying a whole store from one backend to another (`selfeval migrate --from … --to …`): every
table, versions, history and audit trail included, through the same data-only Parquet files a
backup writes, then the row counts of both sides compared table by table (the aggregates apart: the
target recomputes them from the rows)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from selfeval.store import aggregates, connect
from selfeval.store.errors import StoreError


def copy_store(
    source: str | Path, target: str | Path, *, replace: bool = False, owner: str | None = None
) -> dict[str, int]:
    """Copy the store at `source` into `target` (a path or postgresql:// URL each); returns the
    rows copied per table. Refuses a target that holds submissions unless `replace`. The target's
    schema is built as `owner` when given (PostgreSQL), its app login granted what the app does.
    The copy is a restore: its history is checked, and it ends with one `restored` event more (which,
    when `replace` discards a target of another history, names the history discarded)."""
    if str(source) == str(target):
        raise StoreError("源数据库与目标数据库相同。")
    src = connect(source)
    try:
        dst = connect(target, owner=owner)
        try:
            with tempfile.TemporaryDirectory(prefix="selfeval-migrate-") as tmp:
                counts = src.export_database(Path(tmp) / "copy")
                dst.import_database(Path(tmp) / "copy", replace=replace, discard_history=replace)
            for table, expected in counts.items():
                got = dst._rows(f"SELECT COUNT(*) FROM {table}")[0][0]
                expected += table == "audit_events"  # the copy's own `restored` event
                if table != "schema_version" and table not in aggregates.TABLES and got != expected:
                    raise StoreError(f"复制后表 {table} 有 {got} 行，源数据库有 {expected} 行。")
            return counts
        finally:
            dst.close()
    finally:
        src.close()
