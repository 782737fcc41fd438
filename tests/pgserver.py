"""A real PostgreSQL server for the tests: Debian's binaries (installed with apt-get when missing),
a cluster in a temporary directory owned by the `postgres` user (root must not run postgres), on a
free loopback port, trust authentication, stopped and removed at the end — and by a watchdog when the
process that started it dies without stopping it (SIGKILL, an interrupted xdist worker). `SELFEVAL_TEST_PG`
(a postgresql:// URL) uses a server you run instead.

    python -m tests.pgserver      # start one and print its URL until Enter is pressed
"""

from __future__ import annotations

import contextlib
import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest installed /usr/lib/postgresql/*/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def ensure_installed() -> Path:
    """The binaries, installing Debian's postgresql when they are missing."""
    bindir = pg_bin()
    if bindir is None:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True, env=env, capture_output=True)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-q", "postgresql"], check=True, env=env, capture_output=True
        )
        bindir = pg_bin()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL 未安装，且无法用 apt-get 安装（需要 /usr/lib/postgresql/*/bin/initdb）"
        )
    return bindir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One throwaway cluster. `url` is the `postgres` database as user `postgres`."""

    def __init__(self) -> None:
        self.bindir = ensure_installed()
        self.root = Path(tempfile.mkdtemp(prefix="selfeval-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *cmd: str) -> None:
        """Run a server command as the `postgres` user when we are root (postgres refuses root)."""
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, cwd=self.root)

    def start(self) -> Server:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_postgres(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._as_postgres(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self._watch()
        return self

    def _stop_command(self) -> list[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return [*prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"]

    def _watch(self) -> None:
        """A detached shell that waits for this process to end, then stops the cluster and removes
        its directory (after a normal stop() it finds nothing left to do)."""
        stop = " ".join(shlex.quote(a) for a in self._stop_command())
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
            f"[ -d {shlex.quote(str(self.data))} ] && {stop}; rm -rf {shlex.quote(str(self.root))}"
        )
        subprocess.Popen(
            ["sh", "-c", script],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        try:
            subprocess.run(self._stop_command(), check=True, capture_output=True, cwd=self.root)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


OWNER_ROLE, APP_ROLE = "selfeval_owner", "selfeval_app"  # the deployment's two logins (docs/deploy.md)


def ensure_roles(url: str) -> None:
    """The owner and app logins on the server of `url` (a superuser's): cluster-wide, created once."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for role in (OWNER_ROLE, APP_ROLE):
            # another test process may make it first
            with contextlib.suppress(psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                conn.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")


def create_owned_database(url: str, prefix: str = "o") -> tuple[str, str]:
    """A new empty database owned by the owner login, as deployed: (owner URL, app URL). The app
    login may connect and use the schema but owns nothing and may create nothing."""
    import psycopg

    ensure_roles(url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} OWNER {OWNER_ROLE}")
    base = url.rsplit("/", 1)[0].split("://", 1)[1].split("@", 1)[1]
    return f"postgresql://{OWNER_ROLE}@{base}/{name}", f"postgresql://{APP_ROLE}@{base}/{name}"


def create_database(url: str, prefix: str = "t") -> str:
    """A new empty database on the server of `url`; its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str, target: str) -> None:
    import psycopg

    name = target.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    server = Server().start()
    print(server.url, flush=True)
    try:
        input()
    finally:
        server.stop()
