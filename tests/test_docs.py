"""Every document the code, the tests and the README cite is in the repository (docs/), every section of
docs/forms.md they cite exists, and docs/rules.md names issue codes with the severities they have."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from selfeval.messages import CODES
from tests.conftest import ROOT

CITING = [
    *sorted(
        p
        for d in ("selfeval", "views", "tests", "bench", "scripts")
        for p in (ROOT / d).rglob("*.py")
        if p != Path(__file__).resolve()  # this file names what it looks for
    ),
    *sorted((ROOT / "selfeval" / "profiles").glob("*.toml")),
    ROOT / "app.py",
    ROOT / "README.md",
    ROOT / "Makefile",
]
DOCS = sorted((ROOT / "docs").glob("*.md"))
_DOC_PATH = re.compile(r"docs/[\w./@-]*\w")
_FORMS_SECTION = re.compile(r"docs/forms\.md (§\d+(?: and §\d+)*)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CITING + DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_documents_exist(path):
    text = _text(path)
    assert "domain.md" not in text  # the domain is docs/forms.md, in the repository
    for cited in _DOC_PATH.findall(text):
        if re.search(r"\.\w+$", cited):  # a file (`docs/screenshots/3x-…` names a family of them)
            assert (ROOT / cited).exists(), cited
    if path.parent.name == "docs":  # links between the documents: [rules.md](rules.md)
        for link in re.findall(r"\]\(([\w./-]+\.(?:md|png))\)", text):
            assert (path.parent / link).exists(), link


def test_cited_sections_of_forms_md_exist():
    sections = {int(n) for n in re.findall(r"^## (\d+)\. ", _text(ROOT / "docs" / "forms.md"), re.M)}
    assert sections == set(range(1, 8))
    cited = {
        int(n)
        for path in CITING
        for found in _FORMS_SECTION.findall(_text(path))
        for n in re.findall(r"\d+", found)
    }
    assert cited and cited <= sections


def test_rules_md_names_declared_codes_with_their_severity():
    text = _text(ROOT / "docs" / "rules.md")
    named = set(re.findall(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`", text))
    assert named and named <= set(CODES), named - set(CODES)
    checks = text.split("## 5. Checks", 1)[1]
    for row in re.findall(r"^\| (`.+?) \| (\w+(?: / \w+)*) \|", checks, re.M):
        codes = re.findall(r"`(\w+)`", row[0])
        severities = row[1].split(" / ")
        if len(severities) == 1:
            severities *= len(codes)
        assert [CODES[c][0] for c in codes] == severities, row
