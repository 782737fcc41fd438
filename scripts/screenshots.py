"""Screenshots of every page at 1440×900 (desktop) and 390×844 (phone) on the sample data ->
docs/screenshots/*.png (phone shots end in -phone).

Starts `streamlit run app.py` on a free port with a fresh temporary database (filled with the 13
sample forms on first open), drives Debian's chromium with Playwright, and always stops the server.
Run: `.venv/bin/python scripts/screenshots.py [desktop|phone ...]` (or `make screenshots`); both
sizes by default.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SEED = ROOT / "data" / "seed" / "futian-2023.txt"
CHROMIUM = os.environ.get("SELFEVAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": VIEWPORT, "phone": PHONE}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, address: str = "127.0.0.1") -> list[str]:
    """`streamlit run app.py` headless on `address:port`, as `make run` and the deploy guide run it."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def stop_group(proc: subprocess.Popen) -> None:
    """End a process started in its own group (start_new_session) and all it started: SIGTERM,
    then SIGKILL after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 9)
        proc.wait(timeout=5)


@contextlib.contextmanager
def serving(cmd: list[str], env: dict[str, str], url: str, timeout: float = 60.0) -> Iterator[str]:
    """Run the streamlit server `cmd` (in ROOT, with exactly `env`) until `url`/_stcore/health
    answers; yields `url` and always terminates the server (and its children) afterwards."""
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(
                    f"streamlit exited with {proc.returncode}:\n{log.read().decode(errors='replace')}"
                )
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f}s")
            time.sleep(0.3)
        yield url
    finally:
        stop_group(proc)
        log.close()


@contextlib.contextmanager
def running_app(db_path: str | Path, timeout: float = 60.0) -> Iterator[str]:
    """`streamlit run app.py` on a free port with SELFEVAL_DB=db_path; yields its base URL and
    always terminates the server (and its children) afterwards."""
    port = free_port()
    env = {**os.environ, "SELFEVAL_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
    with serving(streamlit_command(port), env, f"http://127.0.0.1:{port}", timeout) as url:
        yield url


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_ready(page, selector: str | None = None, timeout_ms: int = 30_000) -> None:
    """Wait until the script run has finished, `selector` (if given) is visible, nothing is still
    a loading skeleton, and every chart has drawn."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    if selector:
        page.locator(selector).first.wait_for(timeout=timeout_ms)
    page.wait_for_function(
        """() => {
            const status = document.querySelector('[data-testid="stStatusWidget"]');
            if (status && /Running|Stop/.test(status.innerText || '')) return false;
            if (document.querySelector('[data-testid="stSkeleton"]')) return false;
            const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
            return charts.every(c => c.querySelector('svg, canvas'));
        }""",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(1500)


def sample_workbooks(directory: Path) -> dict[str, Path]:
    """Workbooks to upload: one seed form as an import template, and the same with a missing
    deviation reason on a row that lost points (the editor then drafts one)."""
    sys.path.insert(0, str(ROOT))
    from selfeval.ingest import score_bytes
    from selfeval.profile import load_profile
    from selfeval.rules import score
    from selfeval.template import write_template

    profile = load_profile()
    cards, _, _ = score_bytes(SEED.read_bytes(), SEED.name, profile)
    lost = next(c for c in cards if c.form.header.project_name == "职工疗休养")  # 52人次 of >100人次
    rows = [
        dataclasses.replace(s.indicator, reason="")
        if s.score is not None and s.indicator.weight and s.score < s.indicator.weight - 0.005
        else s.indicator
        for s in lost.indicators
    ]
    blank = score(dataclasses.replace(lost.form, indicators=tuple(rows)), profile)
    paths = {
        "template": directory / "劳模管理_导入模板.xlsx",
        "blank_reason": directory / f"{lost.form.header.project_name}_待补充原因.xlsx",
    }
    paths["template"].write_bytes(write_template([cards[0]]))
    paths["broken"] = directory / "损坏的文件.xlsx"
    paths["broken"].write_bytes(b"PK\x03\x04 this is not a workbook")
    paths["blank_reason"].write_bytes(write_template([blank]))
    return paths


def shoot(page, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"  {path.relative_to(ROOT)}")
    return path


def scroll_to(page, text: str) -> None:
    """Scroll so that the first element showing exactly `text` sits at the top of the view."""
    page.get_by_text(text, exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)


def shoot_pages(page, url: str, books: dict[str, Path], suffix: str = "") -> None:
    """Every page in the order a person meets them; `suffix` names the size ("" or "-phone")."""
    page.goto(url)  # the default page (总览) lives at the root
    wait_ready(page, '[data-testid="stMetric"]')
    shoot(page, f"01-overview{suffix}")
    page.locator('[data-testid="stVegaLiteChart"]').nth(1).scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shoot(page, f"02-overview-charts{suffix}")
    scroll_to(page, "得分最低的项目")
    shoot(page, f"03-overview-lowest{suffix}")

    page.goto(f"{url}/project?code=440304236011500105002&year=2023")
    wait_ready(page, '[data-testid="stMetric"]')
    shoot(page, f"04-project{suffix}")
    scroll_to(page, "失分情况")
    shoot(page, f"05-project-lost{suffix}")
    scroll_to(page, "绩效指标")
    shoot(page, f"06-project-indicators{suffix}")
    scroll_to(page, "提交历史")
    shoot(page, f"07-project-history{suffix}")

    page.goto(f"{url}/upload")
    wait_ready(page, '[data-testid="stFileUploaderDropzone"]')
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        [str(books["template"]), str(books["broken"])]
    )
    page.get_by_text("共 2 个文件").wait_for()
    wait_ready(page)
    shoot(page, f"08-upload{suffix}")
    page.mouse.move(200, 600)
    page.mouse.wheel(0, 640)
    page.wait_for_timeout(1000)
    shoot(page, f"09-upload-result{suffix}")
    page.goto(f"{url}/upload")  # a fresh session: an empty uploader
    wait_ready(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(books["blank_reason"])])
    page.get_by_text("共 1 个文件").wait_for()
    wait_ready(page)
    page.get_by_role("button", name="在线编辑").first.click()
    page.get_by_text("建议的偏差原因").first.wait_for()
    wait_ready(page)
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, f"10-editor{suffix}")
    scroll_to(page, "建议的偏差原因")
    shoot(page, f"11-editor-drafts{suffix}")
    scroll_to(page, "下载")
    shoot(page, f"12-editor-downloads{suffix}")


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    sizes = [a for a in (argv if argv is not None else sys.argv[1:]) if a in SIZES] or list(SIZES)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_app(Path(tmp) / "screens.duckdb") as url,
        sync_playwright() as p,
    ):
        books = sample_workbooks(Path(tmp))
        browser = launch(p)
        try:
            print(f"app at {url}; writing {OUT.relative_to(ROOT)}/")
            for size in sizes:
                page = browser.new_page(viewport=SIZES[size], device_scale_factor=1, locale="zh-CN")
                page.set_default_timeout(30_000)
                shoot_pages(page, url, books, "" if size == "desktop" else f"-{size}")
                page.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
