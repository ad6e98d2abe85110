"""What a fresh interpreter has imported after running some code: the start-up and lazy-command
tests check through it that modules are loaded only when first needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_after(code: str, tmp_path: Path) -> list[str]:
    """The modules a fresh interpreter holds after running ``code``, with no offboard settings
    of this machine (a home, data and config folders of its own under ``tmp_path``)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OFFBOARD_") and key != "PYTHONPATH"
    }
    env.update(
        OFFBOARD_DATABASE=str(tmp_path / "none.db"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
    )
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    names: list[str] = json.loads(result.stdout.splitlines()[-1])
    return names
