"""The one exception tree of opentrade.

    OpentradeError
    ├── ConfigError              bad settings or configuration files
    ├── ReferenceDataError       a shipped or user-supplied reference table is missing or malformed
    ├── StoreError               the database cannot be opened, migrated or written
    │   └── StorageFullError     the disk (or the database's page limit) is full
    ├── InputFileError           a file cannot be read at all (encoding, format, headers, size)
    ├── ImportRejected           a readable file has invalid rows; carries the row-by-row report
    └── NotFound                 a record asked for does not exist

Edges (CLI, API) map these to exit codes / HTTP statuses; users never see a traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentrade.ingest.report import RejectReport


class OpentradeError(Exception):
    """Base of every error opentrade raises on purpose."""

    exit_code = 1


class ConfigError(OpentradeError):
    pass


class ReferenceDataError(OpentradeError):
    pass


class StoreError(OpentradeError):
    pass


class StorageFullError(StoreError):
    pass


class NotFound(OpentradeError):
    pass


@dataclass
class InputFileError(OpentradeError):
    """The file as a whole is unusable; ``path`` and ``reason`` say why (and ``column`` when a header is at fault)."""

    path: str
    reason: str
    column: str | None = None

    exit_code = 2

    def __str__(self) -> str:
        where = f"{self.path}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRejected(OpentradeError):
    """Some rows broke a rule; nothing was written. ``report`` lists every issue."""

    exit_code = 2

    def __init__(self, report: RejectReport):
        self.report = report
        super().__init__(report.summary())
