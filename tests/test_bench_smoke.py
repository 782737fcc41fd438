"""The benchmark's quick mode runs end to end and writes its tables. Structure only: never wall-clock values."""

from __future__ import annotations

import json

from bench.dashboard import QUERIES
from bench.pages import PAGES
from bench.run import main


def test_quick_run_prints_and_writes_every_section(tmp_path, capsys):
    code = main(
        [
            "--quick",
            "--out",
            str(tmp_path),
            "--workbooks",
            "4",
            "--batches",
            "2,4",
            "--levels",
            "10,20",
            "--pg-levels",
            "20",
            "--import-files",
            "4",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    written = (tmp_path / "latest.md").read_text(encoding="utf-8")
    assert printed.strip() == written.strip()
    for heading in (
        "# selfeval benchmark",
        "## Reading one form",
        "## Reading one form as a PDF",
        "## Read + recognise + score + store",
        "## Dashboard",
        "## Import into a store of N forms",
        "## One command, many files (the batch-size curve)",
        "## Every page at N forms",
        "## PostgreSQL beside DuckDB",
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
    pdf = results["pdf_reading"]
    assert pdf["pdfs"] == pdf["forms_read"] == 3  # every drawn form read from its PDF
    assert {"P", "F", "selfeval"} == pdf["per_form"].keys() and {"ratio_vs_P", "ratio_vs_F"} <= pdf.keys()

    runs = results["storing"]["runs"]
    assert [(r["forms"], r["way"].split(",")[0]) for r in runs] == [
        (n, way) for n in (2, 4) for way in ("per file", "ingest_files (import)", "per batch")
    ]
    assert all(r["stored"] == r["forms"] == r["current_forms"] for r in runs)

    assert set(results["dashboard"]) == {"10", "20"}
    for level, d in results["dashboard"].items():
        assert d["fill"]["forms"] == int(level)
        assert set(d["queries"]) == set(QUERIES)
        assert set(d["pages"]["pages"]) == set(PAGES)  # every page of the app, each rendered cleanly
        for title, page in d["pages"]["pages"].items():
            assert {"first_s", "cleared", "warm", "check"} <= page.keys()
            assert page["check"]["ok"], (title, page["check"])
        imported = d["import"]
        assert imported["stored_before"] == int(level)
        assert imported["new"]["forms"] == imported["files"] == 4  # every generated file a new form
        assert imported["new"]["exit"] == 0 and imported["repeat"]["stored"] == 0  # the repeat: duplicates
        assert imported["peak_rss_mb"] > 0 and imported["tree_rss_mb"] >= imported["peak_rss_mb"]

    if results["postgres_skipped"] is None:  # a PostgreSQL server could be started here
        pg = results["postgres"]["20"]
        assert pg["fill"]["rows"]["submissions"] == 20
        assert set(pg["queries"]) == set(QUERIES)
        assert all(p["check"]["ok"] for p in pg["pages"]["pages"].values())
        assert "## PostgreSQL beside DuckDB" in written and "(comparison) PostgreSQL" in written
    else:
        assert f"Not measured: {results['postgres_skipped']}" in written

    # the batch-size curve: one command of the quick size, into each store, its whole tree measured
    for backend in ("duckdb", "postgres") if results["postgres_skipped"] is None else ("duckdb",):
        (run,) = results["batch"][backend].values()
        assert run["exit"] == 0 and run["stored"] == run["files"], run
        assert run["processes"] >= 3 and run["tree_peak_pss_mb"] > 0  # the command, fork server, workers

    assert results["chart"] == "curves.png" and (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert "![curves](curves.png)" in written
    assert all({"target", "measured", "met"} <= t.keys() for t in results["targets"])
    verdicts = {t["target"].split(" (")[0]: t["met"] for t in results["targets"]}
    for prefix in (
        "`selfeval import` ≥ 600 forms/s",
        "import peak memory < 500 MB",
        "`selfeval import` of any number of files: the whole process tree under 500 MB",
        "every page's warm rerun",
    ):
        assert any(k.startswith(prefix) and v in (True, False) for k, v in verdicts.items()), prefix
