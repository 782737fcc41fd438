"""The small value types that go in and out of the store."""

from __future__ import annotations

from dataclasses import dataclass
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
