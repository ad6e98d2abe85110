"""Fixtures for the app's tests: a fresh demo database per test (copied from one built once with
a frozen clock, so times on screen are the same on every run), the app factory, and a way to
wait until every worker has finished and its message has been handled."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest
from textual.pilot import Pilot

import data.demo
from data import clock
from data.db import open_database
from tui.app import OffboardApp, create_app

# The demo is built "on" this moment, and "today" for the rules is this date, so every snapshot
# shows the same times and dates whenever it runs.
FROZEN_NOW = dt.datetime(2026, 1, 15, 9, 30)
FROZEN_TODAY = dt.date(2026, 1, 15)


@pytest.fixture(scope="session", autouse=True)
def utc_local_time() -> Iterator[None]:
    """Times are shown in the machine's local zone: make it UTC for the tests."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture(autouse=True)
def no_mail_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app sends the outbox itself when [smtp] is configured: no test reads the machine's
    configuration (a test that wants a mail server names its own)."""
    empty = tmp_path / "no-config.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("OFFBOARD_CONFIG", str(empty))
    for variable in ("HOST", "PORT", "SECURITY", "USER", "FROM", "TIMEOUT"):
        monkeypatch.delenv(f"OFFBOARD_SMTP_{variable}", raising=False)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, built once (with the clock frozen) and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "offboard.db"
    with clock.frozen(FROZEN_NOW):
        open_database(str(path))
        data.demo.load(login="lead")
    return path


@pytest.fixture(autouse=True)
def ui_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the app remembers its theme: this test's own file, never the user's."""
    path = tmp_path / "ui.json"
    monkeypatch.setenv("OFFBOARD_UI_FILE", str(path))
    return path


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[None]:
    """ "Today" and "now" as the data layer sees them while a test runs (summaries name them;
    the timeline's due dates count from them)."""
    with clock.frozen(FROZEN_NOW):
        yield


@pytest.fixture
def db_path(demo_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo database for this test, opened for direct checks."""
    path = tmp_path / "offboard.db"
    # SQLite's backup copies what is still in the write-ahead log too (a file copy would not).
    with closing(sqlite3.connect(demo_template)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    open_database(str(path))
    return str(path)


@pytest.fixture
def make_app(db_path: str) -> Callable[..., OffboardApp]:
    """The app on this test's database, for a login (the demo's team lead by default)."""

    def make(login: str = "lead") -> OffboardApp:
        return create_app(db_path, login)

    return make


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and every message their results posted has been handled."""
    app = pilot.app
    idle = 0
    for _ in range(100):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        # Idle twice in a row: a dialog's callback or a posted result may start one more worker
        # just after the first check (a loaded machine made the journey test flaky).
        idle = idle + 1 if not any(worker.is_running for worker in app.workers) else 0
        if idle == 2:
            return
    raise AssertionError("The app's workers did not settle.")


async def settle_until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Settle until ``condition`` holds: a result a worker posts may reach the screen one
    message later than the workers go idle, on a loaded machine. Bounded: fails saying ``what``
    was never seen."""
    for _ in range(20):
        await settle(pilot)
        if condition():
            return
    raise AssertionError(f"Never saw {what}.")
