"""Align a row's cells to its header's fields by evidence, never by a shift (issue 10).

A header row gives each field a band of columns: from its label to the column before the next label
(a label merged over D:E owns D and E). A data cell belongs to the field whose band holds its column,
and an empty cell is simply empty: a funds row with a blank 年初预算数 keeps 全年预算数 where it is.

Only when the cells do not sit in the bands (a row slipped a column, a text copy that lost its empty
cells) are they placed by what they hold: the cells, in their order, are given to the fields, in
theirs, in every way that fits (an amount in an amount column, a percentage only under 执行率, a weight
of 0–100, a score no larger than its weight, a name or a reason that is not a bare number, …). One way
that fits is used and said; several that disagree on a number mean the row is ambiguous and the
caller reports it and does not use it. Text fields on which the fitting ways disagree are left empty.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from selfeval.bounds import MAX_AMOUNT, MAX_WEIGHT
from selfeval.model import Cell
from selfeval.readers import vocab
from selfeval.values import to_number

PLACEHOLDERS = frozenset({"—", "-", "–", "/", "／", "——", "－", "不适用", "无"})
NUMERIC = frozenset({"amount", "weight", "budget_weight", "score", "rate"})
# a weight that fits its level: a row's 分值 at most 100; the budget's 分值 at most 30 (10 or 20 in every
# known template: 56.34 under the funds 分值 is a rate whose label was lost, not a weight)
_HIGH = {"weight": MAX_WEIGHT, "score": MAX_WEIGHT, "budget_weight": 30.0}
LAST_BAND = 3  # columns a last label may own to its right (偏差原因 merged over J:K, and a spare)
MAX_PLACEMENTS = 5000  # order-preserving placements tried at most (10 fields, 10 cells: 1 way; 12/6: 924)


@dataclass(frozen=True)
class Band:
    field: str
    kind: str  # amount / weight / budget_weight / score / rate / name / text / reason / nature / unit
    start: int
    end: int  # inclusive


class Aligned(NamedTuple):
    """A row placed on its fields. `how`: "columns" (by the header's bands), "content" (by what the cells
    hold, one way only) or "ambiguous" (several ways disagree on a number: not to be used). A NamedTuple:
    one is made for every row of every table."""

    cells: dict[str, list[Cell]]
    how: str
    dropped: tuple[str, ...] = ()  # text fields the fitting ways disagreed on, left empty
    gaps: bool = False  # content: some field before the last placed one was left empty
    unplaced: tuple[Cell, ...] = ()  # numbers off their label's column: not used, to be reported
    exact: bool = True

    @property
    def noteworthy(self) -> bool:
        """Worth an info note: cells moved off their columns, or (columns untrusted) a field skipped."""
        return self.how == "content" and (self.gaps or self.exact)

    def text(self, name: str, sep: str = " ") -> str:
        cells = self.cells.get(name)
        if not cells:
            return ""
        return cells[0].text if len(cells) == 1 else sep.join(c.text for c in cells)

    def first(self, name: str) -> Cell | None:
        found = self.cells.get(name)
        return found[0] if found else None


class Layout(tuple):
    """A header's bands, left to right, with the band that owns each column at hand (`at`): every data
    cell of the table is looked up there, so it is worked out once per header, not once per cell."""

    def __new__(cls, items: Sequence[Band] = ()) -> Layout:
        self = super().__new__(cls, items)
        self.at = {col: b for b in reversed(self) for col in range(b.start, b.end + 1)}  # the first wins
        self.first = min((b.start for b in self), default=0)
        self._shapes: dict[tuple[int, ...], tuple[tuple[str, ...], tuple[str, ...]] | None] = {}
        self._subsets: dict[tuple[str, ...], Layout] = {}
        return self

    def own_columns(self, cols: tuple[int, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """(fields, kinds) of the columns when every column is a label's own and no label has two (a
        row in the header's own shape), else None. Learned once per shape: a table's rows repeat a few."""
        found = self._shapes.get(cols, False)
        if found is False:
            bands = [self.at.get(c) for c in cols]
            own = all(b is not None and b.start == c for b, c in zip(bands, cols, strict=True))
            found = None
            if own and len(set(bands)) == len(bands):
                found = tuple(b.field for b in bands), tuple(b.kind for b in bands)  # type: ignore[union-attr]
            if len(self._shapes) < 256:  # bounded: a table's rows, not a sheet of odd ones
                self._shapes[cols] = found
        return found

    def only(self, fields: tuple[str, ...]) -> Layout:
        """The bands of these fields alone (the 总分 row's 分值 and 得分), kept with the layout."""
        found = self._subsets.get(fields)
        if found is None:
            found = self._subsets[fields] = Layout([b for b in self if b.field in fields])
        return found


def bands(header: dict[str, int], kinds: dict[str, str], all_columns: Sequence[int] = ()) -> Layout:
    """Each field of `header` (field -> label column) owns the columns up to the next label; `all_columns`
    adds the columns of labels that are not aligned here (一级/二级指标), which also end bands."""
    return _bands(tuple(header.items()), tuple(kinds.items()), tuple(all_columns))


@lru_cache(maxsize=1024)  # a template's header rows recur form after form: their Layout is learned once
def _bands(header: tuple[tuple[str, int], ...], kinds: tuple, all_columns: tuple[int, ...]) -> Layout:
    kind_of = dict(kinds)
    starts = sorted({*(col for _, col in header), *all_columns})
    out = []
    for name, col in sorted(header, key=lambda kv: kv[1]):
        later = [c for c in starts if c > col]
        end = later[0] - 1 if later else col + LAST_BAND
        out.append(Band(name, kind_of.get(name, "text"), col, end))
    return Layout(out)


@lru_cache(maxsize=16384)  # asked of most cells, often twice (placed, then bounded); the texts recur
def number(text: str) -> float | None:
    """A plain number, a number of points or an amount (`12.5分`, `350000.00元`), a percentage's number."""
    t = text.strip()
    value = to_number(t)
    if value is None and t.endswith(("分", "元")):
        value = to_number(t[:-1])
    return value


def percent(text: str) -> float | None:
    t = text.strip()
    if t.endswith(("%", "％")):
        return to_number(t[:-1])
    return None


def placeholder(text: str) -> bool:
    t = text.strip()
    return not t or t in PLACEHOLDERS


@lru_cache(maxsize=16384)  # asked of every cell of every row placed by column; the texts recur
def _loose(kind: str, text: str) -> bool:
    """Can this cell sit in a band of this kind at all? (The header's own columns: only clear misfits fail.)"""
    if kind == "amount":
        return placeholder(text) or number(text) is not None
    if kind in ("weight", "score", "budget_weight"):  # 345202 under 分值 is a row that slipped
        value = number(text)
        return placeholder(text) or value is not None and 0 <= value <= _HIGH[kind]
    if kind == "rate":
        return placeholder(text) or number(text) is not None or percent(text) is not None
    if kind in ("name", "reason"):
        return number(text) is None or placeholder(text)
    if kind in ("nature", "unit"):  # these columns hold only their words: anything else slipped in
        return placeholder(text) or _strict(kind, text)
    return True  # any text fits a text band


def _strict(kind: str, text: str) -> bool:
    """Does the cell's content fit this kind well enough to place it there without its column's word?"""
    if placeholder(text):
        return kind not in ("name",) or text.strip() in ("/", "／", "不适用")
    if kind == "amount":
        v = number(text)
        return v is not None and math.isfinite(v) and 0 <= v <= MAX_AMOUNT
    if kind == "weight":
        v = number(text)
        return v is not None and 0 <= v <= _HIGH[kind]
    if kind == "budget_weight":  # every known template gives the budget 10 or 20 points (5 … 30 kept)
        v = number(text)
        return v is not None and 0 < v <= _HIGH[kind] and v % 5 == 0
    if kind == "score":
        v = number(text)
        return v is not None and 0 <= v <= _HIGH[kind]
    if kind == "rate":
        v = percent(text)
        if v is None:
            v = number(text)
        return v is not None and 0 <= v <= 1000
    if kind in ("name", "reason"):
        return number(text) is None and percent(text) is None
    if kind == "nature":
        return vocab.nature_operator(text) is not None
    if kind == "unit":
        return len(text.strip()) <= 6 and number(text) is None and not re.search(r"\d", text)
    return True


class _Columns(NamedTuple):
    placed: dict[str, list[Cell]]
    unplaced: list[Cell]  # numbers off their label's column, or right of every band
    misfits: list[tuple[Cell, Band]]  # cells their band cannot hold (text under 分值)
    left: bool  # a cell left of every band: the row starts before its labels (slipped)


def _columns(cells: Sequence[Cell], layout: Layout) -> _Columns:
    """Each cell under the label whose band holds its column. A number must sit in its label's own
    column: one further right inside a band (whose next label may have been lost) is not guessed into
    it, it is unplaced."""
    placed: dict[str, list[Cell]] = {}
    unplaced: list[Cell] = []
    misfits: list[tuple[Cell, Band]] = []
    left = False
    at = layout.at
    for cell in cells:
        text, _, col = cell
        band = at.get(col)
        if band is None:
            if col < layout.first:
                left = True
            else:
                unplaced.append(cell)
            continue
        field, kind = band.field, band.kind
        if col != band.start or field in placed:  # off its label's column
            if kind in NUMERIC and not placeholder(text):
                unplaced.append(cell)
                continue
            placed.setdefault(field, []).append(cell)
        else:
            placed[field] = [cell]
        if kind != "text" and not _loose(kind, text):  # any text fits a text band
            misfits.append((cell, band))
    return _Columns(placed, unplaced, misfits, left)


def _tolerable(found: _Columns) -> bool:
    """Read by column although something is off (when no move of the whole row explains it): names or
    reasons that are bare numbers (`+2`), or one unreadable cell under a numeric label (`三十四万` under
    全年执行数, reported at its cell); with such cells, nothing unplaced."""
    if found.left:
        return False
    if not found.misfits:
        return True
    if found.unplaced:
        return False
    hard = [(c, b) for c, b in found.misfits if b.kind not in ("name", "reason")]
    if not hard:
        return True
    if len(hard) > 1:
        return False
    cell, band = hard[0]
    return band.kind in NUMERIC and percent(cell.text) is None


def by_columns(cells: Sequence[Cell], layout: Layout) -> dict[str, list[Cell]] | None:
    """Cells placed by the header's bands when every one of them has its place and fits it."""
    found = _columns(cells, layout)
    if found.left or found.unplaced or found.misfits:
        return None
    return found.placed


def _evidence(placed: dict[str, Cell], kinds: dict[str, str], check) -> int:
    """0: the placement contradicts the cells (a score above its weight, a rate that is not 执行数/预算数);
    otherwise 1, plus what `check` confirmed (2: a printed rate equals the placed amounts' ratio)."""
    weight = next((number(c.text) for f, c in placed.items() if kinds.get(f) == "weight"), None)
    score = next((number(c.text) for f, c in placed.items() if kinds.get(f) == "score"), None)
    if weight is not None and score is not None and score > weight + 1e-9:
        return 0
    return int(check(placed)) if check else 1


def by_content(
    cells: Sequence[Cell], layout: Sequence[Band], check=None
) -> tuple[dict[str, list[Cell]], tuple[str, ...]] | None:
    """Cells placed by what they hold, in order; None when no way or several disagreeing ways fit.
    `check(placed)` adds the caller's evidence: 0 for a contradiction, 1 when it cannot tell, 2 when the
    cells confirm the placement (a printed rate equal to 执行数/预算数); the best-confirmed ways compete."""
    fields = [b.field for b in layout]
    kinds = {b.field: b.kind for b in layout}
    n, k = len(fields), len(cells)
    if k == 0 or k > n or math.comb(n, k) > MAX_PLACEMENTS:
        return None
    scored: list[tuple[int, dict[str, Cell]]] = []
    for chosen in itertools.combinations(range(n), k):
        placed = {fields[i]: cell for i, cell in zip(chosen, cells, strict=True)}
        if all(_strict(kinds[f], c.text) for f, c in placed.items()):
            evidence = _evidence(placed, kinds, check)
            if evidence:
                scored.append((evidence, placed))
    if not scored:
        return None
    best = max(e for e, _ in scored)
    ways = [w for e, w in scored if e == best]  # only the placements the cells confirm most
    agreed: dict[str, list[Cell]] = {}
    dropped: list[str] = []
    for field in fields:
        seen = {id(w.get(field)) for w in ways}
        if len(seen) == 1:
            if ways[0].get(field) is not None:
                agreed[field] = [ways[0][field]]
        elif kinds[field] in NUMERIC:
            return None  # the ways disagree on a number: never guess it
        else:
            dropped.append(field)
    # a cell every way places, but in different text fields, is not kept anywhere: said by `dropped`
    return agreed, tuple(dropped)


def _uniform(placed: dict[str, list[Cell]], layout: Sequence[Band]) -> bool:
    starts = {b.field: b.start for b in layout}
    offsets = {c.col - starts[f] for f, cs in placed.items() for c in cs}
    return len(offsets) == 1 and 0 not in offsets


def _gaps(cells: dict[str, list[Cell]], layout: Sequence[Band]) -> bool:
    order = [b.field for b in layout]
    placed = [order.index(f) for f in cells]
    return bool(placed) and len(placed) <= max(placed)


def in_own_columns(cells: Sequence[Cell], layout: Layout) -> tuple[str, ...] | None:
    """The field of each cell when every one sits in its own label's column (no label twice) and fits
    that label's band: the row is in its header's shape and placed by column, nothing else to look at
    (what `align` would place, one cell a field). None: the row needs the full look (`align`)."""
    own = layout.own_columns(tuple([c.col for c in cells]))
    if own is not None and all(map(_loose, own[1], [c.text for c in cells])):
        return own[0]
    return None


def align(
    cells: Sequence[Cell], layout: Layout, check=None, *, exact: bool = True, slipped: bool = False
) -> Aligned:
    """Place a row's cells on the header's fields: by column when they sit in the bands, else by content.
    With `exact` False (a grid whose columns cannot be trusted) only by content. `slipped`: the caller saw
    the row move (its level name away from its column), so its cells may be placed by content too."""
    if not exact:
        found = by_content(cells, layout, check)
        if found is None:
            return Aligned({}, "ambiguous", exact=False)
        return Aligned(found[0], "content", found[1], _gaps(found[0], layout), exact=False)
    fields = in_own_columns(cells, layout)
    if fields is not None:
        return Aligned(dict(zip(fields, [[c] for c in cells], strict=True)), "columns")
    columns = _columns(cells, layout)
    if not columns.left and not columns.misfits:
        # the header's columns decide; what the document got wrong there (a score above its weight, a
        # rate that is not 执行数/预算数) is reported, never "fixed" by moving cells
        return Aligned(columns.placed, "columns", unplaced=tuple(columns.unplaced))
    # the row starts left of its labels or moved with its level name (merged cells dropped in the
    # export): placed by what it holds. Otherwise only when that placement is the whole row moved by
    # the same number of columns, every cell then under a label that holds it.
    found = by_content(cells, layout, check)
    if found is None or not (columns.left or slipped or _uniform(found[0], layout)):
        if _tolerable(columns):  # one odd cell, reported where it is
            return Aligned(columns.placed, "columns", unplaced=tuple(columns.unplaced))
        return Aligned({}, "ambiguous")
    return Aligned(found[0], "content", found[1], _gaps(found[0], layout))
