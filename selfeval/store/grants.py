"""Who may do what to the tables on PostgreSQL: the schema belongs to an owner role (the one
`selfeval init`/`migrate`/`restore` connect as with `--owner`), and the app connects as a role that
owns nothing and may only what the store's code does — append to the history, never rewrite it.

    audit_events, submissions (but its is_current flag), forms, funds, indicators, issues, transfers:
        SELECT and INSERT only (no UPDATE, DELETE or TRUNCATE: a version and its trail are history)
    review_states, review_deadlines: SELECT, INSERT, DELETE (a step replaces a version's state row)
    agg_units, agg_lost, agg_outliers, agg_projects (总览's figures the writers keep in the same
        transaction as the rows, selfeval/store/aggregates.py): SELECT, INSERT, UPDATE, DELETE — figures
        derived from the history, not history: every save adjusts them and `selfeval rebuild-aggregates`
        recomputes them with the app's login (DELETE and INSERT, never TRUNCATE or DDL)
    schema_version: SELECT
    any other table (added by a later migration): SELECT, INSERT, UPDATE, DELETE
    every view: SELECT

Granted after every migration and restore, as the owner; DuckDB has no roles (whoever can write the
file can do anything: there the store's code only appends, and the chain shows any other change).
"""

from __future__ import annotations

import re

from selfeval.store import aggregates
from selfeval.store.sqlutil import RELATIONS_SQL, Db, split_relations

APPEND_ONLY = ("audit_events", "submissions", "forms", "funds", "indicators", "issues", "transfers")
APP_PRIVILEGES: dict[str, str] = {
    **dict.fromkeys(APPEND_ONLY, "SELECT, INSERT"),
    "review_states": "SELECT, INSERT, DELETE",
    "review_deadlines": "SELECT, INSERT, DELETE",
    "schema_version": "SELECT",
    **dict.fromkeys(aggregates.TABLES, "SELECT, INSERT, UPDATE, DELETE"),
}
OTHER_TABLES = "SELECT, INSERT, UPDATE, DELETE"
TOO_MUCH = ("UPDATE", "DELETE", "TRUNCATE")  # on audit_events, the app's role must have none of them


def quote_ident(name: str) -> str:
    """A role or table name as a PostgreSQL identifier."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def grant_app(db: Db, role: str) -> None:
    """Give the app's role exactly APP_PRIVILEGES on this schema's tables (owner's connection)."""
    who = quote_ident(role)
    schema = db.execute("SELECT current_schema()")[0][0]
    db.execute(f"GRANT USAGE ON SCHEMA {quote_ident(schema)} TO {who}")
    tables, views = split_relations(db.execute(RELATIONS_SQL))
    for table in tables:
        db.execute(f"REVOKE ALL ON {quote_ident(table)} FROM {who}")
        db.execute(f"GRANT {APP_PRIVILEGES.get(table, OTHER_TABLES)} ON {quote_ident(table)} TO {who}")
    db.execute(f"GRANT UPDATE (is_current) ON submissions TO {who}")  # the writers' one flag
    for view in views:
        db.execute(f"GRANT SELECT ON {quote_ident(view)} TO {who}")


def excess_on_audit(db: Db) -> list[str]:
    """What the connected role may do to audit_events beyond SELECT and INSERT: the privileges of
    TOO_MUCH it holds, and 所有者 when it owns the table (an owner may drop its triggers)."""
    found = [
        what for what in TOO_MUCH if db.execute("SELECT has_table_privilege('audit_events', ?)", [what])[0][0]
    ]
    owner = db.execute(
        "SELECT pg_has_role(tableowner, 'USAGE') FROM pg_tables WHERE tablename = 'audit_events' "
        "AND schemaname = current_schema()"
    )
    if owner and owner[0][0]:
        found.append("所有者")
    return found
