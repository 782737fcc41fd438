"""Who may do what: roles viewer / editor / admin, mapped from the signed-in user.

Sign-in comes from Streamlit's `st.login` (OIDC, when `[auth]` is configured in secrets) or from a
header set by the organisation's SSO proxy (`SELFEVAL_TRUSTED_HEADER`, e.g. `X-Forwarded-Email`).
A role file (TOML, `SELFEVAL_ROLES` or `data/roles.toml`) maps users to a role and their units.
With neither configured, the app is the local single-user default: admin, bound to localhost, and
marked on screen as unauthenticated. This module never imports streamlit.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from selfeval.messages import TRUSTED_HEADER_IGNORED

Role = Literal["viewer", "editor", "reviewer", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "reviewer", "admin")
ROLE_LABELS = {"viewer": "查看者", "editor": "填报人", "reviewer": "审核人", "admin": "管理员"}

# reviewer (审核人: leadership or the finance office) approves and returns its units' forms, edits nothing
PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "viewer": ("overview", "project"),
    "editor": ("overview", "project", "upload", "editor"),
    "reviewer": ("overview", "project", "review"),
    "admin": ("overview", "project", "upload", "editor", "review"),
}
ACTIONS_BY_ROLE: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "editor": frozenset({"upload", "edit", "download", "save", "restore", "submit"}),
    "reviewer": frozenset({"download", "approve", "return"}),
    "admin": frozenset(
        {
            "upload",
            "edit",
            "download",
            "save",
            "restore",
            "submit",
            "approve",
            "return",
            "transfer",
            "all_units",
        }
    ),
}
DEFAULT_ROLES_FILE = Path(__file__).resolve().parent.parent / "data" / "roles.toml"


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    units: tuple[str, ...] = ()  # units this person may see and change; empty = every unit
    authenticated: bool = False

    def sees_unit(self, unit: str) -> bool:
        return not self.units or unit in self.units


LOCAL = Principal("本机用户", "admin", (), False)
NOBODY = Principal("未授权用户", "viewer", ("（无）",), True)
# no sign-in configured and the client is not this computer: the page explains how to configure
# sign-in and shows nothing else (local mode is the administrator — for loopback clients only)
REMOTE = Principal("其他电脑的访问者", "viewer", ("（无）",), False)
DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"
_log = logging.getLogger(__name__)


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        addr = ipaddress.ip_address((text or "").strip().split("%")[0])
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return addr


def is_loopback(client_address: str | None) -> bool:
    """127.0.0.0/8 or ::1; an unknown or unreadable address is not."""
    addr = _address(client_address)
    return addr is not None and addr.is_loopback


def trusted_proxies(text: str | None = None) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The proxy addresses (or networks, `10.0.0.0/24`) allowed to set the trusted header:
    SELFEVAL_TRUSTED_PROXIES, comma-separated; default 127.0.0.1 and ::1. Unreadable entries are skipped."""
    if text is None:
        text = os.environ.get("SELFEVAL_TRUSTED_PROXIES", DEFAULT_TRUSTED_PROXIES)
    nets = []
    for part in text.split(","):
        try:
            nets.append(ipaddress.ip_network(part.strip(), strict=False))
        except ValueError:
            continue
    return tuple(nets)


def _from_proxy(client_address: str | None, proxies: str | None) -> bool:
    addr = _address(client_address)
    return addr is not None and any(addr.version == n.version and addr in n for n in trusted_proxies(proxies))


def header_values(headers: object, name: str) -> list[str]:
    """Every value of header `name` (case-insensitive) in `headers`: Streamlit's headers (`get_all`),
    a mapping, or (name, value) pairs — so a repeated header is seen as repeated, not as its first
    or last value."""
    if headers is None or not name:
        return []
    get_all = getattr(headers, "get_all", None)
    if callable(get_all):
        return [str(v) for v in get_all(name)]
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [str(v) for k, v in pairs if str(k).lower() == name.lower()]  # type: ignore[union-attr]


def load_roles(path: str | Path | None = None) -> dict[str, tuple[Role, tuple[str, ...]]]:
    """user (lower-case e-mail or account) -> (role, units). File format:

    [users."zhang@example.cn"]
    role = "editor"
    units = ["深圳市福田区总工会（本级）"]
    """
    path = Path(path or os.environ.get("SELFEVAL_ROLES") or DEFAULT_ROLES_FILE)
    if not path.is_file():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    roles: dict[str, tuple[Role, tuple[str, ...]]] = {}
    for user, entry in data.get("users", {}).items():
        role = entry.get("role", "viewer")
        if role not in ROLES:
            raise ValueError(
                f"角色文件 {path} 中用户 {user} 的角色“{role}”无效，应为 viewer/editor/reviewer/admin"
            )
        units = () if role == "admin" else tuple(entry.get("units", ()))
        roles[user.strip().lower()] = (role, units)
    return roles


def _roles_document(path: str | Path | None = None) -> dict:
    """The roles file parsed ({} when there is none): SELFEVAL_ROLES, else data/roles.toml."""
    path = Path(path or os.environ.get("SELFEVAL_ROLES") or DEFAULT_ROLES_FILE)
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def registered_units(path: str | Path | None = None) -> tuple[str, ...]:
    """Every unit the organisation has registered in the roles file: those its role lines name and
    those of a top-level `units = [...]` list (units whose people have no account yet). The
    organisation view counts them before they upload anything, so 未上传 means missing."""
    data = _roles_document(path)
    named: list[object] = list(data.get("units", ()) if isinstance(data.get("units"), list) else ())
    for entry in data.get("users", {}).values():
        units = entry.get("units", ()) if isinstance(entry, dict) else ()
        named += units if isinstance(units, list) else ()
    return tuple(sorted({u.strip() for u in named if isinstance(u, str) and u.strip() and u.strip() != "*"}))


def administrators(path: str | Path | None = None) -> tuple[str, ...]:
    """Who administers selfeval (the roles file's admin lines): named where a refusal says whom to ask."""
    users = _roles_document(path).get("users", {})
    return tuple(sorted(u for u, e in users.items() if isinstance(e, dict) and e.get("role") == "admin"))


def resolve_principal(
    user_info: Mapping[str, object] | None,
    headers: object,
    *,
    client_address: str | None,
    auth_configured: bool = False,
    roles: Mapping[str, tuple[Role, tuple[str, ...]]] | None = None,
    trusted_header: str | None = None,
    proxies: str | None = None,
) -> Principal:
    """The person behind this browser session.

    A signed-in OIDC user or a trusted proxy header is looked up in the role file; someone signed in
    but not listed gets no units at all (they see nothing). The trusted header counts only when it
    appears exactly once, with one value (no comma-joined list), and the connection comes from one of
    the trusted proxies (`proxies`, else SELFEVAL_TRUSTED_PROXIES, default loopback): otherwise the
    request carries nobody. No sign-in configured: the local administrator for a loopback client,
    REMOTE (nothing but how to configure sign-in) for any other. `client_address` is the peer's IP
    address; None means unknown (never loopback).
    """
    roles = load_roles() if roles is None else roles
    trusted_header = (
        trusted_header if trusted_header is not None else os.environ.get("SELFEVAL_TRUSTED_HEADER", "")
    )
    identity = ""
    if user_info and user_info.get("is_logged_in", True):
        identity = str(
            user_info.get("email") or user_info.get("preferred_username") or user_info.get("sub") or ""
        )
    if not identity and trusted_header:
        values = header_values(headers, trusted_header)
        if len(values) == 1 and "," not in values[0] and _from_proxy(client_address, proxies):
            identity = values[0].strip()
        elif values:  # the operator's clue when a proxy's sign-in is refused (docs/deploy.md §4)
            forwarded = bool(header_values(headers, "X-Forwarded-For"))
            _log.warning(TRUSTED_HEADER_IGNORED, trusted_header, len(values), client_address, forwarded)
    if not identity:
        if trusted_header or auth_configured or user_info is not None:
            return NOBODY  # sign-in is configured but this request carries nobody
        return LOCAL if is_loopback(client_address) else REMOTE
    role, units = roles.get(identity.strip().lower(), ("viewer", ("（无）",)))
    return Principal(identity, role, units, True)


def can(principal: Principal, action: str) -> bool:
    return action in ACTIONS_BY_ROLE[principal.role]


def may_open(principal: Principal, page: str) -> bool:
    return page in PAGES_BY_ROLE[principal.role]
