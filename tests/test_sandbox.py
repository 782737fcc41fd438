"""The reading sandbox: files that kill, starve or stall a parser cost a refusal, never the caller.

Each attack goes through the library (read_bytes, score_bytes, ingest), the CLI (`python -m selfeval`
in a subprocess) and the upload page (AppTest). Killers are real: a1_and_xfd handed straight to
calamine makes it ask for 512 GiB and abort the process it runs in, and `corner_within_bounds` passes
preflight but needs ~200 MB, more than the memory budget the tests give the workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import tomllib
from concurrent.futures import process as futures_process
from multiprocessing import forkserver
from pathlib import Path

import pytest
from playwright import sync_api as playwright

from selfeval.ingest import ingest_files, score_bytes
from selfeval.profile import load_profile
from selfeval.readers import read_bytes, sandbox
from selfeval.readers.excel import workbook_to_grids
from selfeval.readers.limits import DEFAULT_LIMITS, MB, UPLOAD_MB
from selfeval.readers.preflight import preflight
from selfeval.store import open_store
from tests import app_support, badfiles
from tests.conftest import ROOT, SEED

PROFILE = load_profile()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CJK = "\u4e00-\u9fff"
SMALL = sandbox.SandboxLimits(memory_bytes=64 * 1024 * 1024, cpu_seconds=2, wall_seconds=3)
KILLERS = [
    badfiles.a1_and_xfd,
    badfiles.dot_segment_sheet,
    badfiles.dot_dot_segment_sheet,
    badfiles.sheet_behind_other_type,
    badfiles.sheet_behind_external_rel,
    badfiles.shared_strings_huge_count,
    badfiles.sheets_on_one_part,
    badfiles.folded_duplicate_sheet,
    badfiles.xls_inverted_dimensions,
    badfiles.ole_difat_loop,
    badfiles.styles_too_many,  # 70,000 cell formats: refused before any reader spends seconds on them
    badfiles.text_too_many_cells,  # 9.6 M one-letter cells: refused before a Grid is built
    badfiles.text_too_many_columns,
]


def corner_within_bounds() -> tuple[str, bytes]:
    """Inside preflight's bounds (GR20000 = 200 columns x 20,000 rows), but calamine reserves the
    whole range: ~200 MB, over a 64 MB budget."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="20000"><c r="GR20000"><v>1</v></c></row>'
    return "角.xlsx", badfiles._one_sheet(badfiles._sheet_xml(rows, "A1:GR20000"))


def spin(seconds: float) -> int:
    end = time.process_time() + seconds
    n = 0
    while time.process_time() < end:
        n += 1
    return n


def sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def die() -> None:
    os.abort()


def echo(value):
    return value


def second(_data: bytes, value):
    return value


def counted(log: str, action: str, value=None):
    """Append one line to `log` (every run leaves its trace), then die, hang, nap `value` seconds or
    answer."""
    with open(log, "a") as f:
        f.write(f"{action}\n")
    if action == "die":
        os.abort()
    if action == "hang":
        time.sleep(60)
    if action == "nap":
        time.sleep(value)
    return value


def solo_dies_unstarted(conn, fn, args, limits):
    """sandbox.solo_main, but the first one-off process of a test (no `<log>.unstarted` yet) dies
    before it starts its task: what a fork the loaded machine could not give looks like."""
    marker = Path(f"{args[0]}.unstarted")
    if not marker.exists():
        marker.write_text("")
        os.kill(os.getpid(), 9)
    sandbox.solo_main(conn, fn, args, limits)


def solo_never_starts(conn, fn, args, limits):
    os.kill(os.getpid(), 9)


def _is_refusal(result, code: str | None = None) -> bool:
    problems = [p for p in result.problems if p.severity == "error"]
    return (
        not result.forms
        and len(problems) == 1
        and (code is None or problems[0].code == code)
        and any("\u4e00" <= ch <= "\u9fff" for ch in problems[0].message)
    )


# ------------------------------------------------------------------------------ the sandbox itself


def test_calamine_abort_is_contained_and_the_pool_recovers():
    """The 512 GiB request, handed to calamine with no preflight at all, dies in the worker only."""
    _name, data = badfiles.a1_and_xfd()
    with pytest.raises(sandbox.WorkerFailed) as failed:
        sandbox.call(workbook_to_grids, data, "xlsx", "杀手.xlsx")
    assert failed.value.code == "READ_MEMORY"
    assert sandbox.call(echo, 41) == 41  # a new pool took over
    assert len(read_bytes(SEED.read_bytes(), SEED.name).forms) == 13


def test_cpu_limit_and_wall_clock():
    with pytest.raises(sandbox.WorkerFailed) as cpu:
        sandbox.call(spin, 60.0, limits=SMALL)
    assert cpu.value.code == "READ_TIMEOUT"
    with pytest.raises(sandbox.WorkerFailed) as wall:
        sandbox.call(sleep, 60.0, limits=SMALL)
    assert wall.value.code == "READ_TIMEOUT"
    assert sandbox.call(sleep, 0.01, limits=SMALL) == "woke"


def test_a_dying_worker_is_a_refusal_and_exceptions_come_back_as_they_are():
    with pytest.raises(sandbox.WorkerFailed) as failed:
        sandbox.call(die)
    assert failed.value.code in ("READ_MEMORY", "READ_CRASHED")
    with pytest.raises(ZeroDivisionError):
        sandbox.call(divmod, 1, 0)


def test_innocent_files_in_flight_with_a_killer_are_read():
    """A killer breaks the whole pool; the other files in flight are read again, alone, and succeed."""
    _name, killer = badfiles.a1_and_xfd()
    seed_xlsx = badfiles.valid_xlsx()[1]
    tasks = [
        (seed_xlsx, "xlsx", "a"),
        (killer, "xlsx", "k"),
        (seed_xlsx, "xlsx", "b"),
        (seed_xlsx, "xlsx", "c"),
    ]
    results = [r for _args, r in sandbox.map_ordered(workbook_to_grids, tasks, in_flight=4)]
    assert isinstance(results[1], sandbox.WorkerFailed) and results[1].code == "READ_MEMORY"
    assert [sum(1 for g in r if g.rows) for i, r in enumerate(results) if i != 1] == [1, 1, 1]


def test_the_file_that_killed_its_worker_is_never_read_again(tmp_path):
    """The killer is refused from how its worker died; only the innocent files in flight are read
    again (issue 20: a 20 MB text that killed its worker was read a second time, 43–92 s)."""
    log = str(tmp_path / "runs.log")
    tasks = [(log, "ok", 1), (log, "die"), (log, "ok", 3), (log, "ok", 4)]
    results = [r for _args, r in sandbox.map_ordered(counted, tasks, in_flight=4)]
    assert isinstance(results[1], sandbox.WorkerFailed) and results[1].code in ("READ_MEMORY", "READ_CRASHED")
    assert [results[0], results[2], results[3]] == [1, 3, 4]
    assert Path(log).read_text().count("die") == 1
    with pytest.raises(sandbox.WorkerFailed):
        sandbox.call(counted, log, "die")
    assert Path(log).read_text().count("die") == 2  # once more for the one more call, not twice


def test_a_file_over_its_wall_clock_is_not_read_again(tmp_path):
    log = str(tmp_path / "runs.log")
    with pytest.raises(sandbox.WorkerFailed) as failed:
        sandbox.call(counted, log, "hang", limits=SMALL)
    assert failed.value.code == "READ_TIMEOUT" and Path(log).read_text().count("hang") == 1
    results = list(sandbox.map_ordered(counted, [(log, "hang"), (log, "ok", 2)], in_flight=2, limits=SMALL))
    assert isinstance(results[0][1], sandbox.WorkerFailed) and results[1][1] == 2
    assert Path(log).read_text().count("hang") == 2


TWO = sandbox.SandboxLimits(workers=2)


def test_the_culprit_is_told_while_the_pool_reaps_its_workers(tmp_path, monkeypatch):
    """A worker's exit status reaches its Popen through the fork server once: a second thread reading
    it at the same time got EOF, which multiprocessing reports as exit 255 - the killer became
    READ_CRASHED and the innocent file beside it, whose worker the executor had just ended, was refused
    as a crash. The executor's thread reads slower than the caller here (as under load), so both read."""
    real = forkserver.read_signed

    def slow(fd):
        manager = isinstance(threading.current_thread(), futures_process._ExecutorManagerThread)
        time.sleep(0.1 if manager else 0.3)
        return real(fd)

    sandbox.shutdown()
    monkeypatch.setattr(forkserver, "read_signed", slow)
    log = str(tmp_path / "runs.log")
    results = [r for _a, r in sandbox.map_ordered(counted, [(log, "nap", 1), (log, "die")], limits=TWO)]
    assert results[0] == 1, results[0]
    assert isinstance(results[1], sandbox.WorkerFailed) and results[1].code == "READ_MEMORY", results[1]
    assert Path(log).read_text().count("die") == 1


def test_a_killer_is_told_after_its_pool_was_wound_down(tmp_path):
    """The next file's submit found the pool broken and shut it down (ProcessPoolExecutor forgets its
    processes) before the files in flight were settled: the killer was then read a second time, alone."""
    log = str(tmp_path / "runs.log")

    def tasks():
        yield (log, "nap", 1)
        yield (log, "die")
        for _ in range(3000):  # until the killer has broken the pool (a bounded wait, not a check)
            if getattr(sandbox._pool, "_broken", False):
                break
            time.sleep(0.01)
        yield (log, "ok", 3)

    sandbox.shutdown()
    results = [r for _a, r in sandbox.map_ordered(counted, tasks(), in_flight=3, limits=TWO)]
    assert results[0] == 1 and results[2] == 3, results
    assert isinstance(results[1], sandbox.WorkerFailed) and results[1].code == "READ_MEMORY", results[1]
    assert Path(log).read_text().count("die") == 1


def test_a_re_read_that_could_not_start_is_retried(tmp_path, monkeypatch):
    """An innocent file read again alone is refused only on its own evidence: a one-off process that
    died before it began the task (a fork the loaded machine could not give) is started again."""
    log = str(tmp_path / "runs.log")
    monkeypatch.setattr(sandbox, "solo_main", solo_dies_unstarted)
    assert sandbox.run_alone(counted, (log, "ok", 7)) == 7
    assert Path(log).read_text() == "ok\n" and Path(f"{log}.unstarted").exists()
    with pytest.raises(sandbox.WorkerFailed) as failed:  # its own death, once started, is its own
        sandbox.run_alone(counted, (log, "die"))
    assert failed.value.code == "READ_MEMORY" and Path(log).read_text().count("die") == 1
    monkeypatch.setattr(sandbox, "solo_main", solo_never_starts)
    with pytest.raises(sandbox.WorkerFailed) as unavailable:  # bounded: said, not blamed on the file
        sandbox.run_alone(counted, (log, "ok", 7))
    assert unavailable.value.code == "READ_UNAVAILABLE" and "不是文件" in unavailable.value.message
    assert Path(log).read_text() == "ok\ndie\n"


def test_a_re_read_whose_process_cannot_be_forked_is_retried(tmp_path, monkeypatch):
    real, calls = sandbox._Process.start, []

    def start(process):
        calls.append(1)
        if len(calls) == 1:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real(process)

    monkeypatch.setattr(sandbox._Process, "start", start)
    assert sandbox.run_alone(counted, (str(tmp_path / "runs.log"), "ok", 5)) == 5
    assert len(calls) == 2


def test_a_task_that_waited_for_a_worker_is_not_taken_for_hung(tmp_path, monkeypatch):
    """The wait for a pooled result was counted from the caller's submit: a task that waited for the
    worker (another caller's read ahead of it, as Streamlit's threads share the pool) and was still
    running when that wait ran out was refused as hung (READ_TIMEOUT) though its own alarm had not
    fired. No slack here: the second read waits 4 s for the worker, runs 4 s, and its wait is 6 s."""
    monkeypatch.setattr(sandbox, "SLACK", 0.0)
    one = sandbox.SandboxLimits(workers=1, wall_seconds=6.0)
    log = Path(tmp_path / "runs.log")
    sandbox.shutdown()
    assert sandbox.call(echo, 1, limits=one) == 1  # the worker is up
    ahead = threading.Thread(target=sandbox.call, args=(counted, str(log), "nap", 4), kwargs={"limits": one})
    ahead.start()
    for _ in range(3000):  # until the read ahead has begun (a bounded wait, not a check)
        if log.exists() and log.read_text():
            break
        time.sleep(0.01)
    assert sandbox.call(counted, str(log), "nap", 4, limits=one) == 4
    ahead.join()
    assert log.read_text().count("nap") == 2  # neither was read again


def test_the_import_window_is_bounded_by_bytes_and_keeps_order():
    pulled = []

    def tasks():
        for i in range(10):
            pulled.append(i)
            yield (b"x" * 6, i)

    results = sandbox.map_ordered(second, tasks(), in_flight=100, max_bytes=10)
    first = next(results)
    assert len(pulled) == 2  # the second file's 6 bytes would pass 10: the first is handed over first
    assert [value for _args, value in [first, *results]] == list(range(10))


def test_threads_share_the_pool_and_a_killer_costs_only_its_own_read():
    """As Streamlit's script threads do: one thread's killer, the others' forms."""
    seed = SEED.read_bytes()
    killer = badfiles.a1_and_xfd()[1]
    out: dict[int, object] = {}

    def work(i: int) -> None:
        if i == 2:
            out[i] = _killer_read(killer)
        else:
            out[i] = read_bytes(seed, f"seed{i}.txt")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out[2] == "READ_MEMORY"
    assert all(len(out[i].forms) == 13 for i in (0, 1, 3, 4))


def _killer_read(data: bytes) -> str:
    try:
        sandbox.call(workbook_to_grids, data, "xlsx", "k")
    except sandbox.WorkerFailed as failed:
        return failed.code
    return "read"


def test_reading_works_in_a_forked_child():
    """A process forked after the pool exists (a fork-based server or worker) gets its own pool."""
    read_bytes(SEED.read_bytes(), SEED.name)  # the parent's pool is warm
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            code = 0 if len(read_bytes(SEED.read_bytes(), SEED.name).forms) == 13 else 2
            sandbox.shutdown()
        finally:
            os.write(w, bytes([code]))
            os._exit(0)
    os.close(w)
    status = os.read(r, 1)
    os.close(r)
    os.waitpid(pid, 0)
    assert status == b"\x00"


# ------------------------------------------------------------------------------ through the library


@pytest.mark.parametrize("make", KILLERS, ids=[m.__name__ for m in KILLERS])
def test_killers_are_refused_through_read_bytes(make):
    name, data = make()
    result = read_bytes(data, name)
    assert _is_refusal(result)


def test_a_file_over_the_memory_budget_is_refused_in_chinese(monkeypatch):
    name, data = corner_within_bounds()
    assert preflight(data, name) == "xlsx"  # preflight lets it through: only the sandbox holds it
    monkeypatch.setenv("SELFEVAL_READ_MEMORY_MB", "64")
    result = read_bytes(data, name)
    assert _is_refusal(result, "READ_MEMORY")
    cards, errors, kind = score_bytes(data, name, PROFILE)
    assert (cards, kind, [e.code for e in errors]) == ((), "", ["READ_MEMORY"])


def test_import_stores_every_good_file_around_killers(tmp_path, monkeypatch):
    monkeypatch.setenv("SELFEVAL_READ_MEMORY_MB", "64")
    seed = SEED.read_bytes()
    files = [
        ("a.txt", seed),
        corner_within_bounds(),
        badfiles.dot_segment_sheet(),
        ("b.xlsx", badfiles.valid_xlsx()[1]),
    ]
    store = open_store(tmp_path / "s.duckdb", seed=None)
    try:
        outcomes = ingest_files(store, files, PROFILE, jobs=2)
        assert [o.source for o in outcomes] == [name for name, _ in files]
        assert [len(o.stored) for o in outcomes][:3] == [13, 0, 0], [
            (o.source, [(p.code, p.message) for p in o.problems]) for o in outcomes
        ]  # a good file lost beside a killer: say how it was refused
        assert [p.code for p in outcomes[1].problems] == ["READ_MEMORY"]
        assert [p.code for p in outcomes[2].problems] == ["SHEET_TOO_LARGE"]
        assert len(store.current_submission_ids()) == 13
    finally:
        store.close()


# ------------------------------------------------------------------------------ the upload size limit


def test_one_upload_limit_for_browser_and_preflight():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == UPLOAD_MB
    # the browser counts 1 MB as 10^6 bytes (2^20 on Windows), the server as 2^20: preflight refuses
    # from the smallest, so every file the browser lets through and is too large gets Chinese
    assert DEFAULT_LIMITS.max_bytes == UPLOAD_MB * MB
    page = (ROOT / "views" / "upload.py").read_text(encoding="utf-8")
    assert "{UPLOAD_MB} MB" in page


@pytest.mark.parametrize("size", [UPLOAD_MB * MB + 1, int(UPLOAD_MB * 1.04 * MB), UPLOAD_MB * 1024 * 1024])
def test_files_between_mb_and_mib_get_the_chinese_refusal(size):
    result = read_bytes(b"a\n" * (size // 2) + b"a" * (size % 2), "大.txt")
    assert _is_refusal(result, "TOO_LARGE")
    assert f"上限为 {UPLOAD_MB} MB" in result.problems[0].message


# ------------------------------------------------------------------------------ through the CLI


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "selfeval", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_score_survives_killers(tmp_path):
    for make in (*KILLERS, corner_within_bounds):
        name, data = make()
        (tmp_path / f"{make.__name__}{os.path.splitext(name)[1]}").write_bytes(data)
    (tmp_path / "seed.txt").write_bytes(SEED.read_bytes())
    proc = _cli("score", str(tmp_path), env={"SELFEVAL_READ_MEMORY_MB": "64"})
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and "memory allocation" not in proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 13  # the seed's forms
    failed = [line for line in proc.stderr.splitlines() if line.startswith("无法读取")]
    assert len(failed) == len(KILLERS) + 1
    assert any("corner_within_bounds" in line and "内存超出上限" in line for line in failed)
    assert any("text_too_many_cells" in line and "单元格多于" in line for line in failed)
    assert any("styles_too_many" in line and "单元格格式过多" in line for line in failed)


def test_cli_import_stores_the_good_files(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(corner_within_bounds()[1])
    (tmp_path / "in" / "b.xlsx").write_bytes(badfiles.dot_segment_sheet()[1])
    (tmp_path / "in" / "c.txt").write_bytes(SEED.read_bytes())
    db = tmp_path / "x.duckdb"
    proc = _cli("import", str(tmp_path / "in"), "--db", str(db), env={"SELFEVAL_READ_MEMORY_MB": "64"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "已保存 13 个自评表" in proc.stdout and "无法读取的文件 2 个" in proc.stdout


def test_cli_export_never_overwrites(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    one = tmp_path / "2023.txt"
    one.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    first = _cli("export", str(one), str(one), "--out", str(out))
    assert first.returncode == 0, first.stderr[-2000:]
    assert "已导出 26 个导入模板" in first.stdout
    assert len(list(out.glob("*.xlsx"))) == 26  # the same 13 projects twice: 26 distinct files
    again = _cli("export", str(one), "--out", str(out), "--one-workbook")
    assert again.returncode == 0 and len(list(out.glob("*.xlsx"))) == 27


def test_cli_damaged_database_is_a_chinese_message(tmp_path):
    db = tmp_path / "坏.duckdb"
    db.write_bytes(b"DUCK" + os.urandom(300_000))
    for args in (("export", "--out", str(tmp_path / "o")), ("import", str(SEED))):
        proc = _cli(*args, "--db", str(db))
        assert proc.returncode == 1, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        assert "损坏" in proc.stderr


# ------------------------------------------------------------------------------ through the upload page


app_db = pytest.fixture(app_support.fresh_app_db, name="app_db")


def test_upload_page_survives_killers_and_oversize_files(app_db, monkeypatch):
    monkeypatch.setenv("SELFEVAL_READ_MEMORY_MB", "64")
    files = [
        corner_within_bounds(),
        badfiles.dot_segment_sheet(),
        badfiles.a1_and_xfd(),
        badfiles.styles_too_many(),
        badfiles.text_too_many_cells(),
        ("大.txt", b"a\n" * (int(UPLOAD_MB * 1.04 * MB) // 2)),  # between 20 MB and 20 MiB
        ("劳模管理.xlsx", app_support.seed_workbook("劳模管理")),
    ]
    at = app_support.run_app("upload")
    uploader = at.get("file_uploader")[0]
    for name, data in files:
        uploader.upload(name, data, "text/plain" if name.endswith(".txt") else XLSX)
    at = at.run()
    assert not at.exception
    assert any("共 **7** 个文件，识别出 **1** 张自评表，**6** 个文件无法读取" in m.value for m in at.markdown)
    reasons = " ".join(m.value for m in at.markdown if m.value.startswith("- "))
    assert "内存超出上限" in reasons  # the file only the sandbox could hold
    assert "范围达到" in reasons  # the killers preflight refuses
    assert f"上限为 {UPLOAD_MB} MB" in reasons  # Chinese, not the browser's English
    assert "单元格格式过多" in reasons and "单元格多于" in reasons
    assert "Error" not in reasons and "Traceback" not in reasons
    assert app_support.metrics(at)["计算总分"] == "99.86"


# ------------------------------------------------------------------------------ a real server


@pytest.mark.browser
@pytest.mark.skipif(
    not os.path.exists("/usr/bin/chromium") and not os.environ.get("CI"), reason="no chromium"
)
def test_a_real_server_outlives_the_killer_upload(tmp_path, monkeypatch):
    """`streamlit run` in a real browser: the file that once took the whole server down (and one only
    the memory limit holds) is refused in Chinese, and the same session then scores a good file."""
    from scripts.screenshots import launch, running_app, wait_ready

    monkeypatch.setenv("SELFEVAL_READ_MEMORY_MB", "64")
    killer = tmp_path / "杀手.xlsx"
    killer.write_bytes(badfiles.a1_and_xfd()[1])
    corner = tmp_path / "角.xlsx"
    corner.write_bytes(corner_within_bounds()[1])
    good = tmp_path / "劳模管理.xlsx"
    good.write_bytes(app_support.seed_workbook("劳模管理"))
    with running_app(tmp_path / "b.duckdb") as url, playwright.sync_playwright() as p:
        browser = launch(p)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(url)
            wait_ready(page, '[data-testid="stMetric"]', 60_000)
            page.get_by_role("link", name="上传评分").click()
            dropzone = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
            dropzone.set_input_files([str(killer), str(corner)])
            page.get_by_text("内存超出上限").first.wait_for()
            page.get_by_text("范围达到").first.wait_for()
            dropzone.set_input_files([str(good)])
            page.get_by_text("劳模管理 — 99.86 分（优）").first.wait_for()
        finally:
            browser.close()
