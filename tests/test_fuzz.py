"""Fuzz smoke test: mutated .xlsx, .xls and text through the sandboxed reader (fixed seed, 200 cases).

Every case must come back as forms or as a refusal with a Chinese reason, and this process must live:
a parser that aborts, loops or runs out of memory does so in a worker. Mutations are of three kinds:
bytes of the file (flips, cuts, splices), the XML inside the zip re-packed so that it reaches the
parsers past the CRC checks (cell references, counts and tags changed), and text (separators, lines
and characters).
"""

from __future__ import annotations

import io
import random
import re
import zipfile

import openpyxl

from selfeval.profile import load_profile
from selfeval.readers import read_bytes
from selfeval.rules import score
from selfeval.template import write_template
from tests import badfiles, family_forms, pdf_print
from tests.conftest import SEED

CASES = 200
CJK = re.compile(r"[\u4e00-\u9fff]")


def _bytes_mutant(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    kind = rng.randrange(3)
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif kind == 1:
        out = out[: rng.randrange(1, len(out))]
    else:
        a, b = sorted(rng.randrange(len(out)) for _ in range(2))
        out[a:a] = out[b : b + rng.randint(1, 512)]
    return bytes(out)


_NUMBER = re.compile(rb"\d+")


def _xml_mutant(rng: random.Random, xml: bytes) -> bytes:
    """Numbers made huge or zero, tags dropped or doubled, a ./ slipped into a target."""
    kind = rng.randrange(4)
    if kind == 0:
        spans = list(_NUMBER.finditer(xml))
        for m in rng.sample(spans, min(len(spans), rng.randint(1, 5))):
            new = rng.choice([b"0", b"1048576", b"99999999999", b"16384", b"-1"])
            xml = xml[: m.start()] + new + xml[m.end() :]
    elif kind == 1:
        tags = [m.start() for m in re.finditer(rb"<", xml)]
        if tags:
            at = rng.choice(tags)
            end = xml.find(b">", at) + 1
            xml = xml[:at] + xml[end:] if rng.random() < 0.5 else xml[:end] + xml[at:end] + xml[end:]
    elif kind == 2:
        xml = xml.replace(b'Target="', b'Target="./', 1).replace(b' r="', b' r="XFD', 1)
    else:
        xml = xml.replace(b"<row", b"<row><c><v>1</v></c></row><row", rng.randint(1, 3))
    return xml


def _zip_mutant(rng: random.Random, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        target = rng.choice([n for n in names if n.endswith((".xml", ".rels"))])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name in names:
                body = src.read(name)
                z.writestr(name, _xml_mutant(rng, body) if name == target else body)
    return out.getvalue()


def _text_mutant(rng: random.Random, text: str) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines))
        kind = rng.randrange(4)
        if kind == 0:
            lines[i] = lines[i].replace("\t", rng.choice([",", "|", "\t\t", ""]))
        elif kind == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 2:
            del lines[i]
        else:
            chars = list(lines[i])
            if chars:
                chars[rng.randrange(len(chars))] = rng.choice(["\x00", "\ufffd", "９", "%", "e308", "亿"])
            lines[i] = "".join(chars)
    return "\n".join(lines)


def _cases() -> list[tuple[str, bytes]]:
    rng = random.Random(20261129)
    form = read_bytes(SEED.read_bytes(), SEED.name).forms[0]
    xlsx = write_template([score(form, load_profile())])  # a real form, so mutants can still be read
    xls = badfiles.valid_xls()[1]
    seed_text = SEED.read_text(encoding="utf-8")
    one_form = "\n".join(seed_text.splitlines()[:60])
    cases = []
    for i in range(CASES):
        kind = i % 5
        if kind == 0:
            cases.append((f"b{i}.xlsx", _bytes_mutant(rng, xlsx)))
        elif kind in (1, 2):
            cases.append((f"z{i}.xlsx", _zip_mutant(rng, xlsx)))
        elif kind == 3:
            cases.append((f"o{i}.xls", _bytes_mutant(rng, xls)))
        else:
            cases.append((f"t{i}.txt", _text_mutant(rng, one_form).encode("utf-8")))
    return cases


def test_mutated_files_are_read_or_refused_and_the_caller_lives():
    outcomes = {"forms": 0, "refused": 0}
    for name, data in _cases():
        result = read_bytes(data, name)
        errors = [p for p in result.problems if p.severity == "error"]
        assert result.forms or errors, name
        for problem in errors:
            assert CJK.search(problem.message), (name, problem)
        outcomes["forms" if result.forms else "refused"] += 1
    assert sum(outcomes.values()) == CASES
    assert (
        outcomes["refused"] > 0
    )  # the mutations reach the gates (a fuzzer that breaks nothing tests nothing)


PDF_CASES = 60


def _pdf_cases() -> list[tuple[str, bytes]]:
    """A form drawn by reportlab, compressed and not (so byte mutations reach the content operators
    too), mutated by bytes: flips, cuts and splices reach pdfminer past preflight."""
    rng = random.Random(20261207)
    sheet = openpyxl.load_workbook(io.BytesIO(family_forms.central())).active
    packed = pdf_print.drawn([sheet])
    plain = pdf_print.drawn([sheet], compress=False)
    return [(f"p{i}.pdf", _bytes_mutant(rng, packed if i % 2 else plain)) for i in range(PDF_CASES)]


def test_mutated_pdfs_are_read_or_refused_and_the_caller_lives():
    outcomes = {"forms": 0, "refused": 0}
    for name, data in _pdf_cases():
        result = read_bytes(data, name)
        errors = [p for p in result.problems if p.severity == "error"]
        assert result.forms or errors, name
        for problem in errors:
            assert CJK.search(problem.message), (name, problem)
        for form in result.forms:  # what is read is what the form says, or the figure is absent
            assert form.funds.total.annual_budget in (350000.0, None), name
        outcomes["forms" if result.forms else "refused"] += 1
    assert outcomes["refused"] > 0 and outcomes["forms"] > 0, outcomes
