"""Names of files, zip members and sheets made from what forms say: any length and any character in,
a name every filesystem, zip tool and Excel accepts out — and one way to tell two alike apart.

A name part loses what would make a name lie or fail: bidi controls (U+202A–202E, U+2066–2069,
U+200E/F, U+061C: `‮gpj.exe` shows as `exe.jpg`) and every other invisible format character (zero
width space, BOM), NUL and control characters, path separators and
the characters Windows refuses; whitespace becomes `_`. A whole file name is cut to 255 bytes of
UTF-8 (ext4, XFS, NTFS via its 255 UTF-16 units, zip members as extracted), never inside a
character, a Windows device name (`CON`, `COM1`, a file or a folder) gets a `_`; a sheet name to Excel's 31 characters.
`numbered` is the one "name（n）" of the code base: the stem is cut so that the number and the suffix
always fit. The full name always stays inside the file (the form's cells, the report's text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

MAX_NAME_BYTES = 255  # a file name (or one zip member's part) in UTF-8
MAX_SHEET_CHARS = 31  # Excel

BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
_UNSAFE = re.compile(f'[{BIDI}<>:"/\\\\|?*\\x00-\\x1f\\x7f-\\x9f]')
_SHEET_UNSAFE = re.compile(f"[{BIDI}\\[\\]:*?/\\\\\\x00-\\x1f\\x7f-\\x9f]")
# Windows' device names, with any extension: COM0–9 and LPT0–9 and the superscript ¹²³ forms included
DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"} | {
    f"{d}{i}" for d in ("COM", "LPT") for i in (*"0123456789", "¹", "²", "³")
}


def visible(text: object) -> str:
    """Text for a terminal or a log line: without bidi and control characters (what it says is what
    it shows), otherwise whole."""
    return re.sub(f"[{BIDI}\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]", "", "" if text is None else str(text))


def name_part(text: object, limit: int) -> str:
    """One part of a file name: cleaned (see the module's docstring), at most `limit` characters,
    no leading or trailing dot, space or underscore (hidden files, Windows)."""
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")  # zero width, BOM: unseen
    value = re.sub(r"\s+", "_", _UNSAFE.sub("", value).strip())
    return value[:limit].strip("._ ")


def not_a_device(name: str) -> str:
    """`name`, with a `_` after its first dot-separated part when Windows would take it for a device
    (`CON`, `com1.txt`, `LPT¹`; the extension does not matter there): such a file or folder cannot
    be created or extracted on Windows."""
    base, dot, rest = name.partition(".")
    return f"{base}_{dot}{rest}" if base.rstrip(" ").upper() in DEVICES else name  # `con.txt` -> `con_.txt`


def _cut(text: str, max_bytes: int | None, max_chars: int | None) -> str:
    """`text` cut at a character boundary to `max_chars` characters and `max_bytes` bytes of UTF-8."""
    if max_chars is not None:
        text = text[:max_chars]
    if max_bytes is not None and len(text.encode("utf-8")) > max_bytes:
        text = text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")
    return text


def fit(
    stem: str, suffix: str = "", *, max_bytes: int | None = MAX_NAME_BYTES, max_chars: int | None = None
) -> str:
    """stem + suffix within the limits, the stem cut as needed (never the suffix)."""
    room_bytes = None if max_bytes is None else max_bytes - len(suffix.encode("utf-8"))
    room_chars = None if max_chars is None else max_chars - len(suffix)
    cut = _cut(stem, room_bytes, room_chars)
    return (cut.rstrip("._ ") if cut != stem else cut) + suffix  # a cut never ends in a dot or space


def file_name(parts: Iterable[str], suffix: str, *, fallback: str) -> str:
    """Parts (already `name_part`s) joined by `_` with `suffix` (".xlsx"), within 255 bytes."""
    return fit(not_a_device("_".join(p for p in parts if p) or fallback), suffix)


def _split(name: str) -> tuple[str, str]:
    stem, dot, suffix = name.rpartition(".")
    return (stem, dot + suffix) if dot and stem else (name, "")


def numbered(
    name: str,
    n: int,
    *,
    max_bytes: int | None = MAX_NAME_BYTES,
    max_chars: int | None = None,
    suffix: bool = True,
) -> str:
    """`name（n）`, the mark before the suffix (`a（2）.xlsx`) when `suffix`, cut to fit the limits."""
    stem, ext = _split(name) if suffix else (name, "")
    return fit(stem, f"（{n}）{ext}", max_bytes=max_bytes, max_chars=max_chars)


def unique(name: str, taken: set[str], **limits) -> str:
    """`name`, or `numbered(name, 2, 3 …)` when its case-folded form is in `taken`; added to `taken`."""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = numbered(name, n, **limits)
    taken.add(candidate.casefold())
    return candidate


def unique_names(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """File names made distinct (ignoring case) from each other and from `taken`."""
    used = {n.casefold() for n in taken}
    return [unique(n, used) for n in names]


def write_new(directory: Path, name: str, data: bytes | None = None) -> Path:
    """Create `directory/name`, or `name（2）`, `（3）`… when taken — exclusively, so a file is never
    overwritten, even racing another writer — and write `data` into it (none: an empty file)."""
    candidate, n = name, 1
    while True:
        path = Path(directory) / candidate
        try:
            with path.open("xb") as handle:
                if data is not None:
                    handle.write(data)
            return path
        except FileExistsError:
            n += 1
            candidate = numbered(name, n)


def sheet_name(text: object, index: int) -> str:
    """An Excel sheet name from form text: no []:*?/\\ or bidi and control characters, no quote at
    either end, at most 31 characters, never `History` (reserved); `自评表{index}` when nothing is left."""
    value = _SHEET_UNSAFE.sub("", unicodedata.normalize("NFC", "" if text is None else str(text)))
    value = value.strip().strip("'").strip()[:MAX_SHEET_CHARS].strip().strip("'")
    if not value:
        return f"自评表{index}"
    if value.casefold() == "history":
        return f"{value}{index}"[:MAX_SHEET_CHARS]
    return value


def unique_sheet_names(wanted: Iterable[object]) -> list[str]:
    """Sheet names (`sheet_name`) made distinct ignoring case, each `name（n）` within 31 characters."""
    used: set[str] = set()
    return [
        unique(sheet_name(raw, i), used, max_bytes=None, max_chars=MAX_SHEET_CHARS, suffix=False)
        for i, raw in enumerate(wanted, start=1)
    ]
