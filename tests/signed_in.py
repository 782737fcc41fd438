"""Signed in as the organisation runs selfeval: the deploy guide's nginx (docs/deploy/selfeval.conf,
the file docs/deploy.md prints) in front of `streamlit run` instances started as its systemd unit
(docs/deploy/selfeval@.service) says, with a stand-in for the SSO gateway.

Only what must differ on a test machine is substituted, each by an exact match that fails loudly when
the document changes: the listening address and port, the certificate (a self-signed one made with
openssl), the instances' ports, the gateway's address, the database and the roles file. nginx is
Debian's, run in the foreground by a user that is not root, with its logs and temporary files in a
temporary directory; the gateway plays oauth2-proxy's /oauth2/auth: a browser whose cookie names a
user gets 202 and X-Auth-Request-Email, any other 401.

The browser reaches nginx on this machine's own network address when it has one (as a colleague's
computer would: neither loopback nor a trusted proxy), else on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from scripts.screenshots import free_port, serving, stop_group

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
NGINX_SITE = DEPLOY / "selfeval.conf"
UNIT = DEPLOY / "selfeval@.service"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
COOKIE = "_oauth2_proxy"  # oauth2-proxy's session cookie
SIGN_IN_PAGE = "单位统一身份认证（测试替身）：请登录"


# ------------------------------------------------------------------------------------------ the gateway


class Gateway:
    """oauth2-proxy's /oauth2/auth for nginx's auth_request: the cookie `_oauth2_proxy` names a
    session of one user (202 + X-Auth-Request-Email), anything else is 401; /oauth2/sign_in is where
    nginx sends the unsigned."""

    def __init__(self) -> None:
        self.sessions: dict[str, str] = {}
        self.checks = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.startswith("/oauth2/auth"):
                    gateway.checks += 1
                    email = gateway.sessions.get(_cookie(self.headers.get("Cookie", ""), COOKIE) or "")
                    self.send_response(202 if email else 401)
                    if email:
                        self.send_header("X-Auth-Request-Email", email)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = f"<!doctype html><meta charset=utf-8><h1>{SIGN_IN_PAGE}</h1>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def sign_in(self, email: str) -> str:
        """A new session of `email`: the cookie value that carries it."""
        token = secrets.token_urlsafe(16)
        self.sessions[token] = email
        return token

    def __enter__(self) -> Gateway:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


# ------------------------------------------------------------------------------------------ the documents


def _replace(text: str, old: str, new: str, count: int = 1) -> str:
    """`old` replaced by `new`, where the document must hold `old` exactly `count` times."""
    found = text.count(old)
    if found != count:
        raise AssertionError(f"the deploy document holds {old!r} {found} times, expected {count}")
    return text.replace(old, new)


def site_config(
    *, listen: list[tuple[str, int]], instances: list[int], gateway: int, cert: Path, key: Path
) -> str:
    """docs/deploy/selfeval.conf with the test machine's addresses, ports and certificate."""
    text = NGINX_SITE.read_text(encoding="utf-8")
    servers = re.findall(r"^[ \t]*server 127\.0\.0\.1:\d+;[^\n]*\n", text, re.M)
    if not servers:
        raise AssertionError("the deploy document's upstream lists no instance")
    ours = "".join(f"    server 127.0.0.1:{port};\n" for port in instances)
    text = _replace(text, "".join(servers), ours)
    text = _replace(text, "listen 443 ssl;", " ".join(f"listen {a}:{p} ssl;" for a, p in listen))
    text = _replace(text, "/etc/ssl/selfeval.crt", str(cert))
    text = _replace(text, "/etc/ssl/selfeval.key", str(key))
    return _replace(text, "http://127.0.0.1:4180", f"http://127.0.0.1:{gateway}", count=2)


def unit_settings(unit_text: str | None = None) -> tuple[dict[str, str], list[str]]:
    """The systemd unit's Environment= settings and the options of its ExecStart's `streamlit run`."""
    text = (unit_text if unit_text is not None else UNIT.read_text(encoding="utf-8")).replace("\\\n", " ")
    env: dict[str, str] = {}
    command: list[str] = []
    for line in text.splitlines():
        key, _, value = line.strip().partition("=")
        if key == "Environment":
            name, _, setting = value.partition("=")
            env[name] = setting
        elif key == "ExecStart":
            command = shlex.split(value)
    if command[1:5] != ["-m", "streamlit", "run", "app.py"]:
        raise AssertionError(f"the unit does not run `python -m streamlit run app.py`: {command}")
    return env, command[5:]


def instance(port: int, db: str, roles: Path) -> tuple[list[str], dict[str, str]]:
    """The command and environment of one instance as the unit starts it (`%i` is the port)."""
    settings, options = unit_settings()
    for name in ("SELFEVAL_DB", "SELFEVAL_ROLES"):
        if name not in settings:
            raise AssertionError(f"the deploy document's unit sets no {name}")
    settings = {**settings, "SELFEVAL_DB": db, "SELFEVAL_ROLES": str(roles)}
    if "%i" not in options:
        raise AssertionError("the unit's port is not its instance name %i")
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    cmd += [str(port) if o == "%i" else o for o in options]
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SELFEVAL_", "FORWARDED_"))}
    return cmd, {**keep, **settings, "PYTHONUNBUFFERED": "1"}


# ------------------------------------------------------------------------------------------ nginx


def network_address() -> str | None:
    """This machine's own non-loopback IPv4 address (a browser using it is not on loopback), if any."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("203.0.113.1", 9))  # no packet is sent: this only picks the route's source
        address = s.getsockname()[0]
        if not address.startswith("127."):
            with socket.socket() as probe:
                probe.bind((address, 0))
            return address
    return None


def self_signed(directory: Path, addresses: list[str]) -> tuple[Path, Path]:
    cert, key = directory / "selfeval.crt", directory / "selfeval.key"
    names = ",".join(f"IP:{a}" for a in addresses)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
         "/CN=selfeval.test", "-addext", f"subjectAltName={names}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


MAIN_CONF = """worker_processes 1;
error_log {dir}/error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    # only this machine reaches the test's nginx, whatever address it listens on
    allow 127.0.0.1;
    {allow}
    deny all;
    include {dir}/selfeval.conf;
}}
"""


@contextlib.contextmanager
def running_nginx(
    directory: Path, site: str, ports: list[tuple[str, int]], timeout: float = 30
) -> Iterator[Path]:
    """Debian's nginx in the foreground with `site` inside a minimal main configuration, as
    `nobody` when we are root; stopped at the end. Yields the directory (logs in it)."""
    (directory / "selfeval.conf").write_text(site, encoding="utf-8")
    allow = " ".join(f"allow {a};" for a, _ in ports if a != "127.0.0.1")
    (directory / "nginx.conf").write_text(MAIN_CONF.format(dir=directory, allow=allow), encoding="utf-8")
    prefix: list[str] = []
    if os.geteuid() == 0:  # never run the test's nginx as root
        for path in [directory, *directory.iterdir()]:
            shutil.chown(path, "nobody", "nogroup")
        prefix = ["runuser", "-u", "nobody", "--"]
    cmd = [
        *prefix,
        NGINX,
        "-p",
        str(directory),
        "-c",
        "nginx.conf",
        "-g",
        f"daemon off; pid {directory}/nginx.pid;",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log = (
                    (directory / "error.log").read_text(errors="replace")
                    if (directory / "error.log").exists()
                    else ""
                )
                raise RuntimeError(f"nginx exited with {proc.returncode}:\n{log}")
            with contextlib.suppress(OSError), socket.create_connection(ports[0], timeout=1):
                break
            if time.monotonic() > deadline:
                raise TimeoutError("nginx did not listen")
            time.sleep(0.2)
        yield directory
    finally:
        stop_group(proc)
        shutil.rmtree(directory, ignore_errors=True)


# ------------------------------------------------------------------------------------------ all of it


@dataclass
class Front:
    """The deployment as a browser sees it: `url` (this machine's network address when it has one)
    and `local_url` (127.0.0.1), both through nginx; `instances` are the apps' own addresses."""

    url: str
    local_url: str
    gateway: Gateway
    instances: list[str]
    logs: Path
    remote: bool = field(default=False)

    def cookie(self, email: str, url: str | None = None) -> dict:
        """The gateway's session cookie of a new sign-in of `email`, for a Playwright context."""
        return {"name": COOKIE, "value": self.gateway.sign_in(email), "url": url or self.url}


@contextlib.contextmanager
def deployment(db: str, roles: Path, *, instances: int = 1) -> Iterator[Front]:
    """The gateway, `instances` apps on one store as the unit starts them, and nginx in front
    (its configuration, certificate and logs in a directory of its own, removed at the end)."""
    address = network_address()
    port = free_port()
    listen = [("127.0.0.1", port)] + ([(address, port)] if address else [])
    home = Path(tempfile.mkdtemp(prefix="selfeval-nginx-"))
    cert, key = self_signed(home, [a for a, _ in listen])
    ports = [free_port() for _ in range(instances)]
    with contextlib.ExitStack() as stack:
        gateway = stack.enter_context(Gateway())
        urls = []
        for p in ports:
            cmd, env = instance(p, db, roles)
            urls.append(stack.enter_context(serving(cmd, env, f"http://127.0.0.1:{p}", timeout=90)))
        site = site_config(listen=listen, instances=ports, gateway=gateway.port, cert=cert, key=key)
        logs = stack.enter_context(running_nginx(home, site, listen))
        local = f"https://127.0.0.1:{port}"
        yield Front(
            f"https://{address}:{port}" if address else local, local, gateway, urls, logs, bool(address)
        )


def roles_file(path: Path, users: Mapping[str, tuple[str, list[str] | str | None]]) -> Path:
    """A roles file: email -> (role, units: a list, "*" for every unit, or None for no units line —
    which only an administrator may leave out: deny by default, README's Access)."""
    lines = []
    for email, (role, units) in users.items():
        lines += [f'[users."{email}"]', f'role = "{role}"']
        if units == "*":
            lines.append('units = "*"')
        elif units is not None:
            lines.append("units = [" + ", ".join(f'"{u}"' for u in units) + "]")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
