"""The tests' own PostgreSQL server does not outlive the process that started it: a pytest worker
killed with SIGKILL (or interrupted before its fixtures' teardown) leaves no server running."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.pgserver import pg_bin

START = """
import sys
from tests.pgserver import Server
s = Server().start()
print(s.port, s.root, flush=True)
sys.stdin.read()   # until killed
"""


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(pg_bin() is None, reason="the session fixture installs PostgreSQL first")
def test_a_killed_starter_leaves_no_server_behind(pg_server):
    starter = subprocess.Popen(
        [sys.executable, "-c", START], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    port_text, root = starter.stdout.readline().split()
    port = int(port_text)
    assert _listening(port)
    starter.send_signal(signal.SIGKILL)
    starter.wait(timeout=30)
    for _ in range(120):  # the watchdog polls once a second; pg_ctl stop -m immediate is quick
        if not _listening(port) and not Path(root).exists():
            break
        time.sleep(0.5)
    assert not _listening(port), "the server outlived the process that started it"
    assert not Path(root).exists(), "its directory was left behind"
