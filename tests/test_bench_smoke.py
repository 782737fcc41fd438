"""The benchmark's quick mode runs end to end and writes its tables. Structure only: never wall-clock values."""

from __future__ import annotations

import json

from bench.run import main


def test_quick_run_prints_and_writes_every_section(tmp_path, capsys):
    code = main(
        ["--quick", "--out", str(tmp_path), "--workbooks", "4", "--batches", "2,4", "--levels", "10,20"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    written = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert printed.strip() == written.strip()
    for heading in (
        "# selfeval benchmark",
        "## Reading one form",
        "## Read + recognise + score + store",
        "## Dashboard",
        "## Targets",
    ):
        assert heading in written
    assert "baseline A: python-calamine" in written and "baseline B: openpyxl" in written

    results = json.loads((tmp_path / "latest.json").read_text(encoding="utf-8"))
    assert {"machine", "config", "generation", "reading", "storing", "dashboard", "targets"} <= results.keys()
    assert results["machine"]["cores"] and results["machine"]["libraries"]["python-calamine"]

    reading = results["reading"]
    assert reading["workbooks"] == 4
    assert reading["forms_read"] == reading["forms_expected"] == 4  # every generated form recognised
    assert set(reading["layouts"]) == {"template", "plain"}
    for method in ("A", "B", "selfeval"):
        assert {"median_ms", "p95_ms", "n"} <= reading["per_form"][method].keys()
        assert reading["per_form"][method]["n"] == 4
        assert {"py_peak_mb_one_form", "rss_peak_mb", "rss_method"} <= reading["memory"][method].keys()
    assert {"ratio_vs_A", "ratio_vs_B"} <= reading.keys()
    assert set(reading["stages"]) == {"preflight", "workbook → grids", "recognise", "score"}

    runs = results["storing"]["runs"]
    assert [(r["forms"], r["way"].split(",")[0]) for r in runs] == [
        (n, way) for n in (2, 4) for way in ("per file", "ingest_files (import)", "per batch", "per batch")
    ]
    assert all(r["stored"] == r["forms"] == r["current_forms"] for r in runs)

    assert set(results["dashboard"]) == {"10", "20"}
    for level, d in results["dashboard"].items():
        assert d["fill"]["forms"] == int(level)
        assert set(d["queries"]) == {
            "portfolio_summary",
            "portfolio_summary (all years)",
            "project_scores",
            "points_lost",
            "target_outliers",
            "data_version",
        }
        page = d["overview"]
        assert {"first_run", "data_cache_cleared", "warm", "check"} <= page.keys()
        assert page["check"]["ok"], page["check"]

    assert all({"target", "measured", "met"} <= t.keys() for t in results["targets"])
    assert len(results["targets"]) >= 3
