"""Per form printed as a PDF: the PDF libraries' bare text extraction beside selfeval's read + score.

The generated workbooks are drawn as ruled tables by reportlab (tests/pdf_print.py: a unit's printout,
one form a page), then, interleaved per PDF with the order rotating:

- baseline P: pdfplumber (pdfminer.six) ``extract_text`` of every page — the library selfeval reads
  with, doing nothing but its own text extraction;
- baseline F: pypdfium2 (PDFium) text of every page with each character's box — the measured
  alternative (README: why pdfplumber);
- selfeval: ``read_bytes_in_process`` (PDF preflight, characters and ruling lines, cells → Grid,
  recognition) + ``score``: what a sandbox worker runs.
"""

from __future__ import annotations

import io

import openpyxl

from bench.measure import summary, timed
from bench.reading import load_workbooks


def _pdfplumber_text(data: bytes) -> int:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return sum(len(page.extract_text() or "") for page in pdf.pages)


def _pdfium_text(data: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        chars = 0
        for page in doc:
            text = page.get_textpage()
            n = text.count_chars()
            _ = [text.get_charbox(i) for i in range(n)]
            chars += len(text.get_text_range())
        return chars
    finally:
        doc.close()


def _selfeval(data: bytes, name: str, profile) -> tuple[int, int]:
    from selfeval.readers import read_bytes_in_process
    from selfeval.rules import score

    result = read_bytes_in_process(data, name)
    cards = [score(form, profile) for form in result.forms]
    return len(cards), sum(len(c.indicators) for c in cards)


def printed(directory: str, limit: int) -> list[tuple[str, bytes]]:
    """The first `limit` generated workbooks drawn as PDFs (one form a page, ruled)."""
    from tests.pdf_print import drawn

    out = []
    for name, _layout, data in load_workbooks(directory)[:limit]:
        sheets = openpyxl.load_workbook(io.BytesIO(data)).worksheets
        out.append((name.replace(".xlsx", ".pdf"), drawn(sheets)))
    return out


def run(directory: str, limit: int = 100) -> dict:
    from selfeval.profile import load_profile

    profile = load_profile()
    pdfs = printed(directory, limit)
    methods = {
        "P": lambda d, n: _pdfplumber_text(d),
        "F": lambda d, n: _pdfium_text(d),
        "selfeval": lambda d, n: _selfeval(d, n, profile),
    }
    warm_name, warm_data = pdfs[-1]
    for fn in methods.values():
        fn(warm_data, warm_name)
    times: dict[str, list[float]] = {m: [] for m in methods}
    forms = rows = 0
    order = list(methods)
    for k, (name, data) in enumerate(pdfs):
        for method in order[k % 3 :] + order[: k % 3]:
            seconds, result = timed(lambda m=method, d=data, n=name: methods[m](d, n))
            times[method].append(seconds)
            if method == "selfeval":
                forms += result[0]
                rows += result[1]
    per_form = {m: summary(t) for m, t in times.items()}
    return {
        "pdfs": len(pdfs),
        "forms_read": forms,
        "indicator_rows": rows,
        "mean_kb": sum(len(d) for _, d in pdfs) / len(pdfs) / 1024,
        "per_form": per_form,
        "ratio_vs_P": per_form["selfeval"]["median_ms"] / per_form["P"]["median_ms"],
        "ratio_vs_F": per_form["selfeval"]["median_ms"] / per_form["F"]["median_ms"],
    }


def lines(r: dict) -> list[str]:
    """The section of the report (markdown)."""
    names = {
        "P": "baseline P: pdfplumber extract_text, every page",
        "F": "baseline F: pypdfium2 text + character boxes, every page",
        "selfeval": "**selfeval: read_bytes + score (PDF)**",
    }
    rows = ["| per form (one-page PDF) | median ms | p95 ms | selfeval ÷ this |", "|---|---|---|---|"]
    for key, label in names.items():
        s = r["per_form"][key]
        ratio = (
            "—" if key == "selfeval" else f"{r['per_form']['selfeval']['median_ms'] / s['median_ms']:.2f}×"
        )
        rows.append(f"| {label} | {s['median_ms']:.2f} | {s['p95_ms']:.2f} | {ratio} |")
    return [
        "## Reading one form as a PDF",
        "",
        f"{r['pdfs']} generated workbooks drawn as ruled one-page PDFs by reportlab ({r['mean_kb']:.0f} KB on "
        f"average); selfeval read {r['forms_read']} forms ({r['indicator_rows']:,} indicator rows).",
        "",
        *rows,
        "",
    ]
