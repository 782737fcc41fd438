"""The small value types that go in and out of the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from selfeval.model import Scorecard

Origin = Literal["upload", "editor", "import"]
ORIGINS: tuple[str, ...] = ("upload", "editor", "import")
GRADES: tuple[str, ...] = ("优", "良", "中", "差")
# the label of the budget-execution row that points_lost adds beside the indicator levels
BUDGET_LEVEL1 = "预算执行"
BUDGET_LEVEL2 = "预算执行率"


@dataclass(frozen=True)
class Duplicate:
    """A form whose identical content is already stored."""

    project_code: str
    project_name: str
    existing_id: int
    sheet: str = ""


@dataclass(frozen=True)
class SaveResult:
    stored: tuple[int, ...]  # new submission ids, in the order of the scorecards given
    duplicates: tuple[Duplicate, ...]
    new_versions: tuple[int, ...] = ()  # stored ids that replaced an earlier version of their project/year
    refused: tuple[str, ...] = ()  # why this upload stored nothing (another unit's project, ...)
    transfers: tuple[str, ...] = ()  # projects an administrator moved to another unit, said in words


@dataclass(frozen=True)
class Upload:
    """One file's scorecards and where they came from: the unit of Store.save_many."""

    scorecards: tuple[Scorecard, ...]
    source_name: str
    data: bytes | None
    kind: str
    origin: Origin
    submitted_by: str = ""
    # the scorecards already as store rows (selfeval.rowprep.prepare_file), made by an import's worker process so
    # the main process never unpickles or re-serialises the forms; `scorecards` may then be empty
    prepared: tuple[Any, ...] | None = None


@dataclass
class BatchClaims:
    """The units that claim each project code and year across the calls of one batch (an import's
    chunks, Store.save_many's `claims`): two units claiming one code in a batch are refused for it,
    naming both, whichever chunk each claim falls in.

    Only what the store cannot tell is kept here. Once a call commits, the claims it stored are
    dropped from `units`: from then on a current version with an id from `first_id` (the first this
    batch stored) is a claim of this batch, read with the project's current version as every save
    reads it. What stays are the claims not stored (refused, or the same content stored before), so
    a batch of a million stored files keeps nothing per file."""

    units: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    first_id: int | None = None

    def claimants(self, code: str, year: str, head: Any) -> list[str]:
        """The units claiming (code, year) in this batch: those of its forms not stored yet, after the
        unit of the current version `head` when this batch stored it."""
        units = self.units.get((code, year), [])
        ours = head is not None and self.first_id is not None and head.submission_id >= self.first_id
        return [head.unit, *units] if ours and head.unit not in units else units
