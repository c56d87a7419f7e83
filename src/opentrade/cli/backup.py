"""``opentrade backup PATH`` and ``opentrade restore PATH``: the whole database, checked on the way back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from opentrade.cli.common import console, database, err_console, handles_errors


@handles_errors
def backup(
    path: Annotated[Path, typer.Argument(help="Backup file to write (a folder: a time-stamped file inside it). "
                                              "PATH.json, its metadata, is written beside it.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the backup's metadata as JSON.")] = False,
) -> None:
    """Back up the database while it is in use: SQLite's online backup, or pg_dump -Fc for PostgreSQL."""
    from opentrade.services.backup import backup as run_backup
    from opentrade.services.backup import info_dict

    db = database(migrate=False)  # a backup taken before `db upgrade` must show the schema as it was
    info = run_backup(db, path, overwrite=force)
    if as_json:
        typer.echo(json.dumps(info_dict(info), ensure_ascii=False, indent=2))
        return
    rows = sum(info.counts.values())
    console.print(f"backup written: {info.path} ({info.size_bytes:,} bytes, schema {info.revision}, {rows:,} rows, "
                  f"{info.seconds:.1f} s)", highlight=False)
    console.print(f"metadata: {info.metadata_path} (content checksum {info.content_checksum or 'n/a'})",
                  highlight=False)


@handles_errors
def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `opentrade backup` (with PATH.json beside it).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Replace the database's content with a backup, after checking the backup; migrates it to the newest schema."""
    from opentrade.services.backup import read_metadata, redacted
    from opentrade.services.backup import restore as run_restore

    meta = read_metadata(path)  # refuses foreign or damaged files before anything is asked
    db = database(migrate=False)
    rows = sum((meta.get("counts") or {}).values())
    console.print(f"backup of {meta.get('source')} taken {meta.get('created_at')}: schema {meta.get('revision')}, "
                  f"{rows:,} rows", highlight=False)
    if not yes:
        typer.confirm(f"Replace everything in {redacted(db.url)} with this backup?", abort=True, err=True)
    result = run_restore(db, path)
    if result.migrated:
        console.print(f"migrated the restored database from schema {result.from_revision} to "
                      f"{result.to_revision}", highlight=False)
    verdict = ("equals the backup's" if result.checksum_verified
               else "backup verified by its SHA-256 (recorded under another schema revision)")
    console.print(f"restored {sum(result.counts.values()):,} rows into {redacted(db.url)} in {result.seconds:.1f} s; "
                  f"content checksum {result.content_checksum[:16]}… {verdict}", highlight=False)
    if not result.checksum_verified:
        err_console.print("note: the content checksum could only be compared at the same schema revision",
                          highlight=False)
