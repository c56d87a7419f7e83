"""scripts/fault_kill.py in small: a few SIGKILLs at seeded random moments of a 20,000-row import (updates and
inserts), each followed by the checks of the full script (integrity, before-or-complete, restart with no manual
step). The full run — 50 kills of a 60,000-row import — is `python scripts/fault_kill.py`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import databases

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, databases.sqlite_only]


def test_killed_imports_never_leave_half_a_file(tmp_path: Path) -> None:
    out = tmp_path / "fault_kill.json"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "fault_kill.py"), "--kills", "4", "--rows", "20000",
                           "--seed", "20240614", "--workdir", str(tmp_path / "work"), "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(out.read_text())
    assert figures["kills"] >= 4 and figures["failures"] == figures["data_lost"] == 0
    assert figures["killed_before_commit"] + figures["killed_after_commit"] == figures["kills"]
    assert figures["restart_failures"] == figures["integrity_failures"] == 0
