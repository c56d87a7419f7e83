"""The one exception tree of opentrade, and the one table that maps it to exit codes and HTTP statuses.

    OpentradeError               code                 exit  HTTP
    ├── ConfigError              config               1     400   bad settings, parameters or configuration files
    ├── ReferenceDataError       reference_data       1     500   a reference table is missing or malformed
    ├── StoreError               store                1     503   the database cannot be opened, migrated or written
    │   └── StorageFullError     storage_full         1     507   the disk (or the database's page limit) is full
    ├── InputFileError           input_file           2     422   a file cannot be read at all (encoding, format, size)
    ├── ImportRejected           import_rejected      2     422   a readable file has invalid rows (the report)
    ├── NotFound                 not_found            1     404   a record asked for does not exist
    ├── TransitionError          transition           2     400   a pipeline stage move the rules forbid
    ├── VersionConflict          version_conflict     3     409   changed by someone else since it was read
    ├── ScheduleError            schedule             2     400   an expo schedule request is malformed or infeasible
    ├── LoginRefused             login_refused        1     401   a sign-in refused (wrong password, locked, throttled)
    └── TokenRefused             token_refused        1     403   a bearer token unknown, revoked, expired or disabled

Edges look the numbers up here (:func:`exit_code_of`, :func:`http_status_of`) and nowhere else; the stable
``code`` of each error is translated in the catalogues (``i18n/locales/errors.<lang>.json``, key
``error.<code>``), so a page can name the kind of error in the reader's language. Users never see a traceback for
bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from opentrade.ingest.report import RejectReport


class _FromTable:
    """A class attribute read from :data:`ERROR_TABLE` (``StorageFullError.exit_code`` as well as ``exc.code``)."""

    def __init__(self, field: str):
        self.field = field

    def __get__(self, obj: object, cls: type[OpentradeError]) -> Any:
        return getattr(mapping_of(cls), self.field)


class OpentradeError(Exception):
    """Base of every error opentrade raises on purpose; ``code``, ``exit_code`` and ``http_status`` come from
    :data:`ERROR_TABLE`."""

    code = _FromTable("code")
    exit_code = _FromTable("exit_code")
    http_status = _FromTable("http_status")


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

    def __str__(self) -> str:
        where = f"{self.path}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRejected(OpentradeError):
    """Some rows broke a rule; nothing was written. ``report`` lists every issue."""

    def __init__(self, report: RejectReport):
        self.report = report
        super().__init__(report.summary())


class TransitionError(OpentradeError):
    """A stage move the pipeline rules forbid: names the project, the stages and the rule."""

    def __init__(self, project: str, from_stage: str | None, to_stage: str, rule: str):
        self.project, self.from_stage, self.to_stage, self.rule = project, from_stage, to_stage, rule
        super().__init__(f"project {project}: cannot move {from_stage or '(none)'} → {to_stage}: {rule}")


class VersionConflict(OpentradeError):
    """The record changed since the caller read it (optimistic locking): reload and try again."""

    def __init__(self, project_id: int, expected: int, current: int | None):
        self.project_id, self.expected, self.current = project_id, expected, current
        now = f"it is now at version {current}" if current is not None else "it changed"
        super().__init__(f"project {project_id} was changed by someone else since you read version {expected} "
                         f"({now}); reload it and try again")


class ScheduleError(OpentradeError):
    """The request is malformed or provably unschedulable; the message names the culprit in plain English.

    ``problems`` lists every culprit of the first kind found (the message shows the first three)."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        more = len(self.problems) - 3
        super().__init__("; ".join(self.problems[:3]) + (f"; and {more:,} more" if more > 0 else ""))


class LoginRefused(OpentradeError):
    """Sign-in refused: ``reason`` is invalid (user or password), locked (the account) or throttled (the IP)."""

    def __init__(self, reason: str, retry_after: int = 0):
        self.reason, self.retry_after = reason, retry_after
        super().__init__({"invalid": "wrong user name or password", "locked": "account locked for a while",
                          "throttled": "too many failed sign-ins from this address"}[reason])


class TokenRefused(OpentradeError):
    """A bearer token that is unknown, revoked, expired or belongs to a disabled user."""


# --- the one table ----------------------------------------------------------------------------------------------


class ErrorMapping(NamedTuple):
    code: str  # stable: API clients and the catalogues key on it
    exit_code: int  # the CLI's exit status: 1 an error, 2 bad input, 3 a conflict to retry
    http_status: int


#: first match wins, so subclasses come before their bases
ERROR_TABLE: tuple[tuple[type[OpentradeError], ErrorMapping], ...] = (
    (NotFound, ErrorMapping("not_found", 1, 404)),
    (InputFileError, ErrorMapping("input_file", 2, 422)),
    (ImportRejected, ErrorMapping("import_rejected", 2, 422)),
    (TransitionError, ErrorMapping("transition", 2, 400)),
    (VersionConflict, ErrorMapping("version_conflict", 3, 409)),
    (ScheduleError, ErrorMapping("schedule", 2, 400)),
    (LoginRefused, ErrorMapping("login_refused", 1, 401)),
    (TokenRefused, ErrorMapping("token_refused", 1, 403)),
    (ConfigError, ErrorMapping("config", 1, 400)),
    (StorageFullError, ErrorMapping("storage_full", 1, 507)),
    (StoreError, ErrorMapping("store", 1, 503)),
    (ReferenceDataError, ErrorMapping("reference_data", 1, 500)),
    (OpentradeError, ErrorMapping("error", 1, 400)),
)


def mapping_of(exc: OpentradeError | type[OpentradeError]) -> ErrorMapping:
    cls = exc if isinstance(exc, type) else type(exc)
    return next(mapping for base, mapping in ERROR_TABLE if issubclass(cls, base))


def exit_code_of(exc: OpentradeError | type[OpentradeError]) -> int:
    return mapping_of(exc).exit_code


def http_status_of(exc: OpentradeError | type[OpentradeError]) -> int:
    return mapping_of(exc).http_status


ERROR_CODES: tuple[str, ...] = tuple(mapping.code for _cls, mapping in ERROR_TABLE)
