"""`selfeval status` and `selfeval export --approved-only / --per-unit` on a real store file."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from selfeval.access import Principal
from selfeval.cli import commands as cli
from selfeval.sample import open_seeded_store

UNIT = "深圳市福田区总工会（本级）"
EDITOR = Principal("zhang@futian.gov.cn", "editor", (UNIT,), True)
REVIEWER = Principal("wang@futian.gov.cn", "reviewer", (UNIT,), True)


@pytest.fixture()
def db(store_location):
    """The 13 seed forms; 劳模管理 and 党组织建设 approved, 职工疗休养 returned, one more submitted —
    in a DuckDB file and in a PostgreSQL database."""
    path = store_location
    store = open_seeded_store(path)
    try:
        ids = store.project_scores("2023").set_index("project_name")["submission_id"]
        for name in ("劳模管理", "党组织建设", "职工疗休养", "小型工程类项目（非政府投资项目）"):
            store.scoped(EDITOR).submit(int(ids[name]), "已核对")
        for name in ("劳模管理", "党组织建设"):
            store.scoped(REVIEWER).approve(int(ids[name]))
        store.scoped(REVIEWER).return_(int(ids["职工疗休养"]), "请补充")
        store.set_deadline("2023", date(2024, 3, 31))
    finally:
        store.close()
    return path


def test_status_prints_counts_per_state_and_unit(db, capsys):
    assert cli.main(["status", "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["年度", "实施单位", "项目数", "未提交", "已送审", "已通过", "已退回"]
    assert out[1].split() == ["2023", UNIT, "13", "9", "1", "2", "1"]
    assert out[-1].startswith("2023 年度审核截止日期：2024-03-31（已逾期 ")


def test_status_filters_by_year_and_unit(db, capsys):
    assert cli.main(["status", "--db", str(db), "--year", "2022"]) == 0
    assert capsys.readouterr().out.strip() == "没有符合条件的自评表。"
    assert cli.main(["status", "--db", str(db), "--unit", UNIT, "--year", "2023"]) == 0
    assert UNIT in capsys.readouterr().out


def test_export_approved_only_writes_the_approved_forms(db, tmp_path, capsys):
    out = tmp_path / "approved"
    assert cli.main(["export", "--db", str(db), "--out", str(out), "--approved-only"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and any("劳模管理" in n for n in names) and any("党组织建设" in n for n in names)
    every = tmp_path / "all"
    assert cli.main(["export", "--db", str(db), "--out", str(every), "--state", "all"]) == 0
    assert len(list(every.iterdir())) == 13


def test_export_per_unit_zip_and_workbook(db, tmp_path, capsys):
    out = tmp_path / "zips"
    assert cli.main(["export", "--db", str(db), "--out", str(out), "--per-unit"]) == 0
    (archive,) = out.iterdir()
    assert archive.name.endswith("_导入模板.zip") and "福田区总工会" in archive.name
    with zipfile.ZipFile(archive) as zf:
        assert len(zf.namelist()) == 13 and all(n.endswith(".xlsx") for n in zf.namelist())
    books = tmp_path / "books"
    assert (
        cli.main(
            [
                "export",
                "--db",
                str(db),
                "--out",
                str(books),
                "--per-unit",
                "--one-workbook",
                "--approved-only",
            ]
        )
        == 0
    )
    (book,) = books.iterdir()
    assert len(load_workbook(book).sheetnames) == 2


def test_approved_only_needs_the_store(tmp_path, capsys):
    from tests.conftest import SEED

    assert cli.main(["export", str(SEED), "--out", str(tmp_path / "x"), "--approved-only"]) == 2
    assert "只用于从数据库导出" in capsys.readouterr().err


def test_readme_and_parser_agree_on_the_review_commands():
    """The README's command lines name the options the parser has (they drift apart otherwise)."""
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = cli.build_parser()
    export_help = parser._subparsers._group_actions[0].choices["export"].format_help()
    status_help = parser._subparsers._group_actions[0].choices["status"].format_help()
    for option in ("--approved-only", "--per-unit", "--one-workbook"):
        assert option in readme and option in export_help, option
    assert "selfeval status [--year Y] [--unit U] [--db DB]" in readme
    assert all(option in status_help for option in ("--year", "--unit", "--db DB"))


def test_units_zip_has_a_folder_per_unit_with_each_approved_template(db):
    import io

    from selfeval.bundles import units_zip

    store = open_seeded_store(db, seed=False)
    try:
        data = units_zip(store.approved_scorecards("2023"))
    finally:
        store.close()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(zf.namelist())
        assert len(names) == 2 and all(n.startswith("深圳市福田区总工会（本级）/") for n in names)
        assert load_workbook(io.BytesIO(zf.read(names[0]))).sheetnames
