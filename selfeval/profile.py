"""Profiles: the knobs regions turn (docs/forms.md §3), as TOML under selfeval/profiles/, and the choice of
one by the weights a form declares (`select_profile`, the `auto` default)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from selfeval.bounds import round_half_up, sane_weight
from selfeval.model import Form

PROFILES = Path(__file__).with_name("profiles")
DEFAULT_PROFILE = "shenzhen-futian-2023"


@dataclass(frozen=True)
class Profile:
    """The knobs regions turn (docs/forms.md §3)."""

    name: str
    title: str
    budget_weight: float
    budget_cap: bool
    budget_max_rate: (
        float  # a 执行率 above this fraction is implausible: not scored, not counted (2.0: 200 %)
    )
    level_weights: dict[str, float]
    strict_as_inclusive: bool
    no_operator: str
    over_threshold: float
    over_deduction: float
    over_action: str  # deduct | review
    over_applies_to: tuple[str, ...]
    qualitative: dict[str, tuple[float, float]]
    late_grade: str
    grades: tuple[tuple[str, float], ...]  # best first
    digits: int
    rescale_na: bool
    total_caps: tuple[tuple[float, float], ...]  # (rate below %, total cap), strictest last


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES.glob("*.toml"))


def load_profile(name: str | Path | None = None) -> Profile:
    """A profile by name (shipped under selfeval/profiles) or by path to a TOML file."""
    path = (
        Path(name) if name and str(name).endswith(".toml") else PROFILES / f"{name or DEFAULT_PROFILE}.toml"
    )
    if not path.is_file():
        raise ValueError(f"未知的评分规则“{name}”，可用：{'、'.join(available_profiles())}")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    over = data.get("over", {})
    return Profile(
        name=data["name"],
        title=data.get("title", data["name"]),
        budget_weight=float(data["budget"]["weight"]),
        budget_cap=bool(data["budget"].get("cap_at_weight", True)),
        budget_max_rate=float(data["budget"].get("max_rate", 2.0)),
        level_weights={k: float(v) for k, v in data["levels"].items()},
        strict_as_inclusive=bool(data.get("compare", {}).get("strict_as_inclusive", True)),
        no_operator=data.get("compare", {}).get("no_operator", ">="),
        over_threshold=float(over.get("threshold", math.inf)),
        over_deduction=float(over.get("deduction", 0.0)),
        over_action=over.get("action", "review"),
        over_applies_to=tuple(over.get("applies_to", [">", ">="])),
        qualitative={k: (float(v[0]), float(v[1])) for k, v in data["qualitative"].items()},
        late_grade=data.get("dates", {}).get("late", "部分达成"),
        grades=tuple(sorted(((k, float(v)) for k, v in data["grades"].items()), key=lambda g: -g[1])),
        digits=int(data.get("rounding", {}).get("digits", 2)),
        rescale_na=bool(data.get("not_applicable", {}).get("rescale", False)),
        total_caps=tuple(
            sorted(
                ((float(c["below"]), float(c["cap"])) for c in data.get("total_cap", [])), key=lambda c: -c[0]
            )
        ),
    )


# profile selection ----------------------------------------------------------------------------------
# Ties go to the first: 福田 2023 reproduces every seed figure and its weights (10/50/30/10) are the
# national ones, so a national-looking form is scored like the seed; mof-2020 only when chosen.
PREFERENCE = ("shenzhen-futian-2023", "mof-2020", "yunnan-20-80", "sichuan-10-90")
AUTO = "auto"


def declared_weights(form: Form) -> tuple[float | None, dict[str, float]]:
    """What the form itself says of its weights: the budget's 分值 and each 一级指标's points (printed in
    the level header, or else the sum of its rows' 分值 when every row prints one). Absurd values ignored."""
    budget = form.funds.declared_weight if sane_weight(form.funds.declared_weight) else None
    levels = {k: v for k, v in form.level1_weights.items() if sane_weight(v)}
    sums: dict[str, list[float | None]] = {}
    for ind in form.indicators:
        if not ind.not_applicable:
            sums.setdefault(ind.level1, []).append(ind.weight)
    for level1, weights in sums.items():
        if level1 and level1 not in levels and weights and all(sane_weight(w) for w in weights):
            levels[level1] = round_half_up(math.fsum(weights), 2)  # type: ignore[arg-type]
    return budget, levels


def profile_fit(form: Form, profile: Profile) -> tuple[int, int]:
    """(conflicts, agreements) between the form's declared weights and a profile's."""
    budget, levels = declared_weights(form)
    conflicts = agreements = 0
    if budget is not None:
        if abs(budget - profile.budget_weight) <= 0.01:
            agreements += 2
        else:
            conflicts += 2
    if levels:
        if abs(math.fsum(levels.values()) - (100 - profile.budget_weight)) <= 0.01:
            agreements += 1
        else:
            conflicts += 1
    for level1, weight in levels.items():
        if level1 in profile.level_weights:
            if abs(weight - profile.level_weights[level1]) <= 0.01:
                agreements += 1
            else:
                conflicts += 1
    return conflicts, agreements


def select_profile(form: Form, names: tuple[str, ...] | None = None) -> Profile:
    """The shipped profile whose weights the form declares (budget 10 or 20, the 一级 weights): fewest
    conflicts, then most agreements, then PREFERENCE order. A form that declares nothing gets the default."""
    names = names or tuple(dict.fromkeys((*PREFERENCE, *available_profiles())))
    best: tuple[tuple[int, int, int], Profile] | None = None
    for n, name in enumerate(names):
        try:
            profile = cached_profile(name)
        except ValueError:
            continue
        conflicts, agreements = profile_fit(form, profile)
        key = (conflicts, -agreements, n)
        if best is None or key < best[0]:
            best = (key, profile)
    return best[1] if best is not None else cached_profile(DEFAULT_PROFILE)


@lru_cache(maxsize=64)
def cached_profile(name: str) -> Profile:
    """A shipped profile by name, loaded once."""
    return load_profile(name)


def profile_for(name: str | None) -> Profile | None:
    """What `--profile NAME` means: None for `auto` (or nothing), so that each form selects its own."""
    if name is None or name == "" or name == AUTO:
        return None
    return load_profile(name)
