"""One PDF page -> its lines of cells, by geometry: characters, ruling lines, and what the page shows.

pdfplumber (on pdfminer.six) gives every character with its box and every ruling line; the clipping
pdfminer ignores is applied first (pdfclip). Where lines draw a table, its cells are the rectangles
they enclose: a merged cell is one rectangle, so one field; the characters inside are its text, its
wrapped lines joined. Text outside the tables (a title, 项目名称 above the table) becomes lines of its
own, cells parted where the gap is wide. A page without ruling lines is laid out as whitespace text
(each run of characters at its x) for the text layouts' column reader.

Refused, never guessed (Page.problem): characters drawn over each other or across a line between two
cells, characters outside the page, more than a form's worth of characters or lines. A page that is a
picture (no text, or text over a page-sized picture without lines: an OCR layer) is Page.scanned.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from pdfplumber.utils import obj_to_edges

from selfeval.readers.pdfclip import visible_layout

MAX_PAGE_CHARS = 20_000  # a form page holds about 500; a page past this is not a form
MAX_PAGE_EDGES = 5_000
SNAP = 2.0  # points: cell edges this close are one column edge
_PADDING = 2.0  # points between a cell's line and its text, at most, as spreadsheets print
SPACE = 0.15  # of the font size: a gap this wide is a space (printers drop the space glyph itself)
GAP = 0.6  # of the font size: a wider gap between characters parts two cells (a space is 0.25–0.5)
PAGE_NUMBER = re.compile(
    r"^(第\s*\d+\s*页(\s*[,，/]?\s*共\s*\d+\s*页)?|[-—]\s*\d+\s*[-—]|页\s*\d+|page\s*\d+(\s*of\s*\d+)?|\d+\s*/\s*\d+)$",
    re.IGNORECASE,
)
TABLE_SETTINGS = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit"}


@dataclass
class Line:
    """A row of a page: its top, and its cells as (left x, right x, text); from a table, the cells'
    rectangles (rows = how many table rows a merged cell spans)."""

    top: float
    cells: list[tuple[float, float, str, int]] = field(default_factory=list)  # x0, x1, text, rows spanned
    ruled: bool = False


@dataclass
class Page:
    number: int
    lines: list[Line] = field(default_factory=list)
    ruled: bool = False
    layout: list[str] = field(default_factory=list)  # a page without ruling lines, as whitespace text
    problem: str = ""  # a refusal: the code of why this page cannot be read
    scanned: bool = False

    @property
    def empty(self) -> bool:
        return not self.lines and not self.layout and not self.problem


def read_page(page, number: int) -> Page:
    out = Page(number)
    visible_layout(page)
    everything = _deduped(page.chars)
    chars = [c for c in everything if c["text"].strip()]  # what is printed; spaces only part words
    if len(chars) > MAX_PAGE_CHARS or len(page.edges) > MAX_PAGE_EDGES:
        out.problem = "PDF_PAGE_TOO_DENSE"
        return out
    width, height = float(page.width), float(page.height)
    covered = sum(_area(i) for i in page.images) / max(width * height, 1.0)
    ruling = _ruling(page)
    settings = _table_settings(ruling) if ruling else {}
    tables = page.find_tables(settings) if ruling else []
    tables = [t for t in tables if t.cells]
    if not chars:
        out.scanned = covered > 0.3
        return out
    if covered > 0.5 and not tables:  # text over a picture of a page: an OCR layer, not the table
        out.scanned = True
        return out
    if sum(c["text"].startswith("(cid:") for c in chars) > 0.1 * len(chars):
        out.scanned = True  # glyphs without their characters (a font with no Unicode map): no text
        return out
    if any(
        c["x1"] < -0.5 or c["x0"] > width + 0.5 or c["bottom"] < -0.5 or c["top"] > height + 0.5
        for c in chars
    ):
        out.problem = "PDF_TEXT_CLIPPED"
        return out
    if _overlapping(chars):
        out.problem = "PDF_TEXT_OVERLAPS"
        return out
    if tables:
        out.ruled = True
        try:
            out.lines = _ruled_lines(chars, tables, [c for c in everything if c["text"] == " "])
        except _Crossing:
            out.problem = "PDF_TEXT_CROSSES_LINES"
    else:
        out.layout = _layout_text(chars)
    return out


def _ruling(page) -> list:
    """The lines a reader sees as a table's: stroked lines, curves and rectangles, and rectangles
    filled thin (a border drawn as a filled bar). A filled background (a grey cell, a white page)
    draws no line: it would make a table of the whole page."""
    kept = [*page.lines, *(c for c in page.curves if c.get("stroke"))]
    for rect in page.rects:
        thin = min(float(rect["width"]), float(rect["height"])) <= 2.0
        if rect.get("stroke") or (rect.get("fill") and thin and not _white(rect.get("non_stroking_color"))):
            kept.append(rect)
    return [edge for obj in kept for edge in obj_to_edges(obj)]


def _white(color) -> bool:
    if color is None:
        return False
    values = list(color) if isinstance(color, (list, tuple)) else [color]
    if not all(isinstance(v, (int, float)) for v in values):
        return False
    if len(values) == 4:  # CMYK: no ink
        return all(v <= 0.05 for v in values)
    return all(v >= 0.95 for v in values)


def _table_settings(edges: list) -> dict:
    """Ruling lines as drawn, plus a line closing each table where a page break cut it: a table's
    vertical lines that end with no horizontal line there (a merged cell printed over two pages has no
    border at the cut) still bound its cells, as the page edge bounds them to the eye."""
    verticals = sorted((e for e in edges if e["orientation"] == "v"), key=lambda e: e["top"])
    horizontals = [e for e in edges if e["orientation"] == "h"]
    runs: list[list[float]] = []  # x0, top, x1, bottom of each table's vertical lines
    for e in verticals:
        if runs and e["top"] <= runs[-1][3] + SNAP:
            run = runs[-1]
            run[0], run[2], run[3] = min(run[0], e["x0"]), max(run[2], e["x1"]), max(run[3], e["bottom"])
        else:
            runs.append([e["x0"], e["top"], e["x1"], e["bottom"]])
    closing = []
    for x0, top, x1, bottom in runs:
        for y in (top, bottom):
            if not any(
                abs(h["top"] - y) <= SNAP and h["x0"] <= x0 + SNAP and h["x1"] >= x1 - SNAP
                for h in horizontals
            ):
                closing.append({"x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0.0,
                                "object_type": "line"})  # fmt: skip
    return {
        **TABLE_SETTINGS,
        "explicit_vertical_lines": [e for e in edges if e["orientation"] == "v"],
        "explicit_horizontal_lines": horizontals + closing,
    }


def _area_of(box: tuple) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _deduped(chars: list) -> list:
    """Characters drawn twice at (nearly) one place (fake bold, a shadow) once."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for c in chars:
        key = (c["text"], round(c["x0"]), round(c["top"]))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _area(obj) -> float:
    return max(float(obj["x1"]) - float(obj["x0"]), 0.0) * max(float(obj["bottom"]) - float(obj["top"]), 0.0)


def _size(char) -> float:
    return max(float(char["size"]), float(char["x1"]) - float(char["x0"]), 1.0)


def _text_lines(chars: list) -> list[list]:
    """Characters in lines (by baseline proximity), each line left to right."""
    lines: list[list] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(char["top"] - lines[-1][0]["top"]) <= 0.5 * _size(lines[-1][0]):
            lines[-1].append(char)
        else:
            lines.append([char])
    for line in lines:
        line.sort(key=lambda c: c["x0"])
    return lines


def _overlapping(chars: list) -> bool:
    """Two characters drawn over each other: text ran into its neighbour and cannot be told apart."""
    for line in _text_lines(chars):
        for a, b in zip(line, line[1:], strict=False):
            overlap = a["x1"] - b["x0"]
            if overlap > 0.3 * min(a["x1"] - a["x0"], b["x1"] - b["x0"]) and b["x0"] - a["x0"] < 0.7 * _size(
                a
            ):
                return True
    return False


def _join(lines: list[list], right: float) -> str:
    """A cell's wrapped lines as one text. A printer breaks a line where the next piece does not fit:
    when the first piece of the next line (a Chinese character, or a run of Latin letters and
    digits) would have fitted in the room left at the cell's right edge, the break was a space the
    printer dropped, and the space is put back; otherwise the lines join directly."""
    text = ""
    end = right
    spaced = False
    for line in lines:
        part = _line_text(line).strip()
        if text and part:
            latin = text[-1].isascii() and text[-1].isalpha() and part[0].isascii() and part[0].isalpha()
            if latin or spaced or right - end - _PADDING >= _first_piece(line):
                text += " "
        text += part
        printed = [c for c in line if c["text"].strip()]
        end = printed[-1]["x1"] if printed else end
        spaced = not line[-1]["text"].strip()
    return text


def _first_piece(line: list) -> float:
    """Width of what a printer keeps together at the start of a line: one Chinese character, or a
    run of Latin letters, digits and their punctuation."""
    line = [c for c in line if c["text"].strip()]
    end = line[0]["x1"]
    if line[0]["text"].isascii():
        for char in line[1:]:
            if not char["text"].isascii() or char["x0"] - end > SPACE * _size(char):
                break
            end = char["x1"]
    return end - line[0]["x0"]


def _line_text(line: list) -> str:
    """One line's characters, with a space where the gap is a space wide (a third of the font size)."""
    text = ""
    for prev, char in zip([None, *line], line, strict=False):
        if prev is not None and char["x0"] - prev["x1"] > SPACE * _size(prev):
            text += " "
        text += char["text"]
    return text


def _cell_text(chars: list, right: float) -> str:
    if all(not c.get("upright", True) for c in chars):  # text turned 90°: read down the cell
        down = sorted(chars, key=lambda c: c["top"])
        return "".join(c["text"] for c in down).strip()
    return re.sub(r"\s+", " ", _join(_text_lines(chars), right)).strip()


class _Crossing(Exception):
    """A character drawn across a cell's line: the text ran out of its cell."""


def _ruled_lines(chars: list, tables, spaces: list) -> list[Line]:
    """Every table cell with its text, and the text outside the tables, as rows by their tops."""
    boxes = [tuple(map(float, box)) for t in tables for box in t.cells]
    # a table's outer top and bottom: text may cross them (a merged cell's text cut by a page break,
    # which the eye reads as that cell's); between two cells a crossing is refused
    edges = {round(float(y)) for t in tables for y in (t.bbox[1], t.bbox[3])}
    xs = sorted({round(b[0], 1) for b in boxes} | {round(b[2], 1) for b in boxes})
    ys = sorted({round(b[1], 1) for b in boxes} | {round(b[3], 1) for b in boxes})
    slots: dict[tuple[int, int], int] = {}
    for k in sorted(range(len(boxes)), key=lambda k: -_area_of(boxes[k])):  # an inner cell over an outer
        x0, top, x1, bottom = boxes[k]
        for i in range(bisect_right(ys, round(top, 1)) - 1, bisect_right(ys, round(bottom, 1)) - 1):
            for j in range(bisect_right(xs, round(x0, 1)) - 1, bisect_right(xs, round(x1, 1)) - 1):
                slots[(i, j)] = k
    inside: dict[int, list] = {}
    outside: list = []
    for char in chars:
        cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        k = slots.get((bisect_right(ys, cy) - 1, bisect_right(xs, cx) - 1))
        if k is None:
            outside.append(char)
            continue
        x0, top, x1, bottom = boxes[k]
        reach, rise = 0.25 * (char["x1"] - char["x0"]), 0.25 * (char["bottom"] - char["top"])
        if (
            char["x0"] < x0 - reach
            or char["x1"] > x1 + reach
            or (char["top"] < top - rise and round(top) not in edges)
            or (char["bottom"] > bottom + rise and round(bottom) not in edges)
        ):
            raise _Crossing
        inside.setdefault(k, []).append(char)
    for char in spaces:  # a space glyph the printer kept (a wrapped line's last one too) parts words
        cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
        k = slots.get((bisect_right(ys, cy) - 1, bisect_right(xs, cx) - 1))
        if k in inside:
            inside[k].append(char)
    tops = sorted({round(b[1], 1) for b in boxes})
    rows: dict[float, Line] = {}
    for k, (x0, top, x1, bottom) in enumerate(boxes):
        text = _cell_text(inside[k], x1) if k in inside else ""
        spanned = sum(1 for t in tops if top - 0.05 <= t < bottom - 0.05)
        line = rows.setdefault(round(top, 1), Line(round(top, 1), ruled=True))
        line.cells.append((x0, x1, text, max(spanned, 1)))
    lines = list(rows.values())
    lines += _free_lines(outside)
    lines.sort(key=lambda line: line.top)
    return lines


def _free_lines(chars: list) -> list[Line]:
    """Text outside any table: a line, cut into cells where the gap is wider than a character."""
    lines = []
    for line in _text_lines(chars):
        cells: list[list] = [[line[0]]]
        for prev, char in zip(line, line[1:], strict=False):
            if char["x0"] - prev["x1"] > GAP * _size(prev):
                cells.append([])
            cells[-1].append(char)
        parts = [(c[0]["x0"], c[-1]["x1"], _line_text(c).strip(), 1) for c in cells]
        if len(parts) == 1 and PAGE_NUMBER.match(parts[0][2]):
            continue
        lines.append(Line(float(line[0]["top"]), parts))
    return lines


def _layout_text(chars: list) -> list[str]:
    """A page without ruling lines as whitespace text: each run of characters at its x in half-em
    columns (a Chinese character is two wide), runs more than a character apart at least two spaces
    apart, so text_columns finds the gutters the page shows."""
    sizes = sorted(_size(c) for c in chars)
    unit = sizes[len(sizes) // 2] / 2
    out = []
    for line in _text_lines(chars):
        runs: list[list] = [[line[0]]]
        for prev, char in zip(line, line[1:], strict=False):
            if char["x0"] - prev["x1"] > GAP * _size(prev):
                runs.append([])
            runs[-1].append(char)
        text = ""
        width = 0  # display columns used so far
        for run in runs:
            at = max(round(run[0]["x0"] / unit), width + (2 if text else 0))
            text += " " * (at - width)
            piece = _line_text(run)
            text += piece
            width = at + sum(2 if ord(ch) > 0x2E7F else 1 for ch in piece)
        if PAGE_NUMBER.match(text.strip()):
            continue
        out.append(text)
    return out
