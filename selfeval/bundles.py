"""A unit's forms as one download: the import templates of its projects in a zip (names made
distinct), or every unit's in one zip with a folder per unit. The 总览 page and `selfeval export
--per-unit` both hand these out."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from selfeval.names import name_part, not_a_device, unique
from selfeval.template import template_filename, write_template

UNIT_CHARS = 60  # of a unit's name in a folder or file name (the full name is inside every form)


def unit_folder_name(text: str) -> str:
    """A unit as a folder or file name part (selfeval.names): any length and character in."""
    return not_a_device(name_part(text, UNIT_CHARS) or "未填单位")


def by_unit(cards: Sequence) -> dict[str, list]:
    """Scorecards grouped by 实施单位, units in order."""
    groups: dict[str, list] = {}
    for card in cards:
        groups.setdefault(card.form.header.unit or "", []).append(card)
    return dict(sorted(groups.items()))


def unit_zip(cards: Sequence) -> bytes:
    """One unit's import templates, one .xlsx per form (names made distinct), as a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        used: set[str] = set()
        for card in cards:
            zf.writestr(unique(template_filename(card.form), used), write_template([card]))
    return buffer.getvalue()


def units_zip(cards: Sequence) -> bytes:
    """Every unit's import templates in one zip, a folder per unit (the 总览 download)."""
    buffer = io.BytesIO()
    folders: set[str] = set()  # two units whose names clean or cut alike keep a folder each
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as outer:
        for unit, group in by_unit(cards).items():
            folder = unique(unit_folder_name(unit), folders, suffix=False)
            with zipfile.ZipFile(io.BytesIO(unit_zip(group))) as inner:
                for name in inner.namelist():
                    outer.writestr(f"{folder}/{name}", inner.read(name))
    return buffer.getvalue()
