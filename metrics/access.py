"""Who may see and change what: accounts, password hashes, roles, the branch scope, the audit.

Accounts and the audit trail live in their own DuckDB file beside the store
(`data/crm.duckdb` -> `data/crm.admin.duckdb`), never inside the copy-on-write
store: a sign-in never costs a store copy and a data load never touches accounts.
The file is opened read-write for each operation and closed at once, so the app
and `python -m metrics users ...` can both use it while the other runs.

Passwords are hashed with Argon2id (argon2-cffi) and never stored or logged in
clear. The audit table is append-only: this module only ever INSERTs into it.
The scope clamp (`clamp`) is the data layer's half of the branch scope: a
manager's Filters always name only that manager's branches.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from metrics import store
from metrics.filters import Filters

ROLES: tuple[str, ...] = ("executive", "manager", "analyst", "admin")
# What each role may do besides reading its scope and exporting it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "executive": frozenset({"read", "export"}),
    "manager": frozenset({"read", "export"}),
    "analyst": frozenset({"read", "export", "upload", "undo"}),
    "admin": frozenset({"read", "export", "upload", "undo", "accounts"}),
}
ACTIONS: frozenset[str] = frozenset().union(*PERMISSIONS.values())

MAX_FAILED = 5  # failed sign-ins in a row that lock an account
LOCKOUT = dt.timedelta(minutes=15)
DEFAULT_IDLE = dt.timedelta(hours=8)
IDLE_ENV = "CRM_SESSION_IDLE_MINUTES"
ADMIN_DB_ENV = "CRM_ADMIN_DB"
MIN_PASSWORD = 8
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
BRANCH_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
RESERVED_NAMES = frozenset({"demo", "root", "seed"})  # load_history's system loaders
LOCK_WAIT = 10.0  # seconds to wait for the other process (app or CLI) to close the file

# One per role, a manager for BR01. Shown on the sign-in page, and accepted, only while
# the store is the demo bank (see is_demo_store).
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("demo-executive", "executive", (), "executive-demo"),
    ("demo-manager", "manager", ("BR01",), "manager-demo"),
    ("demo-analyst", "analyst", (), "analyst-demo"),
    ("demo-admin", "admin", (), "admin-demo"),
)

SCHEMA = (
    """
    CREATE TABLE IF NOT EXISTS users (
        name VARCHAR PRIMARY KEY,
        role VARCHAR NOT NULL,
        branches VARCHAR NOT NULL DEFAULT '',
        password_hash VARCHAR NOT NULL,
        disabled BOOLEAN NOT NULL DEFAULT FALSE,
        demo BOOLEAN NOT NULL DEFAULT FALSE,
        failed_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TIMESTAMP,
        created_at TIMESTAMP NOT NULL,
        changed_at TIMESTAMP NOT NULL,
        last_sign_in TIMESTAMP
    )
    """,
    "CREATE SEQUENCE IF NOT EXISTS audit_seq",
    """
    CREATE TABLE IF NOT EXISTS audit (
        event_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
        event_at TIMESTAMP NOT NULL,
        user_name VARCHAR,
        action VARCHAR NOT NULL,
        outcome VARCHAR NOT NULL,
        detail VARCHAR,
        address VARCHAR
    )
    """,
)
AUDIT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_at",
    "user_name",
    "action",
    "outcome",
    "detail",
    "address",
)

_HASHER = PasswordHasher()  # Argon2id, the library's current recommended parameters
_DUMMY_HASH = _HASHER.hash("not a real password")  # same work for an unknown name
_LOCK = threading.Lock()  # one admin-file operation at a time in this process
_READY: set[str] = set()  # admin files whose schema this process has put in place


class AccessError(ValueError):
    """A request about accounts that cannot be done (unknown user, bad role, weak password)."""


class AccessDenied(PermissionError):
    """The signed-in user's role does not allow this action."""


@dataclass(frozen=True)
class User:
    """A signed-in account as the app and the data layer see it (never the hash)."""

    name: str
    role: str
    branches: tuple[str, ...] = ()
    disabled: bool = False
    demo: bool = False

    @property
    def all_branches(self) -> bool:
        """Every branch is in scope (all roles but manager)."""
        return self.role != "manager"

    def can(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt; `reason` is one of ok, bad, locked, demo_off."""

    ok: bool
    reason: str
    user: User | None = None
    locked_until: dt.datetime | None = None


# --------------------------------------------------------------------------- the file


def admin_db_for(store_path: Path | str) -> Path:
    """Where the accounts and audit of a store live: CRM_ADMIN_DB, else `<stem>.admin<suffix>`."""
    env = os.environ.get(ADMIN_DB_ENV)
    if env:
        return Path(env)
    path = Path(store_path)
    return path.with_name(f"{path.stem}.admin{path.suffix or '.duckdb'}")


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflicting" in text


@contextlib.contextmanager
def _open(path: Path, *, create: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the admin file for one operation; waits out another process."""
    path = Path(path)
    if not create and not path.exists():
        raise AccessError(f"no accounts file at {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK:
        fresh = not path.exists()  # a new (or deleted and re-made) file needs its tables
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                con = store.connect(path, read_only=False)
                break
            except duckdb.IOException as exc:
                if not _is_lock_error(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        try:
            key = str(path.resolve())
            if fresh or key not in _READY:  # once the tables exist, skip the DDL
                for sql in SCHEMA:
                    con.execute(sql)
                _READY.add(key)
            yield con
        finally:
            con.close()


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


# --------------------------------------------------------------------------- passwords


def hash_password(password: str) -> str:
    """An Argon2id hash (salted, with its parameters); refuses passwords under 8 characters."""
    if len(password) < MIN_PASSWORD:
        raise AccessError(f"a password needs at least {MIN_PASSWORD} characters")
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether `password` matches the stored hash (constant-time in the library)."""
    try:
        return bool(_HASHER.verify(stored_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --------------------------------------------------------------------------- accounts


def _check_name(name: str) -> str:
    name = name.strip()
    if not NAME_RE.match(name):
        raise AccessError(
            f"{name!r} is not a valid user name (letters, digits, . _ @ -; up to 64 characters)"
        )
    if name.lower() in RESERVED_NAMES:
        raise AccessError(f"{name!r} is reserved for system loads")
    return name


def _check_role(role: str, branches: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    clean = tuple(sorted({b.strip() for b in branches if b.strip()}))
    bad = [b for b in clean if not BRANCH_RE.match(b)]
    if bad:
        raise AccessError(f"{bad[0]!r} is not a branch id")
    if role == "manager" and not clean:
        raise AccessError("a manager needs at least one --branch")
    if role != "manager":
        clean = ()  # every other role sees every branch
    return role, clean


def _user(row: Sequence[Any]) -> User:
    name, role, branches, disabled, demo = row
    return User(
        str(name),
        str(role),
        tuple(b for b in str(branches or "").split(",") if b),
        bool(disabled),
        bool(demo),
    )


_USER_COLS = "name, role, branches, disabled, demo"


def get_user(admin: Path, name: str) -> User | None:
    """The account `name`, or None."""
    with _open(admin) as con:
        row = con.execute(f"SELECT {_USER_COLS} FROM users WHERE name = ?", [name]).fetchone()
    return _user(row) if row else None


def list_users(admin: Path) -> pd.DataFrame:
    """Every account, without its hash: role, branches, state, lock and last sign-in."""
    with _open(admin) as con:
        return con.execute(
            "SELECT name, role, branches, disabled, demo, locked_until, last_sign_in, created_at "
            "FROM users ORDER BY name"
        ).df()


def has_accounts(admin: Path) -> bool:
    """Whether any account other than the demo ones exists (False when there is no file)."""
    if not Path(admin).exists():
        return False
    with _open(admin) as con:
        row = con.execute("SELECT count(*) FROM users WHERE NOT demo").fetchone()
    return bool(row and row[0])


def add_user(
    admin: Path,
    name: str,
    role: str,
    password: str,
    branches: Sequence[str] = (),
    *,
    by: str | None = None,
    address: str | None = None,
    demo: bool = False,
) -> User:
    """Create an account; audited as account_add (by whom, which role and branches)."""
    name = name.strip() if demo else _check_name(name)
    role, clean = _check_role(role, branches)
    hashed = hash_password(password)
    now = _now()
    with _open(admin) as con:
        if con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise AccessError(f"there is already a user {name!r}")
        con.execute(
            "INSERT INTO users (name, role, branches, password_hash, demo, created_at, changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [name, role, ",".join(clean), hashed, demo, now, now],
        )
        _audit(
            con, by, "account_add", "ok", {"name": name, "role": role, "branches": clean}, address
        )
    return User(name, role, clean, False, demo)


def _change(
    admin: Path,
    name: str,
    sets: Mapping[str, Any],
    action: str,
    detail: Mapping[str, Any],
    by: str | None,
    address: str | None,
) -> None:
    assigns = ", ".join(f"{col} = ?" for col in sets)  # column names from this module only
    with _open(admin) as con:
        if not con.execute("SELECT 1 FROM users WHERE name = ?", [name]).fetchone():
            raise AccessError(f"there is no user {name!r}")
        con.execute(
            f"UPDATE users SET {assigns}, changed_at = ? WHERE name = ?",
            [*sets.values(), _now(), name],
        )
        _audit(con, by, action, "ok", {"name": name, **detail}, address)


def set_role(
    admin: Path,
    name: str,
    role: str,
    branches: Sequence[str] = (),
    *,
    by: str | None = None,
    address: str | None = None,
) -> None:
    """Change an account's role and branches (a manager keeps only the branches given)."""
    role, clean = _check_role(role, branches)
    sets = {"role": role, "branches": ",".join(clean)}
    _change(admin, name, sets, "account_role", {"role": role, "branches": clean}, by, address)


def set_password(
    admin: Path, name: str, password: str, *, by: str | None = None, address: str | None = None
) -> None:
    """Replace an account's password; also lifts a lockout."""
    sets = {"password_hash": hash_password(password), "failed_attempts": 0, "locked_until": None}
    _change(admin, name, sets, "account_password", {}, by, address)


def set_disabled(
    admin: Path,
    name: str,
    disabled: bool = True,
    *,
    by: str | None = None,
    address: str | None = None,
) -> None:
    """Disable (or enable again) an account; a disabled account cannot sign in or stay in."""
    action = "account_disable" if disabled else "account_enable"
    _change(admin, name, {"disabled": disabled}, action, {}, by, address)


# --------------------------------------------------------------------------- sign-in


def sign_in(
    admin: Path,
    name: str,
    password: str,
    *,
    demo_allowed: bool,
    address: str | None = None,
    now: dt.datetime | None = None,
) -> SignIn:
    """Check a name and password; count failures, lock after 5 for 15 minutes; audit the attempt.

    A wrong password, an unknown name and a disabled account all answer "bad" (the form
    must not tell which names exist); a locked account answers "locked" without checking
    the password; a demo account answers "demo_off" unless the store is the demo bank.
    """
    now = now or _now()
    name = name.strip()
    with _open(admin) as con:
        row = con.execute(
            f"SELECT {_USER_COLS}, password_hash, failed_attempts, locked_until "
            "FROM users WHERE name = ?",
            [name],
        ).fetchone()
        if row is None:
            verify_password(_DUMMY_HASH, password)  # same time as a known name
            _audit(con, name, "sign_in", "failed", {"reason": "unknown user"}, address, now)
            return SignIn(False, "bad")
        user = _user(row[:5])
        stored, failed, locked_until = str(row[5]), int(row[6]), row[7]
        if locked_until is not None and now < locked_until:
            _audit(con, name, "sign_in", "locked", {"until": str(locked_until)}, address, now)
            return SignIn(False, "locked", locked_until=locked_until)
        if user.demo and not demo_allowed:
            _audit(con, name, "sign_in", "failed", {"reason": "demo account"}, address, now)
            return SignIn(False, "demo_off")
        if not verify_password(stored, password) or user.disabled:
            failed = 0 if locked_until is not None else failed  # a served lock starts afresh
            failed += 1
            until = now + LOCKOUT if failed >= MAX_FAILED else None
            con.execute(
                "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE name = ?",
                [0 if until else failed, until, name],
            )
            reason = "disabled" if user.disabled else "wrong password"
            detail = {"reason": reason, "failed": failed}
            _audit(con, name, "sign_in", "failed", detail, address, now)
            if until is not None:
                _audit(con, name, "lockout", "locked", {"until": str(until)}, address, now)
                return SignIn(False, "locked", locked_until=until)
            return SignIn(False, "bad")
        if _HASHER.check_needs_rehash(stored):
            con.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?", [_HASHER.hash(password), name]
            )
        con.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in = ? "
            "WHERE name = ?",
            [now, name],
        )
        _audit(con, name, "sign_in", "ok", {"role": user.role}, address, now)
    return SignIn(True, "ok", user)


def idle_limit() -> dt.timedelta:
    """How long a session may sit idle: CRM_SESSION_IDLE_MINUTES, default 8 hours."""
    raw = os.environ.get(IDLE_ENV, "").strip()
    try:
        minutes = float(raw) if raw else None
    except ValueError:
        minutes = None
    return DEFAULT_IDLE if minutes is None or minutes <= 0 else dt.timedelta(minutes=minutes)


def expired(last_seen: dt.datetime, now: dt.datetime, limit: dt.timedelta | None = None) -> bool:
    """Whether a session last active at `last_seen` has been idle longer than the limit."""
    return now - last_seen > (limit if limit is not None else idle_limit())


# --------------------------------------------------------------------------- scope


def clamp(f: Filters, user: User) -> tuple[Filters, tuple[str, ...]]:
    """`f` limited to the user's branches, and the branches it asked for that were dropped.

    Every role but manager sees every branch: `f` unchanged. A manager's empty
    selection ("all") becomes their branches; a selection outside them is cut to
    the part inside, or to all of theirs when nothing is left.
    """
    if user.all_branches:
        return f, ()
    if not user.branches:
        raise AccessDenied(f"{user.name} is a manager without branches")
    own = set(user.branches)
    refused = tuple(b for b in f.branches if b not in own)
    kept = tuple(b for b in f.branches if b in own) or user.branches
    return replace(f, branches=kept), refused


def in_scope(branch_id: object, user: User) -> bool:
    """Whether one branch id is visible to the user."""
    return user.all_branches or str(branch_id) in user.branches


def require(user: User | None, action: str) -> User:
    """The user, when their role allows `action`; else AccessDenied (server-side check)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or user.disabled or not user.can(action):
        who = user.name if user is not None else "nobody"
        role = user.role if user is not None else "none"
        raise AccessDenied(f"{who} ({role}) may not {action}")
    return user


# --------------------------------------------------------------------------- audit


def _json(detail: Mapping[str, Any] | None) -> str | None:
    if not detail:
        return None
    return json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)


def _audit(
    con: duckdb.DuckDBPyConnection,
    user: str | None,
    action: str,
    outcome: str,
    detail: Mapping[str, Any] | None,
    address: str | None,
    at: dt.datetime | None = None,
) -> None:
    con.execute(
        "INSERT INTO audit (event_at, user_name, action, outcome, detail, address) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [at or _now(), user, action, outcome, _json(detail), address],
    )


def audit(
    admin: Path,
    user: str | None,
    action: str,
    outcome: str = "ok",
    detail: Mapping[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Append one event: who, what (action, outcome, details as JSON), from where, when."""
    with _open(admin) as con:
        _audit(con, user, action, outcome, detail, address)


def audit_records(
    admin: Path,
    since: dt.date | None = None,
    user: str | None = None,
) -> list[dict[str, Any]]:
    """Audit events, oldest first, optionally from a day on and for one user."""
    if not Path(admin).exists():
        return []
    where, params = ["TRUE"], list[Any]()
    if since is not None:
        where.append("event_at >= ?")
        params.append(dt.datetime.combine(since, dt.time()))
    if user:
        where.append("user_name = ?")
        params.append(user)
    sql = f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit WHERE {' AND '.join(where)}"
    with _open(admin) as con:
        rows = con.execute(f"{sql} ORDER BY event_id", params).fetchall()
    return [dict(zip(AUDIT_COLUMNS, row, strict=True)) for row in rows]


def audit_rows(admin: Path, since: dt.date | None = None, user: str | None = None) -> pd.DataFrame:
    """`audit_records` as a frame with the audit's columns (empty when there is none)."""
    return pd.DataFrame(audit_records(admin, since, user), columns=list(AUDIT_COLUMNS))


# --------------------------------------------------------------------------- demo accounts


def is_demo_store(store_path: Path) -> bool:
    """Whether the store holds the demo bank and nothing else.

    True when every load still in the store was the demo generator's (loaded_by
    "demo", file names "demo:<table>") and there is at least one; any load of a
    real extract (or a store without load_history) makes it False.
    """
    if not Path(store_path).exists():
        return False
    try:
        con = store.connect_reader(Path(store_path))
    except (duckdb.Error, OSError):
        return False
    try:
        if "load_history" in store.missing_tables(con):
            return False
        row = con.execute(
            "SELECT count(*) FILTER (WHERE is_demo), count(*) FILTER (WHERE NOT is_demo) FROM ("
            "  SELECT coalesce(loaded_by = 'demo' AND file_name LIKE 'demo:%', FALSE) AS is_demo"
            "  FROM load_history WHERE outcome = 'loaded' AND undone_at IS NULL)"
        ).fetchone()
    except duckdb.Error:
        return False
    finally:
        con.close()
    return bool(row and row[0] > 0 and row[1] == 0)


def ensure_demo_accounts(admin: Path, store_path: Path) -> bool:
    """On first start of the demo bank (no accounts file yet), create the demo accounts."""
    if Path(admin).exists() or not is_demo_store(store_path):
        return False
    for name, role, branches, password in DEMO_ACCOUNTS:
        add_user(admin, name, role, password, branches, by="system", demo=True)
    return True


# --------------------------------------------------------------------------- CLI


def os_user() -> str:
    """The OS account running a command, as the audit names it (`os:NAME`)."""
    try:
        return f"os:{getpass.getuser()}"
    except (KeyError, OSError):
        return "os:unknown"


def _admin_from(args: argparse.Namespace) -> Path:
    return admin_db_for(store.resolve_db(args.db))


def _password_stdin(args: argparse.Namespace) -> str:
    if not args.password_stdin:
        raise _cli_error("pass the password on standard input with --password-stdin")
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def _cli_error(message: str) -> Exception:
    from metrics.errors import CliError

    return CliError(message)


def _cli(fn: Any) -> Any:
    """Turn AccessError into the CLI's one-line error."""

    def run(args: argparse.Namespace) -> int:
        try:
            return int(fn(args))
        except AccessError as exc:
            raise _cli_error(str(exc)) from exc

    return run


@_cli
def _cmd_add(args: argparse.Namespace) -> int:
    password = _password_stdin(args)
    user = add_user(
        _admin_from(args), args.name, args.role, password, args.branch or (), by=os_user()
    )
    scope = ", ".join(user.branches) if user.branches else "all branches"
    print(f"Added {user.name} ({user.role}, {scope}) to {_admin_from(args)}")
    return 0


@_cli
def _cmd_list(args: argparse.Namespace) -> int:
    frame = list_users(_admin_from(args))
    if frame.empty:
        print("No accounts.")
        return 0
    for r in frame.itertuples(index=False):
        state = "disabled" if r.disabled else "active"
        scope = str(r.branches) or "all branches"
        demo = " demo" if r.demo else ""
        print(f"{r.name}\t{r.role}\t{scope}\t{state}{demo}")
    return 0


@_cli
def _cmd_set_role(args: argparse.Namespace) -> int:
    set_role(_admin_from(args), args.name, args.role, args.branch or (), by=os_user())
    print(f"{args.name} is now {args.role}")
    return 0


@_cli
def _cmd_set_password(args: argparse.Namespace) -> int:
    set_password(_admin_from(args), args.name, _password_stdin(args), by=os_user())
    print(f"Password of {args.name} changed")
    return 0


@_cli
def _cmd_disable(args: argparse.Namespace) -> int:
    set_disabled(_admin_from(args), args.name, True, by=os_user())
    print(f"{args.name} is disabled")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = dt.date.fromisoformat(args.since)
        except ValueError as exc:
            raise _cli_error(f"--since: {args.since!r} is not a date (YYYY-MM-DD)") from exc
    records = audit_records(_admin_from(args), since=since, user=args.user)
    if args.json:
        for rec in records:
            rec["event_at"] = str(rec["event_at"])
            rec["detail"] = json.loads(rec["detail"]) if rec["detail"] else None
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    for rec in records:
        cells = [
            rec[k] for k in ("event_at", "user_name", "action", "outcome", "address", "detail")
        ]
        print("\t".join("" if v is None else str(v) for v in cells))
    return 0


def register_cli(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`users add/list/set-role/set-password/disable` and `audit`."""
    db_help = "store path (default: $CRM_DB or data/crm.duckdb); accounts live beside it"
    users = sub.add_parser("users", help="Accounts: add, list, set-role, set-password, disable")
    usub = users.add_subparsers(dest="users_command", required=True)

    add = usub.add_parser("add", help="Create an account (password read from stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--branch", action="append", help="a manager's branch id (repeatable)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(handler=_cmd_add)

    lst = usub.add_parser("list", help="Every account: name, role, branches, state")
    lst.set_defaults(handler=_cmd_list)

    role = usub.add_parser("set-role", help="Change an account's role (and a manager's branches)")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    role.add_argument("--branch", action="append", help="a manager's branch id (repeatable)")
    role.set_defaults(handler=_cmd_set_role)

    pw = usub.add_parser("set-password", help="Replace a password (read from stdin)")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    pw.set_defaults(handler=_cmd_set_password)

    dis = usub.add_parser("disable", help="Disable an account")
    dis.add_argument("name")
    dis.set_defaults(handler=_cmd_disable)

    for p in (add, lst, role, pw, dis):
        p.add_argument("--db", default=None, help=db_help)

    aud = sub.add_parser("audit", help="The audit trail: sign-ins, views, exports, loads, accounts")
    aud.add_argument("--since", default=None, help="from this day on (YYYY-MM-DD)")
    aud.add_argument("--user", default=None, help="only this user's events")
    aud.add_argument("--json", action="store_true", help="print JSON")
    aud.add_argument("--db", default=None, help=db_help)
    aud.set_defaults(handler=_cmd_audit)
