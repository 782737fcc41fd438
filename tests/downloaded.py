"""What a downloaded file holds, read as its user would open it: PDF text (pdftotext, poppler's), Excel
rows (openpyxl), Word text (python-docx, tables included), zip members (each read the same way), and
forms read back by selfeval's own reader. `Opened.text` is everything a person could read in it."""

from __future__ import annotations

import io
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from docx import Document

from selfeval.readers import read_bytes


@dataclass
class Opened:
    name: str
    data: bytes
    text: str = ""
    sheets: dict[str, list[tuple]] = field(default_factory=dict)  # Excel: sheet -> rows of values
    members: dict[str, Opened] = field(default_factory=dict)  # zip: member name -> its content
    units: set[str] = field(default_factory=set)  # 实施单位 of the forms it holds (templates)
    codes: set[str] = field(default_factory=set)  # 项目编码 of those forms


def pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        done = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def xlsx_sheets(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += ["\t".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines)


def open_download(name: str, data: bytes) -> Opened:
    """Read `data` by the kind its name says; an unknown kind or an empty file is an error."""
    assert data, f"{name} is empty"
    opened = Opened(name, data)
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        opened.text = pdf_text(data)
    elif suffix == ".docx":
        opened.text = docx_text(data)
    elif suffix == ".xlsx":
        opened.sheets = xlsx_sheets(data)
        opened.text = "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for rows in opened.sheets.values()
            for row in rows
        )
        forms = read_bytes(data, name).forms
        opened.units = {f.header.unit for f in forms}
        opened.codes = {f.header.project_code for f in forms}
    elif suffix == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.namelist():
                opened.members[member] = open_download(member, z.read(member))
        opened.text = "\n".join([*opened.members, *(m.text for m in opened.members.values())])
        for m in opened.members.values():
            opened.units |= m.units
            opened.codes |= m.codes
    else:
        raise AssertionError(f"a download of an unexpected kind: {name}")
    return opened
