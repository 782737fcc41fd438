"""Forging a backup folder as an insider without the organisation's key would: after changing a
data file, the manifest's sha256 of it is recomputed, so that only the deeper checks (row counts,
schema versions, the audit chain, the workflow, the replaced store's history) can tell."""

from __future__ import annotations

import json
from pathlib import Path

from selfeval.store.backup import MANIFEST
from selfeval.store.signing import file_digest


def redigest(folder: Path, table: str) -> None:
    path = folder / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"][table] = file_digest((folder / f"{table}.parquet").read_bytes())
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
