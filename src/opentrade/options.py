"""What a use case needs to know of the settings and of who asks, handed in by the edge that calls it.

Each edge builds one :class:`Options` — the CLI from the environment and the OS user (``cli/common.options``), the
API and the cockpit per request from the application's settings, the principal and the client's address
(``opentrade.http.access.Opts``) — and passes it down. Below the edges nothing reads the environment: the
importer takes its limits, taxonomy and datum from here, the audit log its actor and address.

A service called without options (a script, a test) gets :meth:`Options.from_settings` of the environment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opentrade.config import Settings, get_settings

if TYPE_CHECKING:
    from opentrade.refdata.standards import Taxonomy

SYSTEM = "system"  # the audit log's actor when nobody in particular acts
DATUMS = ("wgs84", "gcj02")


@dataclass(frozen=True)
class Options:
    actor: str = SYSTEM  # who acts, as the audit log records it ("cli:ann", "alice/token:ci" …)
    ip: str | None = None  # where from (HTTP requests)
    framework_version: str = "2023"  # wording of the 1+2+3+4 framework the classifier uses
    digital_economy_map: Path | None = None  # official NBS ↔ GB/T 4754 table replacing the shipped one
    max_import_bytes: int | None = 2 * 1024**3  # largest file an import reads (None: no limit)
    max_import_rows: int = 5_000_000  # most data rows of one import file (0: no limit)
    max_reported_errors: int = 1000  # issues listed on screen or in a response (the rejects file has all)
    datum: str = "wgs84"  # the coordinates' datum in an import file: wgs84, or gcj02 (converted)
    reference_dir: Path | None = None  # a folder of reference files that override the shipped ones

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **changes: Any) -> Options:
        """The options the settings imply (the environment's when ``settings`` is None), with ``changes``."""
        s = settings or get_settings()
        base = cls(framework_version=s.framework_version, digital_economy_map=s.digital_economy_map,
                   max_import_bytes=s.max_import_bytes, max_import_rows=s.max_import_rows,
                   max_reported_errors=s.max_reported_errors, reference_dir=Path(s.data_dir) / "reference")
        return base.replace(**changes)

    def replace(self, **changes: Any) -> Options:
        return dataclasses.replace(self, **changes)

    @property
    def taxonomy(self) -> Taxonomy:
        """The classification tables these options name (read once per process and version)."""
        from opentrade.refdata.standards import load_taxonomy

        return load_taxonomy(self.framework_version, self.digital_economy_map)


def given(options: Options | None) -> Options:
    """``options``, or the environment's when a caller passed none."""
    return options if options is not None else Options.from_settings()
