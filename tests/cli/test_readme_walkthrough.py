"""The README's walkthrough runs as written: its commands, read from README.md between the
``<!-- walkthrough -->`` markers, each run by a shell in a separate process (``offboard`` is
``python -m tui.cli``) on a fresh SQLite file with the demo loaded, as the team lead the README
names. Every line exits 0; before Process the customer reads ready, and at the end processed.

The demo's dates follow the real clock and the walkthrough gives relative dates (+1y, +30d), so
nothing here depends on the day it runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- walkthrough -->\s*```sh\n(?P<body>.*?)```\s*<!-- /walkthrough -->", re.S)
USER = "root"  # "as the team lead (OFFBOARD_USER=root or your login)"


def walkthrough() -> list[str]:
    """The walkthrough's command lines, as README.md has them (comments and all)."""
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found is not None, "README.md has no <!-- walkthrough --> ```sh … ``` block"
    return [line for line in found["body"].splitlines() if line.strip()]


def environment(tmp_path: Path) -> dict[str, str]:
    """Nothing of the real OFFBOARD_* settings or user folders; ``offboard`` on the PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "offboard"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tui.cli "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OFFBOARD_") and key != "PYTHONPATH"
    }
    env.update(
        OFFBOARD_DATABASE=str(tmp_path / "walkthrough.db"),
        OFFBOARD_USER=USER,
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def shell(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["/bin/sh", "-c", line],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, (line, result.stderr)
    return result


def test_the_walkthrough_runs_as_written_and_ends_processed(tmp_path: Path) -> None:
    lines = walkthrough()
    assert all(line.startswith("offboard ") for line in lines), lines
    assert lines[-1].split("#")[0].split() == ["offboard", "show", "100024"]
    env = environment(tmp_path)
    loaded = shell("offboard demo", env)  # "With the demo data (`offboard demo`)"
    assert loaded.returncode == 0, loaded.stderr

    outputs = []
    for line in lines:
        result = shell(line, env)
        assert result.returncode == 0, (line, result.stderr)
        outputs.append(result.stdout)

    process = next(n for n, line in enumerate(lines) if line.startswith("offboard process "))
    before = outputs[process - 1]
    assert lines[process - 1].startswith("offboard show 100024")
    # Ready for Process, and it says so truly: what is left is left for Close, not BLOCKING.
    assert "\nReady for Process; left for Close: " in before
    assert "BLOCKING" not in before
    assert "Cancellation processed " in outputs[-1]
    assert "Cancelled — termination case open: " in outputs[-1]
    assert "  Status        Cancelled" in outputs[-1]
