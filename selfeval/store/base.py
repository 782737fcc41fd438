"""The contract between the store's backends and the parts written once for both, and the store's
public surface.

`Backend` is what every part (Queries, Writes, Review, Backups) is written on: the acting principal,
SQL that returns rows or a DataFrame, the one writer's transaction, a read snapshot, a bulk insert and
a table dumped to Parquet. A backend class (duckdb.Store, postgres.PgStore) implements the abstract
methods; the parts add the methods of `PUBLIC`. Pages, the CLI and scripts call only those names
(tests/test_store_surface.py checks that both backends offer exactly them).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfeval.access import ALL_UNITS, Principal, Units, governs_all
from selfeval.store.errors import AccessDenied
from selfeval.store.sqlutil import Db, unit_clause

if TYPE_CHECKING:  # pandas only when a query returns a frame, never for an import's writes
    import pandas as pd

# What a store offers its callers, by job (every name a method unless said otherwise).
PUBLIC: dict[str, tuple[str, ...]] = {
    # the store itself: who it acts as, which figures it reads (scanning: the rows instead of the
    # figures the writers keep, what those are checked against), its backend ("duckdb" /
    # "postgres"), DuckDB's memory and threads for this connection (an import lowers both)
    "plumbing": (
        "backend",
        "basis",
        "scoped",
        "with_basis",
        "scanning",
        "close",
        "data_version",
        "limit_memory",
        "limit_threads",
    ),
    # what was submitted and what the rules gave it
    "forms": (
        "is_empty",
        "load_form",
        "load_scorecard",
        "load_scorecards",
        "current_scorecards",
        "current_submission_ids",
        "form_indicators",
        "form_issues",
        "project_history",
        "years",
        "units",
        "stored_files",  # which files (sha256 of their bytes) are stored: what a resumed import skips
    ),
    # figures of the current (or approved) forms, aggregated in SQL for the pages
    "figures": (
        "portfolio_summary",
        "project_scores",
        "points_lost",
        "target_outliers",
        "outlier_counts",
        "overview_counts",
        "overview_projects",
        "overview_rest",
        "score_counts",
        "pending_count",
        "pending_projects",
    ),
    # the project pickers
    "pickers": ("project_count", "project_search", "project_row", "find_project"),
    # writes: uploads, editor saves and imports, an earlier version made current, a project moved
    # (and, before one, why it would be refused)
    "writes": ("save", "save_many", "restore_version", "transfer_project", "refusals"),
    # the review loop and its audit trail
    "review": (
        "submit",
        "approve",
        "authors",
        "return_",
        "review_state",
        "review_queue",
        "project_states",
        "state_counts",
        "organisation",
        "last_return",
        "audit_trail",
        "todo",
        "todo_counts",
        "approved_scorecards",
        "deadline",
        "set_deadline",
    ),
    # the whole store (administrators only)
    # (verify_trail: the audit chain and the review states checked; audit_privileges: what the login may
    # do to the trail beyond reading and appending)
    "administration": (
        "export_database",
        "import_database",
        "relations",
        "table_counts",
        "table_rows",
        "verify_trail",
        "audit_privileges",
        "rebuild_aggregates",  # 总览's kept figures recomputed from the rows (selfeval/store/aggregates.py)
    ),
}


class Backend(ABC):
    """What the parts of a store need from its backend; the principal's reach is computed here once."""

    who: Principal
    backend: str  # "duckdb" or "postgres"
    path: str  # the file, or the URL without its password
    version: int  # the schema version the store was opened at
    _owner: bool  # False for a scoped or re-based copy: closing it leaves the connection open

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """A statement's rows (SQL with `?` placeholders)."""

    @abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A statement's rows as a DataFrame, with the same dtypes on both backends."""

    @abstractmethod
    def _writing(self) -> AbstractContextManager[Db]:
        """The one writer: serialised with every other writer of this store, one transaction."""

    @abstractmethod
    def _snapshot(self) -> AbstractContextManager[Db]:
        """One read transaction: every table as of one moment (what a backup reads)."""

    @abstractmethod
    def _insert_rows(self, db: Db, table: str, rows: list[dict[str, Any]] | dict[str, list]) -> None:
        """One bulk insert into `table` (rows as dicts, or as columns), never a statement per row."""

    @abstractmethod
    def _dump_table(self, db: Db, table: str, path: Path) -> None:
        """`table` as one Parquet file at `path`."""

    @abstractmethod
    def scoped(self, who: Principal) -> Backend:
        """This store acting as `who`: same connection, every read and write filtered by their units."""

    @abstractmethod
    def close(self) -> None: ...

    # -- the principal's reach ------------------------------------------------------------------------
    @property
    def _units(self) -> Units:
        """The units the acting principal may see: ALL_UNITS, or a tuple (empty: none at all)."""
        return self.who.units

    def _visible(self, alias: str = "s") -> tuple[str, list[Any]]:
        """SQL true for submissions (any version) of projects whose current version belongs to one
        of the principal's units: a project belongs to the unit of its current version."""
        if self._units is ALL_UNITS:
            return "TRUE", []
        clause, params = unit_clause(self._units, "c.unit")
        return (
            f"""(EXISTS (SELECT 1 FROM current_forms c WHERE c.submission_id = {alias}.id AND {clause})
                OR ({alias}.project_code <> '' AND EXISTS (SELECT 1 FROM current_forms c
                    WHERE c.project_code = {alias}.project_code AND c.year = {alias}.year AND {clause})))""",
            params + params,
        )

    def _require_unrestricted(self, what: str) -> None:
        if not governs_all(self.who):
            raise AccessDenied(f"只有负责全部单位的管理员才能{what}。")
