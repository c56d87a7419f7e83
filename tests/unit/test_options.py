"""Options: what a use case is handed by its edge instead of reading the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from opentrade.config import Settings, get_settings
from opentrade.options import Options, given


def test_options_from_settings_and_changes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, framework_version="2025", max_import_rows=7, max_import_bytes=1234,
                        max_reported_errors=3)
    opts = Options.from_settings(settings, actor="alice", datum="gcj02")
    assert (opts.framework_version, opts.max_import_rows, opts.max_import_bytes, opts.max_reported_errors) == (
        "2025", 7, 1234, 3)
    assert (opts.actor, opts.datum, opts.reference_dir) == ("alice", "gcj02", tmp_path / "reference")
    assert opts.taxonomy.framework_version == "2025"
    other = opts.replace(actor="bob", ip="10.0.0.1")
    assert (other.actor, other.ip, other.max_import_rows, opts.actor) == ("bob", "10.0.0.1", 7, "alice")
    with pytest.raises(AttributeError):
        opts.actor = "mallory"  # type: ignore[misc]  # frozen: an edge hands out a value, not shared state


def test_a_caller_without_options_gets_the_environments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENTRADE_MAX_IMPORT_ROWS", "42")
    get_settings.cache_clear()
    try:
        assert given(None).max_import_rows == 42
        mine = Options(max_import_rows=5)
        assert given(mine) is mine
    finally:
        get_settings.cache_clear()
