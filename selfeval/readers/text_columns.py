"""Whitespace-aligned text (pdftotext -layout) -> rows, by the columns its header lines give."""

from __future__ import annotations


def is_column_layout(lines: list[str]) -> bool:
    return False


def read(lines: list[str], sheet: str):
    return [], []
