"""Who may do what: roles viewer / editor / reviewer / admin and their units, mapped from the signed-in user.

Sign-in comes from Streamlit's `st.login` (OIDC, when `[auth]` is configured in secrets) or from a
header set by the organisation's SSO proxy (`SELFEVAL_TRUSTED_HEADER`, e.g. `X-Forwarded-Email`).
A role file (TOML, `SELFEVAL_ROLES` or `data/roles.toml`) maps users to a role and their units,
explicitly: every unit is its own value (ALL_UNITS), an empty list is no unit, and a file with a
mistake is refused whole (deny by default).
With neither configured, the app is the local single-user default: admin, bound to localhost, and
marked on screen as unauthenticated. This module never imports streamlit.
"""

from __future__ import annotations

import enum
import ipaddress
import logging
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from selfeval.messages import ROLES_FILE, TRUSTED_HEADER_IGNORED

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
        {"upload", "edit", "download", "save", "restore", "submit", "approve", "return", "transfer"}
    ),
}
DEFAULT_ROLES_FILE = Path(__file__).resolve().parent.parent / "data" / "roles.toml"


class AllUnits(enum.Enum):
    """ "Every unit" as its own value, never an empty list: an empty list of units is no unit at all."""

    ALL = "*"

    def __repr__(self) -> str:
        return "ALL_UNITS"


ALL_UNITS = AllUnits.ALL
Units = tuple[str, ...] | AllUnits

# what forms and pages write where there is no unit (or mean "all of them"): never a unit anyone is
# granted; a form naming one is seen by principals of every unit only. Compared after unit_key.
PLACEHOLDER_UNITS = frozenset(
    {"", "无", "空", "暂无", "没有", "未填", "未填写", "未填单位", "未填写单位", "未填写实施单位", "待定",
     "不适用", "全部", "全部单位", "所有单位", "各单位", "*", "-", "--", "—", "——", "/", "\\", ".", "…",
     "n/a", "na", "none", "null", "nil", "all"}
)  # fmt: skip
_BRACKETS = str.maketrans("", "", "()（）[]【】〔〕<>《》{}\"'“”‘’「」")


def unit_key(name: str) -> str:
    """A unit name folded for comparing with PLACEHOLDER_UNITS: NFKC, brackets, spaces and
    invisible characters dropped, lower case."""
    text = unicodedata.normalize("NFKC", name or "").translate(_BRACKETS)
    return "".join(
        ch for ch in text if not (ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc"))
    ).lower()


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def account_key(name: str) -> str:
    """An account as the role file and the sign-in are compared: trimmed, ASCII letters in lower
    case and nothing else folded — `str.lower()` would make the Kelvin sign `\u212a` a `k`, so
    that someone signed in as `\u212aate@x.cn` would be kate@x.cn."""
    return (name or "").strip().translate(_ASCII_LOWER)


def _invisible_in(name: str) -> bool:
    """A format or control character (zero-width space, joiners, bidi marks) in a name: two units
    that look the same on every page must not be two units."""
    return any(unicodedata.category(ch) in ("Cf", "Cc") for ch in name)


def is_placeholder_unit(name: str) -> bool:
    """`（无）`, `未填写`, `全部`, `*`, an empty name …: a stand-in, not a unit."""
    return unit_key(name) in PLACEHOLDER_UNITS


@dataclass(frozen=True)
class Principal:
    """Someone acting: a role and the units they may see and change. `units` is explicit: ALL_UNITS
    (an administrator, or a role line with `units = "*"`), or a tuple of unit names — an empty tuple
    means no unit at all. Placeholder names (`（无）` …) are never among them."""

    name: str
    role: Role
    units: Units = ()
    authenticated: bool = False

    def __post_init__(self) -> None:
        if self.units is not ALL_UNITS:
            units = (self.units,) if isinstance(self.units, str) else tuple(self.units)
            object.__setattr__(self, "units", tuple(u for u in units if not is_placeholder_unit(u)))

    @property
    def all_units(self) -> bool:
        return self.units is ALL_UNITS

    def sees_unit(self, unit: str) -> bool:
        """A form of `unit` is within reach: every unit for ALL_UNITS, else one of the listed units
        (a placeholder unit only for ALL_UNITS)."""
        return self.all_units or (unit in self.units and not is_placeholder_unit(unit))

    def lookalike(self, unit: str) -> str | None:
        """One of this principal's units that `unit` matches only after width, brackets, spaces
        and case are folded (`(本级)` against `（本级）`): not the same unit, but most likely meant
        to be — a refusal names it so the role file can be corrected."""
        if self.all_units or is_placeholder_unit(unit):
            return None
        key = unit_key(unit)
        return next((u for u in self.units if u != unit and unit_key(u) == key), None)

    def units_text(self) -> str:
        """The units in words, for messages: 全部单位, 无, or the names."""
        return "全部单位" if self.units is ALL_UNITS else "、".join(self.units) or "无"


LOCAL = Principal("本机用户", "admin", ALL_UNITS, False)
NOBODY = Principal("未授权用户", "viewer", (), True)
# no sign-in configured and the client is not this computer: the page explains how to configure
# sign-in and shows nothing else (local mode is the administrator — for loopback clients only)
REMOTE = Principal("其他电脑的访问者", "viewer", (), False)
DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"
_log = logging.getLogger(__name__)


def governs_all(who: Principal) -> bool:
    """An administrator of every unit: the one who backs up, restores, transfers and sets deadlines."""
    return who.role == "admin" and who.all_units


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


class RolesError(ValueError):
    """A role file refused whole: `str()` names the file, the line and the account; `page()` is the
    sentence a visitor sees (the line, no account name)."""

    def __init__(self, path: Path, code: str, line: int | None = None, **params: object):
        self.path, self.code, self.line, self.params = path, code, line, params
        problem = ROLES_FILE[code].format(path=path, **params)
        where = "AT_LINE" if line else "NO_LINE"
        super().__init__(ROLES_FILE[where].format(path=path, line=line, problem=problem))

    def page(self) -> str:
        hidden = {k: "（该账号）" if k == "user" else v for k, v in self.params.items()}
        where = ROLES_FILE["PAGE_LINE"].format(line=self.line) if self.line else ROLES_FILE["PAGE_NO_LINE"]
        return ROLES_FILE["PAGE"].format(
            where=where, problem=ROLES_FILE[self.code].format(path=self.path.name, **hidden)
        )


_HEADER = re.compile(r"""^\s*\[\s*users\s*\.\s*("(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)\s*\]\s*(?:#.*)?$""")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _sections(text: str) -> dict[str, tuple[int, dict[str, int]]]:
    """account -> (line of its [users."…"] header, {key: line}) as written, for naming lines."""
    found: dict[str, tuple[int, dict[str, int]]] = {}
    keys: dict[str, int] | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            raw = m.group(1)
            try:
                name = tomllib.loads(f"k = {raw}")["k"] if raw[0] in "\"'" else raw
            except tomllib.TOMLDecodeError:
                name = raw
            keys = {}
            found.setdefault(name, (n, keys))
        elif line.lstrip().startswith("["):
            keys = None
        elif keys is not None and (k := _KEY.match(line)):
            keys.setdefault(k.group(1), n)
    return found


def _units_of(path: Path, user: str, role: str, entry: Mapping, line: int | None) -> Units:
    if "units" not in entry:
        if role == "admin":
            return ALL_UNITS  # an administrator is every unit's unless the line says otherwise
        raise RolesError(path, "UNITS_MISSING", line, user=user)
    units = entry["units"]
    if units == "*":
        return ALL_UNITS
    if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
        raise RolesError(path, "UNITS_TYPE", line, user=user)
    names = tuple(dict.fromkeys(u.strip() for u in units))
    if any(not u for u in names):
        raise RolesError(path, "UNIT_EMPTY", line, user=user)
    for u in names:
        if is_placeholder_unit(u):
            raise RolesError(path, "UNIT_PLACEHOLDER", line, user=user, unit=u)
        if _invisible_in(u):
            shown = "".join(
                f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in ("Cf", "Cc") else ch for ch in u
            )
            raise RolesError(path, "UNIT_INVISIBLE", line, user=user, unit=shown)
    return names


def load_roles(path: str | Path | None = None) -> dict[str, tuple[Role, Units]]:
    """account (lower case e-mail or account name) -> (role, units). File format:

        [users."zhang@example.cn"]
        role = "editor"
        units = ["深圳市福田区总工会（本级）"]     # or units = "*": every unit; units = []: none

    Deny by default: a file with any mistake — bad TOML, an unknown key or role, a viewer, editor or
    reviewer without `units`, a placeholder (`（无）`, `全部`) as a unit — is refused whole with
    RolesError naming the line (the app shows it and lets nobody in; `selfeval roles` checks a file).
    An administrator without `units` governs every unit. No file at the default place: nobody is
    listed (signed-in users see nothing); a SELFEVAL_ROLES naming a missing file is an error."""
    explicit = path or os.environ.get("SELFEVAL_ROLES")
    path = Path(explicit or DEFAULT_ROLES_FILE)
    if not path.is_file():
        if explicit:
            raise RolesError(path, "MISSING")
        return {}
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else len(text.splitlines()) or 1  # "at end of document": the last
        raise RolesError(path, "SYNTAX", line, detail=exc) from None
    lines = _sections(text)
    for key in data:
        if key not in ("users", "units"):
            raise RolesError(path, "UNKNOWN_TOP", _first_line(text, key), key=key)
    if "units" in data:  # the organisation's registered units (registered_units), none of them a placeholder
        _units_of(path, "（登记的单位）", "viewer", data, _first_line(text, "units"))
    users = data.get("users", {})
    if not isinstance(users, dict):
        raise RolesError(path, "NOT_A_TABLE", _first_line(text, "users"), key="users")
    roles: dict[str, tuple[Role, Units]] = {}
    looks: set[str] = set()  # accounts as they look (NFKC, case folded): two alike are one mistake
    for user, entry in users.items():
        header, keys = lines.get(user, (None, {}))
        if not isinstance(entry, dict):
            raise RolesError(path, "NOT_A_TABLE", header, key=user)
        account = account_key(user)
        if not account:
            raise RolesError(path, "EMPTY_USER", header)
        look = unicodedata.normalize("NFKC", account).casefold()
        if account in roles or look in looks:
            raise RolesError(path, "DUPLICATE_USER", header, user=user)
        looks.add(look)
        for key in entry:
            if key not in ("role", "units"):
                raise RolesError(path, "UNKNOWN_KEY", keys.get(key, header), key=key)
        if "role" not in entry:
            raise RolesError(path, "ROLE_MISSING", header, user=user)
        role = entry["role"]
        if role not in ROLES:
            raise RolesError(path, "ROLE_UNKNOWN", keys.get("role", header), user=user, role=role)
        roles[account] = (role, _units_of(path, user, role, entry, keys.get("units", header)))
    return roles


def _first_line(text: str, word: str) -> int | None:
    for n, line in enumerate(text.splitlines(), start=1):
        if word in line:
            return n
    return None


def describe_roles(roles: Mapping[str, tuple[Role, Units]]) -> Iterable[str]:
    """One line per account, for `selfeval roles`: account, role, units."""
    for account, (role, units) in sorted(roles.items()):
        who = Principal(account, role, units)
        yield f"{account}\t{ROLE_LABELS[role]}\t{who.units_text()}"


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
    roles: Mapping[str, tuple[Role, Units]] | None = None,
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
    role, units = roles.get(account_key(identity), ("viewer", ()))  # not listed: no unit at all
    return Principal(identity, role, units, True)


def can(principal: Principal, action: str) -> bool:
    return action in ACTIONS_BY_ROLE[principal.role]


def may_open(principal: Principal, page: str) -> bool:
    return page in PAGES_BY_ROLE[principal.role]
