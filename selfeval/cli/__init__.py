"""The command line, `python -m selfeval ...`: a thin client of the library (nothing in selfeval
imports it). commands.py holds the parser and the file commands, review.py status and the review-aware
export, report.py the 自评报告 drafts, admin.py backup, restore, migrate and transfer, files.py what
the file commands share."""

from selfeval.cli.commands import main

__all__ = ["main"]
