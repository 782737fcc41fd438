"""selfeval's benchmark: `python -m bench` (or `make bench`) measures, in one run and on one machine,
reading forms against python-calamine and openpyxl, storing batches, and the dashboard at 1,000 to
100,000 stored forms, and writes bench/results/latest.md and latest.json. `--quick` is a smoke run.

Modules: workbooks (generated forms), reading, storing, dashboard (one measurement each), measure
(timing and memory), machine, report (tables and targets), worker (a measurement in its own
process), run (the command).
"""
