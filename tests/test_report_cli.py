"""`selfeval report`: drafts from files and from the store (with the unit summary), distinct names
that never overwrite, the count printed is the count written, exit codes 0 / 1 / 2. Real subprocesses."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

from docx import Document

from tests.conftest import ROOT, SEED

UNIT = "深圳市福田区总工会（本级）"


def run(*args: str, db=None) -> subprocess.CompletedProcess:
    env = {**os.environ}
    if db is not None:
        env["SELFEVAL_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "selfeval", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def _counts(stdout: str) -> tuple[int, int]:
    found = re.search(r"已起草 (\d+) 份项目自评报告、(\d+) 份单位汇总报告", stdout)
    assert found, stdout
    return int(found.group(1)), int(found.group(2))


def test_reports_from_files_never_overwrite(tmp_path):
    out = tmp_path / "out"
    first = run("report", str(SEED), "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert _counts(first.stdout) == (13, 0)
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 13 and all(n.endswith("_自评报告.docx") for n in names)
    doc = Document(io.BytesIO((out / "2023_440304226011500000008_劳模管理_自评报告.docx").read_bytes()))
    assert doc.paragraphs[0].text == "劳模管理项目支出绩效自评报告"
    # a second run keeps the first run's files and adds 13 more under new names
    second = run("report", str(SEED), "--out", str(out))
    assert second.returncode == 0 and _counts(second.stdout) == (13, 0)
    assert len(list(out.iterdir())) == 26
    assert (out / "2023_440304226011500000008_劳模管理_自评报告（2）.docx").is_file()


def test_an_unreadable_file_exits_1_and_the_rest_are_written(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("这不是自评表", encoding="utf-8")
    out = tmp_path / "out"
    result = run("report", str(SEED), str(bad), "--out", str(out))
    assert result.returncode == 1
    assert "bad.txt" in result.stderr
    assert _counts(result.stdout) == (13, 0) and len(list(out.iterdir())) == 13


def test_usage_errors_exit_2(tmp_path):
    assert run("report", str(SEED)).returncode == 2  # --out is required
    mixed = run("report", str(SEED), "--unit", UNIT, "--out", str(tmp_path / "o"))
    assert mixed.returncode == 2 and "--unit" in mixed.stderr
    a_file = tmp_path / "file"
    a_file.write_text("x")
    assert run("report", str(SEED), "--out", str(a_file)).returncode == 2


def test_reports_from_the_store_with_the_unit_summary(tmp_path):
    db = tmp_path / "store.duckdb"
    assert run("init", db=db).returncode == 0
    out = tmp_path / "out"
    result = run("report", "--db", str(db), "--unit", UNIT, "--year", "2023", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert _counts(result.stdout) == (13, 1)
    files = list(out.iterdir())
    assert len(files) == 14
    summary = out / f"2023_{UNIT}_自评报告汇总.docx"
    text = "\n".join(p.text for p in Document(io.BytesIO(summary.read_bytes())).paragraphs)
    assert "共对 13 个项目开展绩效自评" in text
    # another year: nothing to draft, said so, nothing written
    empty = run("report", "--db", str(db), "--year", "1999", "--out", str(tmp_path / "none"))
    assert empty.returncode == 0 and _counts(empty.stdout) == (0, 0)
    assert not list((tmp_path / "none").iterdir())


def test_two_units_projects_of_one_name_are_two_reports_each_naming_its_unit(tmp_path):
    """Issue 19: 职工疗休养 of two units drafts two reports, told apart by code in the file name and
    by unit in the text, and each unit's summary lists only its own."""
    import dataclasses

    from selfeval.profile import load_profile
    from selfeval.rules import score
    from selfeval.sample import open_seeded_store
    from tests.app_support import seed_card

    other = "深圳市福田区某街道总工会"
    db = tmp_path / "two.duckdb"
    card = seed_card("职工疗休养")
    header = dataclasses.replace(card.form.header, unit=other, project_code="440304236011500999001")
    twin = score(dataclasses.replace(card.form, header=header), load_profile())
    with open_seeded_store(db) as store:
        store.save([twin], source_name="twin.xlsx", data=None, kind="editor", origin="upload")
    out = tmp_path / "out"
    done = run("report", "--out", str(out), "--db", str(db))
    assert done.returncode == 0, done.stderr
    drafts = sorted(p for p in out.glob("*职工疗休养*自评报告.docx"))
    assert len(drafts) == 2
    texts = ["\n".join(p.text for p in Document(str(d)).paragraphs) for d in drafts]
    assert sorted(f"实施单位：{u}；" in t for t in texts for u in (other, UNIT)) == [False, False, True, True]
    assert {f"实施单位：{other}；" in t for t in texts} == {True, False}
    summaries = {
        p.name: "\n".join(x.text for x in Document(str(p)).paragraphs) for p in out.glob("*汇总.docx")
    }
    mine = next(t for n, t in summaries.items() if other in n)
    assert "职工疗休养" in mine and "劳模管理" not in mine  # the other unit's projects are not its
