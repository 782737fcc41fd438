"""The data of selfeval: what a form declares (Form) and what the rules compute (Scorecard).

Everything here is frozen. Declared values (what the document says) are kept apart from computed
ones (what the rules give), and every value remembers where it came from (Loc).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Literal, NamedTuple

from selfeval.textnorm import strip_controls

Severity = Literal["error", "warning", "info"]
# verified: every part recomputed by the rules; partial: some parts keep their declared score (未核验);
# unverified: the total could not be checked (weights that do not add up, nothing recomputable)
Verification = Literal["verified", "partial", "unverified"]
VERIFICATION_LABELS = {"verified": "已核验", "partial": "部分核验", "unverified": "未核验"}

NOT_APPLICABLE = "不适用"
_NOT_APPLICABLE_NAMES = frozenset({NOT_APPLICABLE, "/", "／"})  # `/` in the name: 不适用 (安徽 and others)
NOT_APPLICABLE_NAMES = _NOT_APPLICABLE_NAMES


def column_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


class Loc(NamedTuple):
    """Where a value sits: sheet (or text block) name, 1-based row and column (a NamedTuple like Cell:
    a form makes a hundred of them while it is read, and a frozen dataclass costs 2.5× a tuple)."""

    sheet: str
    row: int
    col: int | None = None

    def __str__(self) -> str:
        if self.col is None:
            return f"{self.sheet}!第{self.row}行"
        return f"{self.sheet}!{column_letter(self.col)}{self.row}"

    @staticmethod
    def from_text(text: str) -> Loc | None:
        """The Loc that `str()` printed (`Sheet1!D20`, `Sheet1!第20行`), else None. Only for what was
        stored as text before Issues kept their place (serialize and migration 7 read it back)."""
        m = _LOC_TEXT.fullmatch(text)
        if m is None:
            return None
        if m["letters"]:
            col = 0
            for letter in m["letters"]:
                col = col * 26 + ord(letter) - 64
            return Loc(m["sheet"], int(m["cell_row"]), col)
        return Loc(m["sheet"], int(m["row"]))


_LOC_TEXT = re.compile(
    r"(?P<sheet>.*)!(?:(?P<letters>[A-Z]{1,3})(?P<cell_row>[1-9][0-9]*)|第(?P<row>[1-9][0-9]*)行)"
)


class Cell(NamedTuple):
    """One non-empty cell of a Grid (a NamedTuple: forms have hundreds, and tuples are cheap to make).

    A merged range gives its value to its top-left cell, and also to the left cell of every further
    row it spans (filled down, so a level name merged over rows is seen on each row); cells to the
    right inside a merge stay empty, so one value is never seen twice in a row.
    """

    text: str
    row: int
    col: int


_text_of = itemgetter(0)  # Cell.text, without the NamedTuple's property


def _printable(rows) -> bool:
    """Whether every cell's text of these rows is printable: one join, one C-level pass."""
    return "".join(map(_text_of, chain.from_iterable(rows))).isprintable()


@dataclass(frozen=True)
class Grid:
    """Rows of cell strings with coordinates: what the text and Excel readers both produce."""

    source: str
    sheet: str
    rows: tuple[tuple[Cell, ...], ...]  # each row holds its non-empty cells, left to right
    # what the reader could not put in rows with confidence (a text whose cell order was lost):
    # those rows are left out and said here, so recognising never sees a guess
    problems: tuple[Issue, ...] = ()
    # True: a cell's column is where the document put it (workbooks, tab/pipe/CSV text that keeps empty
    # cells), so a cell belongs to the label above it. False: the layout lost empty cells or column
    # positions (whitespace layouts): rows are placed only by what their cells hold, or refused.
    exact_columns: bool = True

    def __post_init__(self) -> None:
        """Control characters never get past the reader (text and workbooks alike): a cell's text is
        kept without C0/C1 controls, so exports and terminals never see them; a cell (or row) left empty goes."""
        if _printable(self.rows):
            return  # one C-level pass over every cell's text (isprintable is per character)
        rows = (
            tuple(row)
            if _printable((row,))
            else tuple(
                c if t == c.text else Cell(t, c.row, c.col) for c in row if (t := strip_controls(c.text))
            )
            for row in self.rows
        )
        object.__setattr__(self, "rows", tuple(row for row in rows if row))

    def loc(self, cell: Cell) -> Loc:
        return Loc(self.sheet, cell.row, cell.col)


Param = str | int | float | bool | None

# The classes made for every row of every form read (Issue, Indicator, IndicatorScore; and the
# Scorecard, made twice a form) write their __init__ out: a frozen dataclass's generated one sets each
# field through object.__setattr__, a call each; theirs writes the instance's dict once. Same
# signature, fields, defaults, eq, repr and hash (tests/test_model_init.py holds them to it); frozen as before.


@dataclass(frozen=True, init=False)
class Issue:
    """One finding, as data: a declared code (selfeval.messages.CODES, which ties its severity to it),
    where it is, the parameters of its message, and the Chinese message rendered from them there.

    `place` is the cell or row the finding concerns (a Loc), or for what has no cell (a whole file, a
    batch) the file's name or the project code. Pages find the row an issue belongs to by its Loc."""

    code: str
    severity: Severity
    place: Loc | str
    message: str
    params: Mapping[str, Param] = field(default_factory=dict, compare=False, hash=False)

    def __init__(
        self,
        code: str,
        severity: Severity,
        place: Loc | str,
        message: str,
        params: Mapping[str, Param] | None = None,
    ) -> None:
        self.__dict__.update(
            code=code,
            severity=severity,
            place=place,
            message=message,
            params={} if params is None else params,
        )

    @property
    def location(self) -> str:
        """The place as people read it: `Sheet1!D20`, `Sheet1!第20行`, or a file's name."""
        return str(self.place)

    @property
    def loc(self) -> Loc | None:
        """The cell or row, when the finding has one."""
        return self.place if isinstance(self.place, Loc) else None


@dataclass(frozen=True)
class Header:
    project_code: str = ""
    project_name: str = ""
    year: str = ""
    unit: str = ""
    budget_unit: str = ""
    locs: dict[str, Loc] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class FundsLine:
    """One row of 资金使用情况; amounts in 元 whatever unit the document used."""

    label: str
    initial_budget: float | None
    annual_budget: float | None
    executed: float | None
    loc: Loc | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Funds:
    total: FundsLine  # 年度资金总额
    parts: tuple[FundsLine, ...] = ()  # 其中：当年财政拨款, 上年结转资金, 其他资金
    money_unit: str = "元"  # the unit the document used: 元 or 万元
    declared_weight: float | None = None
    declared_rate: float | None = None  # percent, as printed
    declared_score: float | None = None
    locs: dict[str, Loc] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Goals:
    expected: str = ""
    achieved: str = ""


@dataclass(frozen=True, init=False)
class Indicator:
    """One third-level row of 年度绩效指标, as declared."""

    level1: str
    level2: str
    name: str
    target: str
    actual: str
    weight: float | None
    declared_score: float | None
    reason: str = ""
    loc: Loc | None = field(default=None, compare=False)
    cells: dict[str, Loc] = field(default_factory=dict, compare=False, hash=False)

    def __init__(
        self,
        level1: str,
        level2: str,
        name: str,
        target: str,
        actual: str,
        weight: float | None,
        declared_score: float | None,
        reason: str = "",
        loc: Loc | None = None,
        cells: dict[str, Loc] | None = None,
    ) -> None:
        self.__dict__.update(
            level1=level1,
            level2=level2,
            name=name,
            target=target,
            actual=actual,
            weight=weight,
            declared_score=declared_score,
            reason=reason,
            loc=loc,
            cells={} if cells is None else cells,
        )

    @property
    def not_applicable(self) -> bool:
        return self.name.replace(" ", "") in _NOT_APPLICABLE_NAMES


@dataclass(frozen=True)
class Form:
    """What one 项目支出绩效自评表 declares."""

    source: str
    sheet: str
    header: Header
    funds: Funds
    goals: Goals
    indicators: tuple[Indicator, ...]
    level1_weights: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    declared_total_weight: float | None = None
    declared_total: float | None = None
    issues: tuple[Issue, ...] = field(default=(), compare=False)  # found while reading
    loc: Loc | None = field(default=None, compare=False)
    locs: dict[str, Loc] = field(default_factory=dict, compare=False, hash=False)  # "total", level1 rows


@dataclass(frozen=True, init=False)
class IndicatorScore:
    """What the rules give one indicator row."""

    indicator: Indicator
    score: float | None  # None: the rules could not score it (an error Issue says why)
    rule: str  # rule code, e.g. "positive.over" (see rules.py)
    explanation: str  # one line of Chinese
    band: tuple[float, float] | None = None  # allowed points when the rule yields a band
    # False: the rules could not check this row (no 分值, no target, an unreadable value); `score` is then
    # the declared score, kept as the document states it (未核验), and `unverified_reason` says why
    verified: bool = None  # type: ignore[assignment]  # None: derived from the rule ("declared" is not)
    unverified_reason: str = ""

    def __init__(
        self,
        indicator: Indicator,
        score: float | None,
        rule: str,
        explanation: str,
        band: tuple[float, float] | None = None,
        verified: bool | None = None,
        unverified_reason: str = "",
    ) -> None:
        if verified is None:  # built without the rules (a stored card): the rule code says it
            verified = rule not in ("declared", "unscored")
            if not verified and not unverified_reason:
                unverified_reason = explanation.removeprefix("未核验：")
        self.__dict__.update(
            indicator=indicator,
            score=score,
            rule=rule,
            explanation=explanation,
            band=band,
            verified=verified,
            unverified_reason=unverified_reason,
        )


# issues whose form is never graded and never counted in an organisation's totals (issue 20)
EXCLUDING: tuple[str, ...] = ("AMOUNT_NEGATIVE", "RATE_IMPLAUSIBLE")


@dataclass(frozen=True, init=False)
class Scorecard:
    """What the rules compute for a Form under a Profile, with every Issue found."""

    form: Form
    profile: str
    rate: float | None  # execution rate in percent, rounded (98.63)
    budget_weight: float
    budget_score: float | None
    indicators: tuple[IndicatorScore, ...]
    total: float | None  # None when any part could not be scored, or the weights do not add up
    grade: str | None  # 优 / 良 / 中 / 差; None when the total is not verified
    issues: tuple[Issue, ...]
    verification: Verification = None  # type: ignore[assignment]  # None: derived (see __post_init__)
    verification_reasons: tuple[str, ...] = ()  # Chinese, one per unverified part
    budget_verified: bool = True  # False: the rate could not be computed (no budget score)
    profile_auto: bool = False  # True: the profile was selected by the form's declared weights

    def __init__(
        self,
        form: Form,
        profile: str,
        rate: float | None,
        budget_weight: float,
        budget_score: float | None,
        indicators: tuple[IndicatorScore, ...],
        total: float | None,
        grade: str | None,
        issues: tuple[Issue, ...],
        verification: Verification | None = None,
        verification_reasons: tuple[str, ...] = (),
        budget_verified: bool = True,
        profile_auto: bool = False,
    ) -> None:
        if verification is None:  # built without the rules (a stored card): derived from its parts
            if total is None:
                verification = "unverified"
            elif any(not s.verified for s in indicators) or budget_score is None:
                verification = "partial"
            else:
                verification = "verified"
            if not verification_reasons:
                verification_reasons = tuple(
                    f"{s.indicator.name or s.indicator.level2 or '指标'}：{s.unverified_reason}"
                    for s in indicators
                    if not s.verified
                )
        self.__dict__.update(
            form=form,
            profile=profile,
            rate=rate,
            budget_weight=budget_weight,
            budget_score=budget_score,
            indicators=indicators,
            total=total,
            grade=grade,
            issues=issues,
            verification=verification,
            verification_reasons=verification_reasons,
            budget_verified=budget_verified,
            profile_auto=profile_auto,
        )

    @property
    def verification_label(self) -> str:
        """已核验 / 部分核验 / 未核验."""
        return VERIFICATION_LABELS[self.verification]

    @property
    def excluded(self) -> str | None:
        """Why this form's figures are kept out of every organisation total and rate (a code of
        EXCLUDING: negative amounts, an implausible execution rate), None when they count."""
        return next((i.code for i in self.issues if i.code in EXCLUDING), None)

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")
