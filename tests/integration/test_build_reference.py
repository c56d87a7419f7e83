"""The shipped reference snapshot is exactly what scripts/build_reference.py derives from the staged public data
(skipped where the staged data are not beside the repository)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from opentrade.refdata.reference import FILES, SHIPPED_DIR

REPO = Path(__file__).resolve().parents[2]
SOURCE = next((p / "shared" / "data" / "public" for p in REPO.parents if (p / "shared" / "data" / "public").is_dir()),
              None)


@pytest.mark.slow
@pytest.mark.skipif(SOURCE is None, reason="staged public data (shared/data/public) not present")
def test_build_reproduces_the_shipped_snapshot(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "build_reference.py"), "--source", str(SOURCE),
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    for fname in [*FILES.values(), "README.md"]:
        assert (tmp_path / fname).read_bytes() == (SHIPPED_DIR / fname).read_bytes(), fname
