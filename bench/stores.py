"""The benchmark's one way to open a store by path or URL, through the store's public interface."""

from __future__ import annotations


def open_db(db: str):
    """The store at a DuckDB path or a postgresql:// URL, as the CLI opens it (no sample seeding)."""
    from selfeval.sample import open_seeded_store

    return open_seeded_store(db, seed=False)


def count_forms(db: str) -> int:
    """Stored submissions (every version)."""
    store = open_db(db)
    try:
        return int(store.table_counts()["submissions"])
    finally:
        store.close()
