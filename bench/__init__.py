"""selfeval's benchmark: `python -m bench` (or `make bench`) measures, in one run and on one machine,
reading forms against python-calamine and openpyxl, storing batches, and — at 1,000 to 1,000,000
stored forms — every store query, every page (first run, data cache cleared, warm rerun) and
`selfeval import` of a fixed batch into the filled store, DuckDB and (at 10,000 and 100,000)
PostgreSQL side by side; writes bench/results/latest.md, latest.json and curves.png. `--quick` is a
smoke run; `--from-json` rewrites the report and the chart from a results file.

Modules: workbooks (generated forms), reading, sandbox, storing, dashboard (filling stores, queries),
pages, importing, pg (a throwaway PostgreSQL server), measure (timing and memory), machine, report
and report_scale (tables and targets), chart (the PNG), stores (opening a store by path or URL),
worker (a measurement in its own process), run (the command).
"""
