"""What every preflight check shares: the limits, the refusal, and a sheet's extent.

A file we will not read raises ``Refused`` with a stable ``code`` and a Chinese ``message`` (the
sentences live in ``selfeval.messages.PREFLIGHT``) saying what is wrong and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from selfeval.messages import PREFLIGHT as MESSAGES  # refusal sentences, with the rest of the Chinese

MIB = 1024 * 1024
MB = 1000 * 1000

# The upload limit in MB, one number for the browser and for preflight: `.streamlit/config.toml`
# server.maxUploadSize must be this number (tests/test_sandbox.py checks it). The browser counts
# 1 MB = 1,000,000 bytes (1,048,576 on Windows) and Streamlit's server 1,048,576, so preflight takes
# the smallest, 20,000,000 bytes: a file the browser lets through but that is over the limit gets
# preflight's Chinese refusal, never a silent pass (20.0-20.97 MB used to get English from the browser).
UPLOAD_MB = 20


@dataclass(frozen=True)
class Limits:
    max_bytes: int = UPLOAD_MB * MB  # upload size
    max_zip_entries: int = 2000
    # sum of entry sizes (forms are < 1 MB; keeps the worst scan < 1 s)
    max_uncompressed: int = 50 * MB
    max_ratio: float = 200.0  # per entry uncompressed/compressed (only for entries > 1 MiB uncompressed)
    max_sheet_rows: int = 20000
    max_sheet_cols: int = 200
    max_cell_chars: int = 32767
    # xl/styles.xml: Excel itself stops at 64,000 cell formats; a styles part beyond that (or beyond
    # its size bound) only slows every reader down (480k styles in 40 MB took 4-6 s)
    max_styles: int = 65_000
    max_styles_bytes: int = 16 * MB
    # text: cells over the whole text (tab, pipe or CSV separated), checked before any Grid is built
    max_text_cells: int = 400_000
    # one browser session's upload (selfeval/uploads.py): files read at once and their bytes together
    # (a batch of a unit's forms is tens of files of < 1 MB; thousands go through `selfeval import`)
    max_upload_files: int = 50
    max_session_bytes: int = 100 * MB


DEFAULT_LIMITS = Limits()


class Refused(Exception):
    """A file we will not parse; .code is a stable code, .message a Chinese sentence saying what is
    wrong and what to do, .fields what the sentence was rendered from (an Issue keeps them)."""

    def __init__(self, code: str, message: str, fields: dict[str, object] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}

    def __repr__(self) -> str:
        return f"Refused({self.code!r}, {self.message!r})"

    def __reduce__(self):  # picklable across the sandbox's process boundary
        return (Refused, (self.code, self.message, self.fields))


def refuse(code: str, **fields: object) -> Refused:
    return Refused(code, MESSAGES[code].format(**fields), fields)


def phrase(key: str, **fields: object) -> str:
    """A fragment of a refusal (what a file is, where a cell is), in Chinese."""
    return MESSAGES[key].format(**fields)


def size_text(n: float) -> str:
    """Bytes as people and the browser count them (1 MB = 1,000,000 bytes)."""
    mb = n / MB
    if mb >= 1:
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
    return f"{max(n / 1024, 0.1):.1f} KB"


class Extent:
    """The largest row/column seen in one sheet, and whether it broke the limits."""

    def __init__(self, sheet: str, limits: Limits):
        self.sheet = sheet
        self.limits = limits
        self.rows = 0
        self.cols = 0
        self.broken = False

    def see(self, row: int, col: int) -> None:
        self.rows = max(self.rows, row)
        self.cols = max(self.cols, col)
        if row > self.limits.max_sheet_rows or col > self.limits.max_sheet_cols:
            self.broken = True

    def refusal(self) -> Refused:
        return refuse(
            "SHEET_TOO_LARGE",
            sheet=self.sheet,
            rows=max(self.rows, 1),
            cols=max(self.cols, 1),
            max_rows=self.limits.max_sheet_rows,
            max_cols=self.limits.max_sheet_cols,
        )
