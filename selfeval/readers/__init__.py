"""Bytes -> Forms: preflight, then text or workbook -> Grid, then one recogniser for both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selfeval.messages import issue
from selfeval.model import Form, Issue, Loc


@dataclass(frozen=True)
class ReadResult:
    """What one file gave: its readable forms, and what could not be read with confidence (and where)."""

    source: str
    kind: str  # xlsx / xls / text, or "" when refused before parsing
    forms: tuple[Form, ...]
    problems: tuple[Issue, ...]  # severity error: a form or the file could not be read; info: a sheet skipped

    @property
    def ok(self) -> bool:
        return bool(self.forms) and not any(p.severity == "error" for p in self.problems)


def read_bytes(data: bytes, name: str) -> ReadResult:
    """Read every form in an uploaded file. Never raises for bad content: problems say what and where."""
    from selfeval.readers.preflight import Refused, decode_text, preflight
    from selfeval.readers.recognize import recognize
    from selfeval.readers.text import text_to_grids

    try:
        kind = preflight(data, name)
        if kind == "text":
            grids = text_to_grids(decode_text(data), name)
        else:
            from selfeval.readers.excel import workbook_to_grids

            grids = workbook_to_grids(data, kind, name)
    except Refused as refused:
        return ReadResult(name, "", (), (Issue(refused.code, "error", name, refused.message),))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a parser failing on a file preflight let through (calamine panics are
        # BaseException): refuse it, never crash
        message = (
            f"文件无法读取（{type(exc).__name__}），可能已损坏。请用 Excel/WPS 打开后另存为 .xlsx 再上传。"
        )
        return ReadResult(name, "", (), (Issue("FILE_UNREADABLE", "error", name, message),))

    forms: list[Form] = []
    problems: list[Issue] = []
    for grid in grids:
        found, failed = recognize(grid)
        forms.extend(found)
        problems.extend(failed)
        if not found and not failed and kind != "text":
            problems.append(issue("SHEET_SKIPPED", Loc(grid.sheet, 1), sheet=grid.sheet))
    if not forms and not any(p.severity == "error" for p in problems):
        problems.append(issue("FORM_NOT_FOUND", name))
    return ReadResult(name, kind, tuple(forms), tuple(problems))


def read_path(path: str | Path) -> ReadResult:
    path = Path(path)
    return read_bytes(path.read_bytes(), path.name)
