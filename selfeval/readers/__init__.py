"""Bytes -> Forms: preflight, then text or workbook -> Grid, then one recogniser for both."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selfeval.messages import issue
from selfeval.model import Form, Issue, Loc
from selfeval.readers import sandbox


@dataclass(frozen=True)
class ReadResult:
    """What one file gave: its readable forms, and what could not be read with confidence (and where)."""

    source: str
    kind: str  # xlsx / xls / pdf / text, or "" when refused before parsing
    forms: tuple[Form, ...]
    problems: tuple[Issue, ...]  # severity error: a form or the file could not be read; info: a sheet skipped

    @property
    def ok(self) -> bool:
        return bool(self.forms) and not any(p.severity == "error" for p in self.problems)


def read_bytes(data: bytes, name: str) -> ReadResult:
    """Read every form in an uploaded file, in a sandboxed worker process (selfeval.readers.sandbox).

    Never raises for bad content and never lets a parser take this process down: a worker that dies,
    runs out of memory or time becomes a refusal with a Chinese reason. Problems say what and where.
    """
    try:
        return sandbox.call(read_bytes_in_process, bytes(data), name)
    except sandbox.WorkerFailed as failed:
        return refused(name, failed.code)


def refused(name: str, code: str, /, **params: object) -> ReadResult:
    """A file that gave nothing: one error naming the file."""
    return ReadResult(name, "", (), (issue(code, name, **params),))


def read_bytes_in_process(data: bytes, name: str) -> ReadResult:
    """read_bytes in this process: what the sandbox's worker runs. Never call it on untrusted bytes
    in a process that must survive them (a server, a CLI batch)."""
    # the parsers are imported here, not at the top: a process that only hands bytes to the sandbox
    # (the app, the CLI) never loads them, only the worker that parses does
    from selfeval.readers.preflight import Refused, decode_text, inspect
    from selfeval.readers.recognize import recognize
    from selfeval.readers.text import text_to_grids

    try:
        kind, parts = inspect(data, name)  # the parts it unzipped serve the percent pass too
        if kind == "text":
            grids = text_to_grids(decode_text(data), name)
        elif kind == "pdf":
            from selfeval.readers.pdf import pdf_to_grids

            grids = pdf_to_grids(data, name)
        else:
            from selfeval.readers.excel import workbook_to_grids

            grids = workbook_to_grids(data, kind, name, parts)
            del parts
    except Refused as refusal:
        return refused(name, refusal.code, **refusal.fields)
    except (KeyboardInterrupt, SystemExit):
        raise
    except MemoryError:
        return refused(name, "READ_MEMORY")
    except BaseException as exc:  # a parser failing on a file preflight let through (calamine panics are
        # BaseException): refuse it, never crash
        return refused(name, "FILE_UNREADABLE", error=type(exc).__name__)

    forms: list[Form] = []
    problems: list[Issue] = []
    for grid in grids:
        if not grid.rows and not grid.problems:
            if kind != "text":
                problems.append(issue("SHEET_EMPTY", Loc(grid.sheet, 1), sheet=grid.sheet))
            continue
        found, failed = recognize(grid)
        if kind == "text":  # one grid per text: "skipped" says nothing FORM_NOT_FOUND does not
            failed = [p for p in failed if p.code != "SHEET_SKIPPED_KIND"]
        forms.extend(found)
        problems.extend(failed)
        if not found and not failed and kind != "text":
            problems.append(issue("SHEET_SKIPPED", Loc(grid.sheet, 1), sheet=grid.sheet))
    if not forms and not any(p.severity == "error" for p in problems):
        problems.append(issue("FORM_NOT_FOUND", name))
    return ReadResult(name, kind, tuple(forms), tuple(problems))


def read_path(path: str | Path) -> ReadResult:
    """read_bytes of a file on disk (sandboxed like every read)."""
    path = Path(path)
    return read_bytes(path.read_bytes(), path.name)
