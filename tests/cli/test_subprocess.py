"""The command as a script runs it: a separate process, real exit codes, real stdout/stderr."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def environment(tmp_path: Path, database: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OFFBOARD_") and key != "PYTHONPATH"
    }
    env.update(
        OFFBOARD_DATABASE=str(database),
        OFFBOARD_USER="lead",
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
    )
    return env


def offboard(
    command: list[str], env: dict[str, str], *argv: str
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*command, *argv], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in result.stderr
    return result


def test_python_m_tui_cli_end_to_end(tmp_path: Path) -> None:
    env = environment(tmp_path, tmp_path / "script.db")
    command = [sys.executable, "-m", "tui.cli"]

    loaded = offboard(command, env, "demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "40 customers" in loaded.stdout

    listed = offboard(command, env, "list", "--json", "--status", "live-pc")
    assert listed.returncode == 0
    assert [row["account"] for row in json.loads(listed.stdout)] == ["100015", "100011", "100012"]

    refused = offboard(command, env, "process", "100011")
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr.startswith("offboard: Not ready:")
    assert "Sales orders" in refused.stderr

    again = offboard(command, env, "demo")
    assert again.returncode == 1
    assert "--force" in again.stderr

    usage = offboard(command, env, "frobnicate")
    assert usage.returncode == 2
    assert "invalid choice: 'frobnicate'" in usage.stderr


def test_the_installed_console_script(tmp_path: Path) -> None:
    script = shutil.which("offboard", path=str(Path(sys.executable).parent)) or shutil.which(
        "offboard"
    )
    if script is None:
        pytest.skip("the offboard console script is not installed (pip install -e .)")
    env = environment(tmp_path, tmp_path / "installed.db")
    version = offboard([script], env, "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("offboard ")
    assert offboard([script], env, "demo").returncode == 0
    shown = offboard([script], env, "show", "100012", "--json")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["cancellation"]["begun_by"] == "Lead"
    unknown = offboard([script], env, "begin", "100001", "--user", "stranger")
    assert unknown.returncode == 1
    assert "offboard users add stranger" in unknown.stderr


@pytest.mark.parametrize(
    "location",
    [
        "postgresql://postgres@[::1/x",  # the error handler itself raised ValueError on this
        "postgresql://postgres:secret@127.0.0.1:99999/x",
        "postgresql://postgres:secret@127.0.0.1:port/x",
        "nosuch://somewhere/x",
    ],
)
def test_a_malformed_database_url_is_one_line_with_no_traceback(
    tmp_path: Path, location: str
) -> None:
    env = environment(tmp_path, tmp_path / "unused.db")
    result = offboard([sys.executable, "-m", "tui.cli"], env, "list", "--db", location)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("offboard: ")
    assert result.stderr.count("\n") == 1
    assert "secret" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def read_only_mount_command(folder: Path, argv: list[str]) -> list[str]:
    """``argv`` run with ``folder`` bind-mounted read-only in a mount namespace of its own: a
    read-only folder that binds root too (chmod does not)."""
    remount = f"mount --bind {folder} {folder} && mount -o remount,bind,ro {folder}"
    return ["unshare", "--mount", "sh", "-c", f'{remount} && exec "$@"', "sh", *argv]


def test_a_database_on_a_read_only_file_system_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    database = folder / "offboard.db"
    env = environment(tmp_path, database)
    command = [sys.executable, "-m", "tui.cli"]
    assert offboard(command, env, "demo").returncode == 0
    probe = subprocess.run(
        read_only_mount_command(folder, ["true"]), capture_output=True, text=True, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {probe.stderr.strip()}")
    before = database.read_bytes()

    result = offboard(read_only_mount_command(folder, command), env, "begin", "100001")

    assert result.returncode == 1
    assert result.stderr == (
        f"offboard: Cannot open the database {database}: its folder {folder} is on a read-only "
        "file system. Fix that, or give another --db path.\n"
    )
    assert database.read_bytes() == before
