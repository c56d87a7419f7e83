"""``opentrade users …`` and ``opentrade audit`` (administration): users, roles and API tokens, and the audit log.

Run on the server by whoever may open the database; every change is recorded as ``cli:<os user>``.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from opentrade.cli.common import console, database, handles_errors, options
from opentrade.errors import ConfigError

users_app = typer.Typer(help="Users, roles (viewer, analyst, admin) and API tokens.", no_args_is_help=True)

Role = Annotated[str, typer.Option("--role", help="viewer (read), analyst (read, import, edit) or admin (all).")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input "
                                                                      "(first line) instead of a hidden prompt.")]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise ConfigError("no password on standard input")
        return line.rstrip("\r\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


def _when(value: dt.datetime | None) -> str:
    return "" if value is None else value.isoformat(sep=" ", timespec="minutes") + " UTC"


DURATION = re.compile(r"^(\d{1,5})([dhw])$")


def parse_expiry(text: str) -> dt.timedelta | None:
    """``30d``, ``12h``, ``8w`` or ``never``."""
    if text.strip().lower() == "never":
        return None
    match = DURATION.match(text.strip().lower())
    if not match or int(match[1]) == 0:
        raise typer.BadParameter(f"{text!r}: write a lifetime like 30d, 12h, 8w, or never", param_hint="--expires")
    n, unit = int(match[1]), match[2]
    return {"d": dt.timedelta(days=n), "h": dt.timedelta(hours=n), "w": dt.timedelta(weeks=n)}[unit]


@users_app.command("add")
@handles_errors
def add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Role = "viewer",
    display_name: Annotated[str | None, typer.Option("--display-name", help="Name shown in the cockpit.")] = None,
    password_stdin: PasswordStdin = False,
    no_password: Annotated[bool, typer.Option("--no-password", help="A user for API tokens only: cannot sign "
                                                                    "in to the cockpit.")] = False,
) -> None:
    """Add a user (asks for a password unless --no-password)."""
    from opentrade.services.auth import add_user, check_role

    check_role(role)
    password = None if no_password else _password(password_stdin)
    user = add_user(database(), name, role=role, password=password, display_name=display_name, actor=options().actor)
    console.print(f"added {user['username']} ({user['role']})", highlight=False)


@users_app.command("list")
@handles_errors
def list_() -> None:
    """Users, their roles and sign-in state."""
    from opentrade.services.auth import list_users

    table = Table("user", "name", "role", "active", "last sign-in", "locked until", title="Users")
    for u in list_users(database()):
        table.add_row(u["username"], u["display_name"] or "", u["role"], "yes" if u["active"] else "no",
                      _when(u["last_login_at"]), _when(u["locked_until"]))
    console.print(table)


@users_app.command("disable")
@handles_errors
def disable(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Disable a user: no more sign-ins; their sessions and tokens stop working."""
    from opentrade.services.auth import disable_user

    disable_user(database(), name, actor=options().actor)
    console.print(f"disabled {name}", highlight=False)


@users_app.command("password")
@handles_errors
def password(name: Annotated[str, typer.Argument(help="User name.")], password_stdin: PasswordStdin = False) -> None:
    """Set a user's password (ends their cockpit sessions, lifts a lock)."""
    from opentrade.services.auth import set_password

    set_password(database(), name, _password(password_stdin), actor=options().actor)
    console.print(f"password of {name} set", highlight=False)


@users_app.command("token")
@handles_errors
def token(
    name: Annotated[str, typer.Argument(help="The user the token acts for.")],
    token_name: Annotated[str, typer.Option("--name", help="What the token is for (e.g. nightly-import).")],
    scope: Annotated[list[str], typer.Option("--scope", help="read, import, edit or admin (repeatable); within "
                                                             "the user's role.")],
    expires: Annotated[str, typer.Option("--expires", help="Lifetime: 30d, 12h, 8w or never.")] = "90d",
) -> None:
    """Make an API token and print it — once: only its SHA-256 is kept."""
    from opentrade.services.auth import create_token

    plain, record = create_token(database(), name, name=token_name, scopes=scope, expires_in=parse_expiry(expires),
                                 actor=options().actor)
    console.print(f"token {record['id']} for {name} ({', '.join(record['scopes'])}; expires "
                  f"{_when(record['expires_at']) or 'never'}). Copy it now, it is not shown again:",
                  highlight=False)
    typer.echo(plain)


@users_app.command("tokens")
@handles_errors
def tokens(name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None) -> None:
    """API tokens (never the tokens themselves)."""
    from opentrade.services.auth import list_tokens

    table = Table("id", "user", "name", "scopes", "created", "expires", "revoked", "last used", title="API tokens")
    for t in list_tokens(database(), name):
        table.add_row(str(t["id"]), t["username"], t["name"], ", ".join(t["scopes"]), _when(t["created_at"]),
                      _when(t["expires_at"]) or "never", _when(t["revoked_at"]), _when(t["last_used_at"]))
    console.print(table)


@users_app.command("revoke")
@handles_errors
def revoke(token_id: Annotated[int, typer.Argument(help="Token id (see `opentrade users tokens`).")]) -> None:
    """Revoke an API token at once."""
    from opentrade.services.auth import revoke_token

    revoke_token(database(), token_id, actor=options().actor)
    console.print(f"token {token_id} revoked", highlight=False)


def _since(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD) or time", param_hint="--since") from None


@handles_errors
def audit_command(
    since: Annotated[str | None, typer.Option("--since", help="From this date or time (UTC).")] = None,
    action: Annotated[str | None, typer.Option("--action", help="Only this action (import, login_failed …).")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Entries shown on screen (newest).")] = 50,
    out: Annotated[Path | None, typer.Option("--out", help="Write every matching entry to a .csv or .xlsx "
                                                           "file (cells starting = + - @ escaped).")] = None,
) -> None:
    """The audit log: who changed what, when, from where (append-only)."""
    from opentrade.services.audit_log import AuditFilter, audit_frame, audit_page
    from opentrade.services.exporter import write_frame

    flt = AuditFilter(since=_since(since), actor=actor, action=action)
    db = database()
    if out is not None:
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx"):
            raise ConfigError(f"{out}: write a .csv or .xlsx file")
        frame = audit_frame(db, flt)
        write_frame(frame, out, fmt=fmt)
        console.print(f"wrote {frame.height:,} audit entries to {out}", highlight=False)
        return
    found = audit_page(db, flt, page=1, page_size=limit)
    items, total = found.items, found.total
    table = Table("id", "at (UTC)", "actor", "action", "entity", "detail", "ip",
                  title=f"Audit log: {min(total, limit)} newest of {total:,}")
    for e in items:
        what = f"{e['entity']} {e['entity_id'] or ''}".strip()
        change = e["detail"] or ", ".join(f"{k}={v}" for k, v in (e["after"] or {}).items())
        table.add_row(str(e["id"]), _when(e["at"]).removesuffix(" UTC"), e["actor"], e["action"], what,
                      change[:120], e["ip"] or "")
    console.print(table)
