"""Fixtures for the command-line tests: an isolated environment, SQLite files, and ``run``.

The demo set is loaded once per session into a template file and copied for each test that
needs it, so every test starts from the same data without paying for a fresh load.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from data.db import database, open_database
from data.demo import load
from tui.cli import main

LEAD = "lead"  # the login the tests run as; the demo adds it as a team lead (both roles)


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


def _close() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the real OFFBOARD_* settings or writes to the real user data folder."""
    monkeypatch.delenv("OFFBOARD_DATABASE", raising=False)
    monkeypatch.setenv("OFFBOARD_USER", LEAD)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield
    _close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.db"
    open_database(str(path))
    load(login=LEAD)
    _close()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A path for a database that does not exist yet; OFFBOARD_DATABASE names it."""
    path = str(tmp_path / "empty.db")
    monkeypatch.setenv("OFFBOARD_DATABASE", path)
    return path


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A copy of the demo database; OFFBOARD_DATABASE names it, and the data layer is pointed
    at it (so a test may also change it directly, as the app would)."""
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    monkeypatch.setenv("OFFBOARD_DATABASE", str(path))
    open_database(str(path))
    return str(path)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``offboard ARGS`` in-process; never a traceback, whatever the outcome."""

    def invoke(*argv: str | Sequence[str]) -> Result:
        args = [str(arg) for arg in argv]
        capsys.readouterr()  # start from clean buffers
        code = main(args)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return invoke
