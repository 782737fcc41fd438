"""Signed backups: what a backup's own contents cannot prove.

A backup carries its audit chain, and a restore over a store checks that the backup continues that
store's history (selfeval/store/lineage.py). Restored into an empty store there is nothing to compare
with, and a chain can be recomputed by whoever holds the folder. So every manifest lists the sha256
of each data file (integrity: a changed byte is refused), and when the organisation keeps a key
outside its backups — a file named by SELFEVAL_BACKUP_KEY_FILE on the servers, never in the backup
folder — the manifest is signed with it (HMAC-SHA256 over the manifest's canonical JSON). A restore
on a server with the key refuses a backup whose signature does not verify, and one without a
signature unless the administrator accepts it explicitly, which the restore's audit event records.

Pure functions and the key's loading; no database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path
from typing import Any

from selfeval.store.errors import StoreError

KEY_ENV = "SELFEVAL_BACKUP_KEY_FILE"
MIN_KEY_BYTES = 32
MAX_KEY_BYTES = 4096


def backup_key() -> bytes | None:
    """The organisation's backup key, or None when SELFEVAL_BACKUP_KEY_FILE is not set. A key that
    is named but missing, not a regular file, too short or too long is an error, never "unsigned"."""
    named = os.environ.get(KEY_ENV, "").strip()
    if not named:
        return None
    path = Path(named)
    try:
        info = path.stat()  # a symlink is followed: secret mounts are links to the real file
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"备份签名密钥 {KEY_ENV}={named} 不是普通文件。")
        if info.st_size > MAX_KEY_BYTES:
            raise StoreError(
                f"备份签名密钥文件 {named} 过大（应为 {MIN_KEY_BYTES}–{MAX_KEY_BYTES} 个字节）。"
            )
        key = path.read_bytes().strip()
    except OSError as exc:
        raise StoreError(f"无法读取备份签名密钥文件 {named}：{type(exc).__name__}。") from None
    if len(key) < MIN_KEY_BYTES:
        raise StoreError(
            f"备份签名密钥文件 {named} 太短（至少 {MIN_KEY_BYTES} 个字节，例如 `openssl rand -hex 32` 的输出）。"
        )
    return key


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signature(key: bytes, manifest: dict[str, Any]) -> str:
    """HMAC-SHA256 of the manifest without its signature, as canonical JSON (sorted keys, no spaces)."""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def signed_by(key: bytes, manifest: dict[str, Any]) -> bool:
    """The manifest's signature is this key's (compared in constant time)."""
    given = manifest.get("signature")
    return isinstance(given, str) and hmac.compare_digest(signature(key, manifest), given)
