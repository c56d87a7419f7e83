"""The exception tree and its one table: every error of opentrade has a stable code, an exit code and an HTTP
status, read from ERROR_TABLE by the CLI and by the HTTP handlers alike."""

from __future__ import annotations

import inspect

import pytest

from opentrade import errors
from opentrade.errors import (
    ERROR_CODES,
    ERROR_TABLE,
    ConfigError,
    ImportRejected,
    InputFileError,
    LoginRefused,
    NotFound,
    OpentradeError,
    ReferenceDataError,
    ScheduleError,
    StorageFullError,
    StoreError,
    TokenRefused,
    TransitionError,
    VersionConflict,
    exit_code_of,
    http_status_of,
    mapping_of,
)

EVERY_ERROR = [cls for _name, cls in inspect.getmembers(errors, inspect.isclass)
               if issubclass(cls, OpentradeError)]


def test_every_error_class_has_its_own_row_and_a_unique_code() -> None:
    assert len(EVERY_ERROR) == len(ERROR_TABLE) == len(set(ERROR_CODES))
    for cls in EVERY_ERROR:
        row = next(mapping for base, mapping in ERROR_TABLE if base is cls)
        assert mapping_of(cls) == row, f"{cls.__name__} is matched by a base's row first: order the table"


@pytest.mark.parametrize(("cls", "code", "exit_code", "status"), [
    (NotFound, "not_found", 1, 404),
    (InputFileError, "input_file", 2, 422),
    (ImportRejected, "import_rejected", 2, 422),
    (TransitionError, "transition", 2, 400),
    (VersionConflict, "version_conflict", 3, 409),
    (ScheduleError, "schedule", 2, 400),
    (LoginRefused, "login_refused", 1, 401),
    (TokenRefused, "token_refused", 1, 403),
    (ConfigError, "config", 1, 400),
    (StorageFullError, "storage_full", 1, 507),
    (StoreError, "store", 1, 503),
    (ReferenceDataError, "reference_data", 1, 500),
    (OpentradeError, "error", 1, 400),
])
def test_the_table(cls: type[OpentradeError], code: str, exit_code: int, status: int) -> None:
    assert (cls.code, cls.exit_code, cls.http_status) == (code, exit_code, status)
    assert (exit_code_of(cls), http_status_of(cls)) == (exit_code, status)


def test_instances_read_the_table_too() -> None:
    conflict = VersionConflict(7, expected=2, current=3)
    assert (conflict.code, conflict.exit_code, http_status_of(conflict)) == ("version_conflict", 3, 409)
    assert "version 2" in str(conflict) and "version 3" in str(conflict)
    assert not isinstance(TransitionError("p", "lead", "won", "rule"), ConfigError)  # its own kind now
    assert str(ScheduleError(["a", "b", "c", "d", "e"])) == "a; b; c; and 2 more"
    assert LoginRefused("locked", 60).retry_after == 60 and InputFileError("f.csv", "bad").exit_code == 2


def test_a_subclass_of_our_own_takes_the_row_of_its_nearest_base() -> None:
    class CatalogueMissing(ConfigError):
        pass

    assert mapping_of(CatalogueMissing).code == "config" and CatalogueMissing().http_status == 400
