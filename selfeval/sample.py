"""The embedded sample: the 13 published 福田区总工会 2023 forms under data/seed, loaded on first run."""

from __future__ import annotations

from pathlib import Path

from selfeval.ingest import ingest_file
from selfeval.profile import load_profile
from selfeval.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = ROOT / "data" / "seed"


def seed_files() -> list[Path]:
    return sorted(p for p in SEED_DIR.glob("*") if p.suffix.lower() in (".txt", ".xlsx", ".xls"))


def load_sample(store) -> None:
    """Store every sample file once (the store recognises bytes it already holds)."""
    profile = load_profile()
    for path in seed_files():
        if path.suffix.lower() == ".txt":
            ingest_file(
                store, path.name, path.read_bytes(), profile, origin="import", submitted_by="样例数据"
            )


def open_seeded_store(path: str | Path | None = None, *, seed: bool = True, owner: str | None = None):
    """Open (creating and migrating) the store; fill it with the sample when it is new and empty.
    `owner`: the PostgreSQL login that owns the schema (migrations run as it; see store.connect)."""
    return open_store(path, seed=load_sample if seed else None, owner=owner)
