"""`python -m selfeval score`: lines, JSON shape and exit codes, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEED

FUNDS_KEYS = {
    "initial_budget",
    "annual_budget",
    "executed",
    "weight",
    "rate",
    "score",
    "declared_rate",
    "declared_score",
}
ROW_KEYS = {
    "level1",
    "level2",
    "name",
    "target",
    "actual",
    "weight",
    "score",
    "declared_score",
    "rule",
    "explanation",
    "deviation_reason",
}
FORM_KEYS = {
    "source",
    "sheet",
    "project_code",
    "project_name",
    "year",
    "unit",
    "budget_unit",
    "funds",
    "indicators",
    "total",
    "declared_total",
    "grade",
    "issues",
}


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "selfeval", *args], capture_output=True, text=True, cwd=ROOT, timeout=120, **kw
    )


@pytest.fixture(scope="module")
def seed_json():
    proc = run("score", str(SEED), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_json_has_the_documented_keys(seed_json):
    assert len(seed_json) == 13
    for form in seed_json:
        assert form.keys() >= FORM_KEYS
        assert form["funds"].keys() >= FUNDS_KEYS
        for row in form["indicators"]:
            assert row.keys() >= ROW_KEYS
        for issue in form["issues"]:
            assert {"code", "severity", "location", "message"} <= issue.keys()
            assert issue["severity"] in ("error", "warning", "info")


def test_json_values(seed_json):
    first = seed_json[0]
    assert first["project_code"] == "440304226011500000008"
    assert first["funds"]["executed"] == 345202.0 and first["funds"]["rate"] == 98.63
    assert first["funds"]["score"] == 9.86 and first["funds"]["declared_score"] == 9.86
    assert (first["total"], first["declared_total"], first["grade"]) == (99.86, 99.86, "优")
    na = [r for r in first["indicators"] if r["name"] == "不适用"]
    assert na and all(r["weight"] == 0 and r["score"] == 0 for r in na)
    assert [f["total"] for f in seed_json] == [f["declared_total"] for f in seed_json]


def test_lines_without_json():
    proc = run("score", str(SEED))
    assert proc.returncode == 0
    lines = proc.stdout.strip().split("\n")
    assert len(lines) == 13
    assert lines[0].split("\t") == [
        "440304226011500000008",
        "劳模管理",
        "申报 99.86",
        "计算 99.86",
        "优",
        "错误 0",
        "警告 0",
        "已核验",
        "规则 shenzhen-futian-2023",  # selected by the form's weights (10/50/30/10), ties to 福田
    ]


def test_profile_option_changes_scores():
    proc = run("score", str(SEED), "--json", "--profile", "mof-2020")
    assert proc.returncode == 0
    forms = json.loads(proc.stdout)
    assert forms[2]["total"] == 99.75  # 工会事务: no deduction for 3个 against >2个 nationally


def test_unreadable_file_exits_1_with_a_chinese_reason(tmp_path):
    bad = tmp_path / "纪要.txt"
    bad.write_text("会议纪要：没有表格。\n", encoding="utf-8")
    proc = run("score", str(SEED), str(bad))
    assert proc.returncode == 1
    assert "纪要.txt" in proc.stderr and "未识别到项目支出绩效自评表" in proc.stderr
    assert len(proc.stdout.strip().split("\n")) == 13  # the good file is still scored


def test_damaged_form_gives_no_total(tmp_path):
    damaged = tmp_path / "damaged.txt"
    damaged.write_text(SEED.read_text(encoding="utf-8").split("年度绩效指标")[0], encoding="utf-8")
    proc = run("score", str(damaged), "--json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == []
    assert "年度绩效指标" in proc.stderr


@pytest.mark.parametrize(
    "args", [[], ["score"], ["score", str(SEED), "--profile", "nowhere"], ["frobnicate"]]
)
def test_usage_errors_exit_2(args):
    assert run(*args).returncode == 2


def test_folder_argument(tmp_path):
    (tmp_path / "a.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "ignore.png").write_bytes(b"\x89PNG")
    proc = run("score", str(tmp_path))
    assert proc.returncode == 0 and len(proc.stdout.strip().split("\n")) == 13


def _address_space_2_5_gb() -> None:
    """A child that would read a 3 GB file whole fails (MemoryError) instead of using the box's memory."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2_500_000_000, 2_500_000_000))


def test_a_huge_file_is_refused_by_its_size_before_reading_and_the_rest_is_scored(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(3 * 1024**3)  # sparse: costs no disk
    (tmp_path / "ok.txt").write_bytes(SEED.read_bytes())
    proc = run("score", str(tmp_path), preexec_fn=_address_space_2_5_gb)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert "huge.txt" in proc.stderr and "文件过大" in proc.stderr and "上限为 20 MB" in proc.stderr
    assert len(proc.stdout.strip().split("\n")) == 13  # ok.txt is still scored
