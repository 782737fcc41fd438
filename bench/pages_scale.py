"""Only the benchmark's page section, at given store sizes: fills a store per size once (kept in
/tmp, reused by later runs) and times every page with AppTest (bench.pages: first run, data cache
cleared, warm rerun). `--root` runs the pages of another checkout of the repository (say, the
previous commit unpacked with `git archive`), so that before and after are measured in one run on
the same store files.

    .venv/bin/python bench/pages_scale.py 100000 1000000 [--root /tmp/old] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def store_file(n: int) -> Path:
    return Path("/tmp") / f"selfeval-pages-{n}.duckdb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int, help="stored forms, multiples of 1,000")
    parser.add_argument("--root", type=Path, default=HERE, help="the checkout whose pages are timed")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    from bench.dashboard import fill

    for n in args.sizes:
        if not store_file(n).exists():
            print(f"filling {n:,} forms …", fill(str(store_file(n)), n), flush=True)
    # the pages (and the selfeval they import) of --root
    for name in [m for m in sys.modules if m == "bench" or m.startswith(("bench.", "selfeval", "views"))]:
        del sys.modules[name]
    sys.path.remove(str(HERE))
    sys.path.insert(0, str(args.root.resolve()))
    from bench.pages import run

    results = {}
    for n in args.sizes:
        out = run(str(store_file(n)), repeats=args.repeats, breakdown=False)
        results[n] = out
        for page, fig in out["pages"].items():
            wall = {k: fig[k]["median_ms"] / 1000 for k in ("cleared", "warm")}
            cpu = {
                k: fig.get(f"{k}_cpu", {}).get("median_ms", float("nan")) / 1000 for k in ("cleared", "warm")
            }
            print(
                f"{args.root.name} {n:>9,} {page}: first {fig['first_s']:.2f} s (CPU {fig.get('first_cpu_s', float('nan')):.2f}), "
                f"cleared {wall['cleared']:.2f} s (CPU {cpu['cleared']:.2f}), warm {wall['warm']:.2f} s "
                f"(CPU {cpu['warm']:.2f}), medians of {args.repeats}; load {os.getloadavg()[0]:.1f}; ok={fig['check']['ok']}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
