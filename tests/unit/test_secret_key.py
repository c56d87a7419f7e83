"""The cookie-signing key: configured, else generated once into the data folder with mode 0600 — the same key for
every process that starts at once."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from opentrade.config import Settings
from opentrade.errors import ConfigError
from opentrade.http.sessions import SECRET_FILE, load_secret


def _settings(folder: Path, **values) -> Settings:
    return Settings(data_dir=folder, database_url="sqlite://", **values)


def test_generated_once_private_and_shared(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_secret(_settings(folder)), range(16)))
    assert len(keys) == 1 and len(keys.pop()) >= 32
    path = folder / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in folder.iterdir()) == [SECRET_FILE]  # no temporary files left
    assert load_secret(_settings(folder)) == path.read_text().strip()


def test_a_configured_key_wins_and_must_be_long(tmp_path: Path) -> None:
    key = "k" * 40
    assert load_secret(_settings(tmp_path, secret_key=key)) == key
    assert not (tmp_path / SECRET_FILE).exists()
    with pytest.raises(ConfigError, match="at least 32"):
        load_secret(_settings(tmp_path, secret_key="short"))
    (tmp_path / SECRET_FILE).write_text("\n")
    with pytest.raises(ConfigError, match="no usable key"):
        load_secret(_settings(tmp_path))
