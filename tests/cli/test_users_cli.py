"""`opentrade users …` and `opentrade audit`: users, tokens (printed once), revocation, the audit log and its
export; every change recorded as cli:<os user>."""

from __future__ import annotations

import getpass
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from opentrade.cli.main import app
from opentrade.services import auth
from opentrade.store.db import Database
from opentrade.store.models import ApiToken, AppUser, AuditLog
from tests.conftest import make_uscc, write_csv

runner = CliRunner()


def test_users_tokens_and_the_audit_log(db: Database, tmp_path: Path) -> None:
    me = f"cli:{getpass.getuser()}"
    added = runner.invoke(app, ["users", "add", "ann", "--role", "analyst", "--display-name", "Ann Li",
                                "--password-stdin"], input="a long password\n")
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["users", "add", "ann", "--role", "viewer", "--no-password"]).exit_code == 1
    assert runner.invoke(app, ["users", "add", "bob", "--role", "boss", "--no-password"]).exit_code == 1
    short = runner.invoke(app, ["users", "add", "cy", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "10 to" in short.output
    prompted = runner.invoke(app, ["users", "add", "dee", "--role", "admin"], input="another long one\n" * 2)
    assert prompted.exit_code == 0 and "another long one" not in prompted.output  # the prompt hides it
    with db.engine.connect() as conn:
        hashes = dict(conn.execute(select(AppUser.username, AppUser.password_hash)).all())
    assert set(hashes) == {"ann", "dee"} and all(h.startswith("$argon2id$") for h in hashes.values())
    principal, _ = auth.authenticate(db, "ann", "a long password", ip="10.0.0.1", window=auth.SlidingWindow())
    assert principal.role == "analyst" and principal.display_name == "Ann Li"

    made = runner.invoke(app, ["users", "token", "ann", "--name", "nightly", "--scope", "import", "--scope", "read",
                               "--expires", "30d"])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith(auth.TOKEN_PREFIX) and auth.verify_token(db, token).actor == "ann/token:nightly"
    beyond = runner.invoke(app, ["users", "token", "ann", "--name", "x", "--scope", "admin"])
    assert beyond.exit_code == 1 and "does not grant" in beyond.output
    assert runner.invoke(app, ["users", "token", "ann", "--name", "x", "--scope", "read",
                               "--expires", "soon"]).exit_code == 2
    listed = runner.invoke(app, ["users", "tokens", "ann"])
    assert listed.exit_code == 0 and "nightly" in listed.output and token not in listed.output
    with db.engine.connect() as conn:
        token_id = conn.execute(select(ApiToken.id).where(ApiToken.name == "nightly")).scalar_one()
    assert runner.invoke(app, ["users", "revoke", str(token_id)]).exit_code == 0
    assert runner.invoke(app, ["users", "revoke", "999"]).exit_code == 1
    assert runner.invoke(app, ["users", "disable", "dee"]).exit_code == 0
    users = runner.invoke(app, ["users", "list"])
    assert users.exit_code == 0 and "ann" in users.output and "analyst" in users.output

    firms = write_csv(tmp_path / "firms.csv", ["uscc", "name_zh", "ownership"], [[make_uscc(1), "甲", "domestic"]])
    assert runner.invoke(app, ["import", "enterprises", str(firms)]).exit_code == 0

    with db.engine.connect() as conn:
        entries = conn.execute(select(AuditLog.action, AuditLog.actor).order_by(AuditLog.id)).all()
    assert [a for a, _ in entries] == ["user_added", "user_added", "login", "token_created", "token_revoked",
                                       "user_disabled", "import"]
    assert {actor for action, actor in entries if action != "login"} == {me}

    shown = runner.invoke(app, ["audit", "--action", "import"])
    assert shown.exit_code == 0 and "enterprise" in shown.output and "user_added" not in shown.output
    out = tmp_path / "audit.xlsx"
    assert runner.invoke(app, ["audit", "--since", "2000-01-01", "--out", str(out)]).exit_code == 0
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("id", "at", "actor", "action") and len(rows) == len(entries) + 1
    assert runner.invoke(app, ["audit", "--out", str(tmp_path / "audit.pdf")]).exit_code == 1
    assert runner.invoke(app, ["audit", "--since", "yesterday"]).exit_code == 2
