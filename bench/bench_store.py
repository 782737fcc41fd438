"""How fast the store takes forms in and answers the dashboards' questions.

`run(n)` builds n hand-made Scorecards (10 indicator rows each, 4 years, 20 units), saves them into a
fresh DuckDB file in batches of 100 and of 1,000, then times every dashboard query at that size.
Baselines measured in the same run: serialising the forms to JSON (the least a save must do) and, when
the reader works, reading + scoring the sample forms (what an import does before it saves).

    .venv/bin/python bench/bench_store.py [N ...]      # default: 1000 10000
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from selfeval.model import Scorecard  # noqa: E402
from selfeval.serialize import form_to_json  # noqa: E402
from selfeval.store import Store, open_store  # noqa: E402
from tests.factories import SLOTS, make_scorecard  # noqa: E402

YEARS = ("2021", "2022", "2023", "2024")
UNITS = tuple(f"深圳市福田区第{i + 1}单位" for i in range(20))


def make_cards(n: int, n_indicators: int = 10, seed: int = 2023) -> list[Scorecard]:
    """n varied Scorecards: every fourth project has two versions (so the current-version logic works)."""
    rnd = random.Random(seed)
    cards = []
    weight = round(90 / n_indicators, 2)
    for i in range(n):
        project = i if i % 4 else i - 1 if i else 0  # every 4th form corrects its predecessor's project
        rows, rules = [], []
        for k in range(n_indicators):
            level1, level2 = SLOTS[k % len(SLOTS)]
            target = 100 + k
            # like the sample: most targets met, a few far exceeded, some missed
            actual = rnd.choices((target, target + 5, target * 2, target // 2), weights=(60, 25, 5, 10))[0]
            score = weight if actual >= target else round(weight * actual / target, 2)
            if actual >= 1.5 * target:
                score = weight - 1
            rows.append((level1, level2, f"指标{k + 1}", f">{target}人次", f"{actual}人次", weight, score))
            rules.append(
                "positive.over"
                if actual >= 1.5 * target
                else "positive.full"
                if actual >= target
                else "positive.under"
            )
        budget = float(rnd.randrange(10_000, 5_000_000))
        cards.append(
            make_scorecard(
                project_code=f"4403042260115{project:08d}",
                year=YEARS[project % len(YEARS)],
                unit=UNITS[project % len(UNITS)],
                budget=budget,
                executed=round(budget * rnd.uniform(0.3, 1.0), 2),
                rows=rows,
                rules=rules,
                source=f"file{i}.xlsx",
            )
        )
    return cards


def _timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median seconds of `repeat` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _save_all(store: Store, cards: list[Scorecard], batch: int) -> float:
    t = time.perf_counter()
    for start in range(0, len(cards), batch):
        chunk = cards[start : start + batch]
        result = store.save(chunk, source_name=f"batch{start}", data=None, kind="bench", origin="import")
        assert len(result.stored) == len(chunk), "the bench forms are all distinct"
    return time.perf_counter() - t


def _reading_baseline() -> float | None:
    """Seconds to read + score one sample form (None when the reader or rules are not available)."""
    try:
        from selfeval.profile import load_profile
        from selfeval.readers import read_bytes
        from selfeval.rules import score
    except Exception:
        return None
    sample = ROOT / "data" / "seed" / "futian-2023.txt"
    if not sample.is_file():
        return None
    data = sample.read_bytes()
    profile = load_profile()

    def read_and_score() -> int:
        return len([score(f, profile) for f in read_bytes(data, sample.name).forms])

    try:
        n = read_and_score()
    except Exception:
        return None
    return _timed(read_and_score, 3) / n if n else None


def run(n_forms: int) -> dict:
    """Save n forms (batches of 100 and of 1,000) and time each dashboard query at that size."""
    cards = make_cards(n_forms)
    out: dict = {"forms": n_forms, "indicator_rows": sum(len(c.indicators) for c in cards)}
    t = time.perf_counter()
    for c in cards:
        form_to_json(c.form)
    out["baseline_serialise_s"] = time.perf_counter() - t
    per_form_read = _reading_baseline()
    out["baseline_read_score_s"] = per_form_read * n_forms if per_form_read else None
    with tempfile.TemporaryDirectory() as tmp:
        for batch in (100, 1000):
            with open_store(Path(tmp) / f"b{batch}.duckdb") as store:
                out[f"save_batch{batch}_s"] = _save_all(store, cards, batch)
        with open_store(Path(tmp) / "b1000.duckdb") as store:
            code, year = cards[-1].form.header.project_code, cards[-1].form.header.year
            sid = store.current_submission_ids()[-1]
            queries: dict[str, Callable[[], object]] = {
                "portfolio_summary": store.portfolio_summary,
                "portfolio_summary(year)": lambda: store.portfolio_summary(year="2023"),
                "project_scores": store.project_scores,
                "project_scores(year, unit)": lambda: store.project_scores(year="2023", unit=UNITS[3]),
                "points_lost": store.points_lost,
                "target_outliers": store.target_outliers,
                "project_history": lambda: store.project_history(code, year),
                "load_form": lambda: store.load_form(sid),
                "load_scorecard": lambda: store.load_scorecard(sid),
                "current_scorecards(year, unit)": lambda: store.current_scorecards(
                    year="2023", unit=UNITS[3]
                ),
                "years+units": lambda: (store.years(), store.units()),
                "current_submission_ids": store.current_submission_ids,
            }
            out["queries_ms"] = {name: _timed(fn) * 1000 for name, fn in queries.items()}
            out["current_forms"] = len(store.current_submission_ids())
    return out


def _print(result: dict) -> None:
    n = result["forms"]
    print(f"\n{n:,} forms ({result['indicator_rows']:,} indicator rows, {result['current_forms']:,} current)")
    base = result["baseline_serialise_s"]
    read = result["baseline_read_score_s"]
    print(f"  {'baseline: form -> JSON':32s} {base:8.3f} s")
    if read:
        print(f"  {'baseline: read + score (est.)':32s} {read:8.3f} s")
    for batch in (100, 1000):
        s = result[f"save_batch{batch}_s"]
        extra = f"  ×{s / read:.2f} of reading" if read else ""
        print(
            f"  {f'save, batches of {batch}':32s} {s:8.3f} s  {n / s:9,.0f} forms/s  ×{s / base:.1f} of JSON{extra}"
        )
    for name, ms in result["queries_ms"].items():
        print(f"  {name:32s} {ms:8.2f} ms")


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    for size in sizes:
        _print(run(size))
